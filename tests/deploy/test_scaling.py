"""The scaling rule the manifests define, simulated over queue-depth time series.

The rule is read from the rendered ScaledObject (and HPA), so a change to the YAML changes what is
simulated. The scenario tables below spell out, poll by poll, what the current settings imply: a
change to threshold, bounds or behaviour that alters them fails here, and the table must be redone
on purpose (see README.md, "Autoscaling, and tuning it from `bench/load.py`").
"""

from __future__ import annotations

import math

import pytest

from pixelsvc.config import load_service_config
from tests.deploy.autoscaling import QueueScaling, simulate
from tests.deploy.kube import SCALE_TO_ZERO, Doc, container_env, find

POLL_SECONDS = 15


def scaled_object(variants: dict[str, list[Doc]], variant: str = "overlays/example") -> QueueScaling:
    return QueueScaling.from_scaled_object(find(variants[variant], "ScaledObject"))


def test_simulation_follows_the_hpa_formula() -> None:
    """The simulator against hand-computed HPA behaviour for a rule independent of the manifests."""
    from tests.deploy.autoscaling import ScalingRules

    free = ScalingRules(0, "Max", (("Percent", 1000, 15),))
    rule = QueueScaling(threshold=10, activation=0, min_replicas=1, max_replicas=20, polling_seconds=15,
                        cooldown_seconds=300, scale_up=free, scale_down=free)
    # ceil(value / threshold), except within 10% of the current per-replica ratio (32 and 31 on 3
    # replicas: 1.07 and 1.03; 34: 1.13 -> 4), never above max (250 -> 20) nor below the minimum (0 -> 1)
    assert simulate(rule, [0, 25, 25, 32, 31, 34, 100, 250, 5]) == [1, 3, 3, 3, 3, 4, 10, 20, 1]
    slow = QueueScaling(threshold=10, activation=0, min_replicas=1, max_replicas=20, polling_seconds=15,
                        cooldown_seconds=300, scale_up=ScalingRules(0, "Max", (("Pods", 2, 60),)),
                        scale_down=ScalingRules(30, "Max", (("Pods", 1, 15),)))
    # +2 per 60 s (the +2 at 0 s still counts at 45 s, no longer at 60 s); down once the last high
    # recommendation (75 s) has left the 30 s window, i.e. at 105 s, then 1 per poll down to the minimum
    assert simulate(slow, [100] * 6 + [0] * 6) == [3, 3, 3, 3, 5, 5, 5, 4, 3, 2, 1, 1]


def test_threshold_sits_between_a_full_batch_and_the_queue_limit(variants: dict[str, list[Doc]]) -> None:
    """Scale out once more than one full batch per GPU is pending, and well before clients are refused."""
    for variant in ("overlays/example", "overlays/example-hpa"):
        docs = variants[variant]
        batcher = load_service_config(container_env(docs, find(docs, "Deployment"))).batcher
        scaled = [d for d in docs if d["kind"] in ("ScaledObject", "HorizontalPodAutoscaler")]
        (autoscaler,) = scaled
        rule = (QueueScaling.from_scaled_object(autoscaler) if autoscaler["kind"] == "ScaledObject"
                else QueueScaling.from_hpa(autoscaler))
        assert batcher.max_batch_frames <= rule.threshold, variant
        assert rule.threshold * 2 <= batcher.max_queued_frames, (
            f"{variant}: threshold {rule.threshold} leaves less than one threshold of headroom before "
            f"RESOURCE_EXHAUSTED at max_queued_frames={batcher.max_queued_frames}")


def test_keda_and_hpa_alternatives_agree(variants: dict[str, list[Doc]]) -> None:
    keda = scaled_object(variants)
    hpa = QueueScaling.from_hpa(find(variants["overlays/example-hpa"], "HorizontalPodAutoscaler"))
    assert (hpa.threshold, hpa.max_replicas, hpa.scale_up, hpa.scale_down) == \
           (keda.threshold, keda.max_replicas, keda.scale_up, keda.scale_down)
    assert hpa.min_replicas == max(keda.min_replicas, 1)
    assert keda.polling_seconds == POLL_SECONDS


def test_burst_and_recovery(variants: dict[str, list[Doc]]) -> None:
    """Idle, a burst of 3.5 thresholds, one of 10, then idle again (loads in units of the threshold)."""
    rule = scaled_object(variants)
    loads = [0] * 4 + [3.5] * 8 + [10] * 12 + [0] * 48
    replicas = simulate(rule, [x * rule.threshold for x in loads])
    expected = (
        [1] * 4          # idle: minReplicaCount keeps one warm GPU
        + [4] * 8        # ceil(3.5) = 4 at the first poll (+4 pods / 60 s allows it; no up-stabilisation)
        + [8] * 12       # ceil(10) = 10 is capped by maxReplicaCount 8
        + [8] * 19       # idle again: held until the last high recommendation leaves the 300 s window
        + [7] * 4 + [6] * 4 + [5] * 4 + [4] * 4 + [3] * 4 + [2] * 4  # then one pod per 60 s
        + [1] * 5
    )
    assert replicas == expected


def test_scale_up_rate_from_one_replica(variants: dict[str, list[Doc]]) -> None:
    """A sudden 7.2-threshold backlog on one replica: +4 at once (Pods 4 beats Percent 100 = +1), then the
    rest after the 60 s period; ceil(7.2) = 8 = maxReplicaCount."""
    rule = scaled_object(variants)
    replicas = simulate(rule, [7.2 * rule.threshold] * 8)
    assert replicas == [5, 5, 5, 5, 8, 8, 8, 8]


def test_tolerance_keeps_replicas_near_the_threshold(variants: dict[str, list[Doc]]) -> None:
    """Within 10% of the threshold per replica nothing moves; beyond it the count follows."""
    rule = scaled_object(variants)
    start = 4
    assert simulate(rule, [4.3 * rule.threshold] * 4, start_replicas=start) == [4] * 4
    assert simulate(rule, [4.5 * rule.threshold] * 4, start_replicas=start) == [5] * 4


def test_a_short_lull_does_not_scale_in(variants: dict[str, list[Doc]]) -> None:
    """Two idle minutes between bursts keep every GPU pod (scale-down stabilisation)."""
    rule = scaled_object(variants)
    loads = [6] * 8 + [0] * 8 + [6] * 8
    assert simulate(rule, [x * rule.threshold for x in loads]) == [5] * 4 + [6] * 20


@pytest.mark.parametrize("load", [0, 0.5, 1, 1.5, 2, 3.05, 4.7, 6, 7.9, 12])
def test_steady_load_settles_at_ceil_of_load_over_threshold(variants: dict[str, list[Doc]], load: float) -> None:
    rule = scaled_object(variants)
    replicas = simulate(rule, [load * rule.threshold] * 120)  # 30 minutes
    final = replicas[-1]
    expected = min(max(math.ceil(load), rule.min_replicas, 1), rule.max_replicas)
    within_tolerance = final > 0 and abs(load / final - 1) <= 0.1
    assert final == expected or within_tolerance, (load, final, expected)
    assert all(r <= rule.max_replicas for r in replicas)
    assert replicas[-20:] == [final] * 20, "did not settle"


def test_scale_to_zero_needs_the_cron_window(variants: dict[str, list[Doc]]) -> None:
    """With the scale-to-zero component: idle past cooldownPeriod goes to zero; at zero, demand cannot be
    seen (no pod reports a queue), so only the cron window brings a replica back; the queue takes over."""
    rule = scaled_object(variants, SCALE_TO_ZERO)
    assert rule.min_replicas == 0 and rule.cron_replicas == 1
    idle = 22              # 330 s idle outside the window: zero once cooldownPeriod (300 s) has passed
    waiting = 4            # clients would send work, but with no pod nothing is pending
    working = 6            # the window opens with 3 thresholds of backlog arriving
    loads = [0] * idle + [3] * waiting + [3] * working
    window = [False] * (idle + waiting) + [True] * working
    replicas = simulate(rule, [x * rule.threshold for x in loads], window)
    assert replicas == [1] * 21 + [0] + [0] * waiting + [1] + [3] * (working - 1)


def test_activation_threshold_wakes_from_zero_when_pods_report(variants: dict[str, list[Doc]]) -> None:
    """Inside the window a pending count above activationThreshold counts as activity; at or below it,
    the deployment may go to zero after the cooldown once the window closes."""
    rule = scaled_object(variants, SCALE_TO_ZERO)
    quiet = [rule.activation] * 30
    replicas = simulate(rule, quiet, [True] * 5 + [False] * 25)
    assert replicas[:5] == [1] * 5
    assert replicas[-1] == 0 and 0 in replicas[5 + rule.cooldown_seconds // POLL_SECONDS:]
    busy = [rule.activation + 1] * 30
    assert 0 not in simulate(rule, busy, [True] * 5 + [False] * 25)
