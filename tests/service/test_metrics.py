"""Metric names and labels: prefixed, in base units, bounded, one registry per server."""

from __future__ import annotations

import re

from pixelsvc.service.metrics import FRAME_OUTCOMES, STAGES, ServiceMetrics


def test_registries_are_independent_and_observer_callbacks_record() -> None:
    first, second = ServiceMetrics(), ServiceMetrics()  # no "duplicated timeseries" error
    first.on_batch(frames=3, pixels=3 * 65536, streams=2, seconds=0.2)
    first.on_queue_wait(0.004)
    first.on_rejected()
    assert first.value("pixelsvc_batch_frames_sum") == 3
    assert first.value("pixelsvc_batch_streams_bucket", {"le": "1.0"}) == 0
    assert first.value("pixelsvc_queue_rejections_total") == 1
    assert second.value("pixelsvc_batch_frames_count") == 0


def test_stage_seconds_are_deltas_of_engine_totals() -> None:
    metrics = ServiceMetrics()
    metrics.set_stage_baseline({"detect": 10.0})
    metrics.observe_stages({"detect": 10.5, "render": 0.25}, ("detect", "render"))
    metrics.observe_stages({"detect": 11.0, "render": 0.25}, ("detect", "render"))
    assert metrics.value("pixelsvc_stage_seconds_sum", {"stage": "detect"}) == 1.0
    assert metrics.value("pixelsvc_stage_seconds_count", {"stage": "render"}) == 1


def test_names_units_and_label_values_are_bounded() -> None:
    metrics = ServiceMetrics()
    metrics.bind_batcher(lambda: 3, lambda: 1)
    text = metrics.render().decode()
    names = set(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    ours = {(n.removesuffix("_total"), t) for n, t in names if n.startswith("pixelsvc_")}
    assert {n for n, _ in ours} >= {
        "pixelsvc_requests", "pixelsvc_frames", "pixelsvc_batch_frames", "pixelsvc_batch_streams",
        "pixelsvc_queue_depth", "pixelsvc_pending_frames", "pixelsvc_queue_wait_seconds", "pixelsvc_stage_seconds",
        "pixelsvc_regions_masked", "pixelsvc_frames_deduplicated", "pixelsvc_device_memory_bytes"}
    for name, kind in ours:
        if kind == "counter":
            assert f"{name}_total" in text
    assert "pixelsvc_queue_depth 3.0" in text
    labels = set(re.findall(r'(\w+)="([^"]*)"', text))
    for key, value in labels:
        assert key in {"le", "stage", "outcome", "rpc", "label"}, key
        if key == "stage":
            assert value in STAGES
        if key == "outcome":
            assert value in FRAME_OUTCOMES
