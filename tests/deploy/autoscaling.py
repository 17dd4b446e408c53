"""A simulation of the replica counts KEDA and the HPA give for a queue-depth time series.

It follows the HPA controller (kubernetes pkg/controller/podautoscaler) for an AverageValue target:
per metric ``desired = ceil(value / target)`` unless ``|value / (target * current) - 1| <= tolerance``;
the largest desire over the metrics; the stabilisation windows (scale-up takes the smallest and
scale-down the largest recommendation inside its window); the rate policies (replicas added or removed
within each policy's period count against it); and the min/max bounds. KEDA adds the 0 <-> 1 step:
from zero it scales to max(minReplicaCount, 1) as soon as a trigger is active (value > activation
threshold, or inside a cron window), and to zero once no trigger has been active for cooldownPeriod.

Simplifications: one evaluation per pollingInterval for KEDA and the HPA alike; the input series is the
total pending frames the pods would report (at zero replicas nothing reports, so the metric reads 0),
taken as given rather than shrinking as replicas are added; no fallback, no readiness delays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["QueueScaling", "ScalingRules", "simulate"]

HPA_TOLERANCE = 0.1
"""The controller's default --horizontal-pod-autoscaler-tolerance."""


@dataclass(frozen=True)
class ScalingRules:
    """One direction of an HPA `behavior`: stabilisation window, policies and how they combine."""

    window_seconds: int
    select: str
    policies: tuple[tuple[str, int, int], ...]
    """(type, value, periodSeconds) per policy: type Pods or Percent."""

    @classmethod
    def parse(cls, rules: dict[str, Any], default_window: int) -> ScalingRules:
        policies = tuple((p["type"], int(p["value"]), int(p["periodSeconds"])) for p in rules.get("policies", ()))
        if not policies:
            raise ValueError("behavior without policies: spell them out so the simulation matches the cluster")
        return cls(int(rules.get("stabilizationWindowSeconds", default_window)), rules.get("selectPolicy", "Max"),
                   policies)


@dataclass(frozen=True)
class QueueScaling:
    """The scaling rule a ScaledObject (or an HPA on the same metric) defines, read from its manifest."""

    threshold: float
    """Pending frames per replica (the AverageValue target)."""
    activation: float
    min_replicas: int
    max_replicas: int
    polling_seconds: int
    cooldown_seconds: int
    scale_up: ScalingRules
    scale_down: ScalingRules
    cron_replicas: int | None = None
    """desiredReplicas of a cron trigger, when the ScaledObject has one."""

    @classmethod
    def from_scaled_object(cls, doc: dict[str, Any]) -> QueueScaling:
        spec = doc["spec"]
        triggers = spec["triggers"]
        prometheus = [t for t in triggers if t["type"] == "prometheus"]
        cron = [t for t in triggers if t["type"] == "cron"]
        if len(prometheus) != 1 or len(cron) > 1 or len(prometheus) + len(cron) != len(triggers):
            raise ValueError(f"simulation covers one prometheus and at most one cron trigger, got {triggers}")
        queue = prometheus[0]
        if queue.get("metricType", "AverageValue") != "AverageValue":
            raise ValueError("the simulation models an AverageValue target")
        behavior = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {}).get("behavior", {})
        return cls(
            threshold=float(queue["metadata"]["threshold"]),
            activation=float(queue["metadata"].get("activationThreshold", 0)),
            min_replicas=int(spec.get("minReplicaCount", 0)),
            max_replicas=int(spec.get("maxReplicaCount", 100)),
            polling_seconds=int(spec.get("pollingInterval", 30)),
            cooldown_seconds=int(spec.get("cooldownPeriod", 300)),
            scale_up=ScalingRules.parse(behavior.get("scaleUp", {}), 0),
            scale_down=ScalingRules.parse(behavior.get("scaleDown", {}), 300),
            cron_replicas=int(cron[0]["metadata"]["desiredReplicas"]) if cron else None,
        )

    @classmethod
    def from_hpa(cls, doc: dict[str, Any], polling_seconds: int = 15) -> QueueScaling:
        spec = doc["spec"]
        (metric,) = spec["metrics"]
        target = metric["pods"]["target"]
        if target["type"] != "AverageValue":
            raise ValueError("the simulation models an AverageValue target")
        behavior = spec.get("behavior", {})
        return cls(
            threshold=float(target["averageValue"]), activation=0.0, min_replicas=int(spec.get("minReplicas", 1)),
            max_replicas=int(spec["maxReplicas"]), polling_seconds=polling_seconds, cooldown_seconds=0,
            scale_up=ScalingRules.parse(behavior.get("scaleUp", {}), 0),
            scale_down=ScalingRules.parse(behavior.get("scaleDown", {}), 300))


def _metric_desire(value: float, target: float, current: int) -> int:
    """The HPA's replica count for one external/pods metric with an AverageValue target."""
    ratio = value / (target * current)
    if abs(ratio - 1.0) <= HPA_TOLERANCE:
        return current
    return math.ceil(value / target)


def _period_start(current: int, events: list[tuple[int, int]], now: int, period: int) -> int:
    """Replicas at the start of a policy period: undo the changes made within it."""
    changed = sum(delta for t, delta in events if t > now - period)
    return current - changed


def _up_limit(rules: ScalingRules, current: int, events: list[tuple[int, int]], now: int) -> int:
    if rules.select == "Disabled":
        return current
    limits = []
    for kind, value, period in rules.policies:
        start = _period_start(current, events, now, period)
        limits.append(start + value if kind == "Pods" else math.ceil(start * (1 + value / 100)))
    return min(limits) if rules.select == "Min" else max(limits)


def _down_limit(rules: ScalingRules, current: int, events: list[tuple[int, int]], now: int) -> int:
    if rules.select == "Disabled":
        return current
    limits = []
    for kind, value, period in rules.policies:
        start = _period_start(current, events, now, period)
        limits.append(start - value if kind == "Pods" else int(start * (1 - value / 100)))
    return max(limits) if rules.select == "Min" else min(limits)


def simulate(rule: QueueScaling, pending: Sequence[float], in_window: Sequence[bool] | None = None,
             start_replicas: int | None = None) -> list[int]:
    """Replicas after each poll, for the total pending frames the pods report at each poll.

    Args:
        pending: total pending frames at poll i (what ``sum(pixelsvc_pending_frames)`` would read with
            at least one pod up); read as 0 while there are no replicas.
        in_window: whether poll i falls inside the cron trigger's window (only with a cron trigger).
        start_replicas: replicas before the first poll (default: the HPA minimum, max(min, 1)).
    """
    hpa_min = max(rule.min_replicas, 1)
    replicas = hpa_min if start_replicas is None else start_replicas
    in_window = in_window if in_window is not None else [False] * len(pending)
    if rule.cron_replicas is None and any(in_window):
        raise ValueError("a cron window was given but the rule has no cron trigger")
    recommendations: list[tuple[int, int]] = []
    events: list[tuple[int, int]] = []
    last_active = 0
    out = []
    for i, total in enumerate(pending):
        now = i * rule.polling_seconds
        value = total if replicas > 0 else 0.0
        cron_active = rule.cron_replicas is not None and in_window[i]
        if value > rule.activation or cron_active:
            last_active = now
        # KEDA's own steps (not HPA scale events, so they do not count against the HPA's policies)
        if replicas == 0:  # the HPA is idle at zero; activity brings the first replica(s)
            if value > rule.activation or cron_active:
                replicas = hpa_min
            out.append(replicas)
            continue
        if rule.min_replicas == 0 and now - last_active > rule.cooldown_seconds:
            replicas = 0
            out.append(replicas)
            continue
        desires = [_metric_desire(value, rule.threshold, replicas)]
        if rule.cron_replicas is not None:  # the cron scaler reports desiredReplicas in its window, else 1
            desires.append(_metric_desire(rule.cron_replicas if cron_active else 1, 1.0, replicas))
        desired = max(desires)
        # stabilisation (normalizeDesiredReplicasWithBehaviors)
        up = min([desired] + [r for t, r in recommendations if t > now - rule.scale_up.window_seconds])
        down = max([desired] + [r for t, r in recommendations if t > now - rule.scale_down.window_seconds])
        recommendations.append((now, desired))
        recommendation = min(max(replicas, up), down)
        # rate policies and bounds (convertDesiredReplicasWithBehaviorRate)
        if recommendation > replicas:
            limit = max(_up_limit(rule.scale_up, replicas, events, now), replicas)
            recommendation = min(recommendation, rule.max_replicas, limit)
        elif recommendation < replicas:
            limit = min(_down_limit(rule.scale_down, replicas, events, now), replicas)
            recommendation = max(recommendation, hpa_min, limit)
        if recommendation != replicas:
            events.append((now, recommendation - replicas))
            replicas = recommendation
        out.append(replicas)
    return out
