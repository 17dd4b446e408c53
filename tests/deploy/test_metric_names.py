"""Every metric and label the autoscalers and the dashboard query exists in the real server's /metrics.

A misspelt metric in a ScaledObject query reads as "no data", which KEDA turns into a fallback or a
scale-in, and in a dashboard as an empty panel; neither fails loudly in a cluster, so this test does:
it starts the real server, scrapes /metrics over HTTP and checks each query against what it exports.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
import yaml

from pixelsvc.service.metrics import FRAME_OUTCOMES, STAGES
from tests.deploy.kube import K8S, Doc, find_all
from tests.deploy.live import LiveServer
from tests.deploy.promql import Exposition, Query, parse_exposition, parse_query

TARGET_LABELS = frozenset({"namespace", "pod", "container", "job", "instance", "endpoint", "service"})
"""Labels Prometheus attaches to every scraped series of a PodMonitor target (not in the exposition)."""

ALLOWED_VALUES = {
    ("pixelsvc_frames_total", "outcome"): set(FRAME_OUTCOMES),
    ("pixelsvc_requests_total", "outcome"): {code.name.lower() for code in grpc.StatusCode},
    ("pixelsvc_stage_seconds_bucket", "stage"): set(STAGES),
    ("pixelsvc_stage_seconds_sum", "stage"): set(STAGES),
    ("pixelsvc_stage_seconds_count", "stage"): set(STAGES),
}
"""Labels whose values come from fixed sets: a query matching another value selects nothing."""

DASHBOARD = K8S / "dashboards" / "pixelsvc.json"
ADAPTER_VALUES = K8S / "components" / "hpa-prometheus-adapter" / "prometheus-adapter-values.yaml"


def problems(expr: str, exposition: Exposition) -> list[str]:
    """What is wrong with one query against the exposition (empty when every name and label exists)."""
    query: Query = parse_query(expr)
    if not query.selectors:
        return [f"no metric found in {expr!r}"]
    found = []
    known_labels = set(TARGET_LABELS) | {"le"}
    for selector in query.selectors:
        if selector.metric not in exposition:
            found.append(f"metric {selector.metric!r} is not exported (query {expr!r})")
            continue
        labels = exposition.labels[selector.metric]
        known_labels |= labels
        for label, op, value in selector.matchers:
            if label != "__name__" and label not in labels | TARGET_LABELS:
                found.append(f"{selector.metric} has no label {label!r} (query {expr!r})")
            allowed = ALLOWED_VALUES.get((selector.metric, label))
            if allowed is not None and op in ("=", "=~"):
                wanted = set(value.split("|")) if op == "=~" else {value}
                if wanted - allowed:
                    found.append(f"{selector.metric}{{{label}}} never takes {sorted(wanted - allowed)} "
                                 f"(values: {sorted(allowed)})")
    for label in sorted(query.grouping_labels - known_labels):
        found.append(f"grouping label {label!r} is on none of the query's metrics (query {expr!r})")
    return found


def autoscaling_queries(variants: dict[str, list[Doc]]) -> list[tuple[str, str]]:
    """(where, PromQL) of every Prometheus trigger in every rendered variant, and the adapter's rules."""
    queries = []
    for name, docs in variants.items():
        for scaled in find_all(docs, "ScaledObject"):
            for trigger in scaled["spec"]["triggers"]:
                if trigger["type"] == "prometheus":
                    queries.append((f"{name} ScaledObject {trigger.get('name')}", trigger["metadata"]["query"]))
    for i, rule in enumerate(yaml.safe_load(ADAPTER_VALUES.read_text())["rules"]["custom"]):
        queries.append((f"prometheus-adapter rule {i} seriesQuery", rule["seriesQuery"]))
    return queries


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets") or []:
            queries.append((f"panel {panel['title']!r} {target['refId']}", target["expr"]))
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            text = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            inner = text.removeprefix("label_values(").removesuffix(")")
            metric_expr, _, label = inner.rpartition(",")
            queries.append((f"variable {variable['name']}", f"sum by ({label.strip()}) ({metric_expr})"))
    return queries


def test_the_checker_catches_wrong_names_and_labels() -> None:
    """The check itself must be able to fail: a typo, a missing label and an impossible value are caught."""
    exposition = parse_exposition(
        "# TYPE pixelsvc_frames_total counter\n"
        'pixelsvc_frames_total{outcome="masked"} 1.0\n'
        "# TYPE pixelsvc_pending_frames gauge\npixelsvc_pending_frames 0.0\n")
    assert problems('sum(pixelsvc_pending_frames{namespace="x"})', exposition) == []
    assert problems("sum(pixelsvc_pending_frame)", exposition)
    assert problems('sum by (stage) (pixelsvc_pending_frames)', exposition)
    assert problems('pixelsvc_pending_frames{outcome="ok"}', exposition)
    assert problems('rate(pixelsvc_frames_total{outcome=~"masked|failure"}[5m])', exposition)
    assert problems("vector(0)", exposition)


def test_autoscaling_queries_use_exported_metrics(live: LiveServer, variants: dict[str, list[Doc]]) -> None:
    exposition = live.scrape()
    queries = autoscaling_queries(variants)
    assert any("ScaledObject" in where for where, _ in queries)
    found = [f"{where}: {p}" for where, expr in queries for p in problems(expr, exposition)]
    assert not found, "\n".join(found)


def test_hpa_reads_the_metric_the_adapter_serves(variants: dict[str, list[Doc]]) -> None:
    """The HPA asks the custom metrics API for a name; prometheus-adapter must publish exactly that name."""
    served: set[str] = set()
    for rule in yaml.safe_load(ADAPTER_VALUES.read_text())["rules"]["custom"]:
        (selector,) = parse_query(rule["seriesQuery"]).selectors
        served.add(rule.get("name", {}).get("as") or selector.metric)
    hpas = [hpa for docs in variants.values() for hpa in find_all(docs, "HorizontalPodAutoscaler")]
    assert hpas, "no variant renders the HPA alternative"
    for hpa in hpas:
        for metric in hpa["spec"]["metrics"]:
            assert metric["type"] == "Pods"
            assert metric["pods"]["metric"]["name"] in served


def test_dashboard_queries_use_exported_metrics(live: LiveServer) -> None:
    exposition = live.scrape()
    queries = dashboard_queries()
    found = [f"{where}: {p}" for where, expr in queries for p in problems(expr, exposition)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("topic", ["frames per second", "errors", "pending frames", "queue wait", "frames per batch",
                                   "stage"])
def test_dashboard_covers(topic: str) -> None:
    titles = [p["title"].lower() for p in json.loads(DASHBOARD.read_text())["panels"]]
    assert any(topic in t for t in titles), titles


def test_dashboard_is_well_formed() -> None:
    """Unique panel ids, a datasource variable everywhere, no overlapping panels, refIds unique per panel."""
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 36
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    cells: dict[tuple[int, int], str] = {}
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
            assert 'namespace="$namespace"' in target["expr"], (panel["title"], target["expr"])
