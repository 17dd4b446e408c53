"""Every Prometheus metric of the service, and nothing else (the only module importing prometheus_client).

Names follow Prometheus conventions: the ``pixelsvc_`` prefix, base units (``_seconds``,
``_bytes``) and ``_total`` for counters. Labels take only values from small fixed sets
(RPC names, gRPC status codes, stage names, region labels): never a stream, study, patient,
header value or recognised text.

Each server owns its own `CollectorRegistry`, so tests can run several servers in one
process and read the numbers without scraping. `ServiceMetrics` is also the batcher's
`BatchObserver`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.exposition import start_http_server

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from pixelsvc.types import FrameResult

__all__ = ["DEVICE_STAGES", "FRAME_OUTCOMES", "HOST_STAGES", "STAGES", "MetricsHttpServer", "ServiceMetrics"]

DEVICE_STAGES = ("render", "detect", "recognise")
"""Stages run by the batch worker (`Engine.read_text`), one batch at a time."""
HOST_STAGES = ("classify", "mask")
"""Stages run per frame by the stream that owns it (`Engine.finish`), concurrently."""
STAGES = DEVICE_STAGES + HOST_STAGES

FRAME_OUTCOMES = ("masked", "unchanged", "failed", "rejected", "cancelled")
"""`pixelsvc_frames_total{outcome}`: a frame answered with masked bytes, answered unchanged, failed on
its own, refused by a full queue, or dropped because its stream was cancelled or hit its deadline."""

_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_FRAME_BUCKETS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128)
_BATCH_STREAM_BUCKETS = (1, 2, 3, 4, 6, 8, 16, 32)
_BATCH_PIXEL_BUCKETS = tuple(float(4 ** k * 65536) for k in range(8))  # 256x256 ... 2^30


class ServiceMetrics:
    """Creates every metric on one registry and records what the servicer and the batcher report.

    Args:
        registry: where the metrics live; a fresh `CollectorRegistry` when None (one per server).
        device_memory: returns the device memory in use in bytes (``torch.cuda.memory_allocated``
            on CUDA, 0 on CPU); read at scrape time so this module needs no torch.
    """

    def __init__(self, registry: CollectorRegistry | None = None,
                 device_memory: Callable[[], float] | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        # process_resident_memory_bytes, process_cpu_seconds_total, ... (Linux /proc)
        ProcessCollector(registry=r)
        self.requests = Counter("pixelsvc_requests", "RPCs finished, by method and gRPC status code (lower case).",
                                ["rpc", "outcome"], registry=r)
        self.frames = Counter("pixelsvc_frames", f"Frames finished, by outcome ({', '.join(FRAME_OUTCOMES)}).",
                              ["outcome"], registry=r)
        self.frames_deduplicated = Counter(
            "pixelsvc_frames_deduplicated", "Frames identical to an earlier frame of their stream, which reused its "
            "analysis instead of being batched again.", registry=r)
        self.regions_masked = Counter("pixelsvc_regions_masked",
                                      "Text regions painted out, by classifier label (PHI:NAME, TEXT:UNKNOWN, ...).",
                                      ["label"], registry=r)
        self.streams_in_flight = Gauge("pixelsvc_streams_in_flight", "RPCs being served now.", registry=r)
        self.pending_frames = Gauge(
            "pixelsvc_pending_frames", "Frames received and not yet answered, across all streams (queued, on the "
            "device, or being classified and masked): the autoscaler's load signal.", registry=r)
        self.queue_depth = Gauge("pixelsvc_queue_depth", "Frames waiting in the batcher's queue for a batch.",
                                 registry=r)
        self.batch_in_flight = Gauge("pixelsvc_batch_in_flight_frames", "Frames in the batch running on the "
                                     "device now (0 when idle).", registry=r)
        self.queue_wait = Histogram("pixelsvc_queue_wait_seconds", "Time a frame waited in the batcher's queue.",
                                    buckets=_SECONDS_BUCKETS, registry=r)
        self.queue_rejections = Counter("pixelsvc_queue_rejections",
                                        "Frames refused because the batcher's queue was full (RESOURCE_EXHAUSTED).",
                                        registry=r)
        self.batch_frames = Histogram("pixelsvc_batch_frames", "Frames per device batch.",
                                      buckets=_BATCH_FRAME_BUCKETS, registry=r)
        self.batch_streams = Histogram("pixelsvc_batch_streams", "Distinct streams (clients) per device batch.",
                                       buckets=_BATCH_STREAM_BUCKETS, registry=r)
        self.batch_pixels = Histogram("pixelsvc_batch_pixels", "Source pixels (rows x columns) per device batch.",
                                      buckets=_BATCH_PIXEL_BUCKETS, registry=r)
        self.batch_seconds = Histogram("pixelsvc_batch_seconds", "Wall time of one device batch (render, detect, "
                                       "recognise; retries included).", buckets=_SECONDS_BUCKETS, registry=r)
        self.stage_seconds = Histogram(
            "pixelsvc_stage_seconds", "Seconds spent per pipeline stage. render/detect/recognise: one sample per "
            "batch. classify/mask: one sample per finished frame, which may include other frames' time when "
            "streams finish concurrently; the _sum is exact either way.", ["stage"],
            buckets=_SECONDS_BUCKETS, registry=r)
        self.device_memory = Gauge("pixelsvc_device_memory_bytes", "Device (GPU) memory allocated by the models "
                                   "and batches; 0 on CPU (see process_resident_memory_bytes).", registry=r)
        self.device_memory.set_function(device_memory or (lambda: 0.0))
        for outcome in FRAME_OUTCOMES:  # export zeros, so rate() works from the first scrape
            self.frames.labels(outcome)
        for stage in STAGES:
            self.stage_seconds.labels(stage)
        self._stage_lock = threading.Lock()
        self._stage_last: dict[str, float] = {}

    # --- wiring -----------------------------------------------------------------------

    def bind_batcher(self, queue_depth: Callable[[], float], in_flight: Callable[[], float]) -> None:
        """Read the batcher's queue depth and in-flight frames at scrape time."""
        self.queue_depth.set_function(queue_depth)
        self.batch_in_flight.set_function(in_flight)

    def render(self) -> bytes:
        """The text exposition of every metric (what /metrics serves)."""
        return generate_latest(self.registry)

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float:
        """One sample's current value, 0 when absent (for tests and the load benchmark)."""
        return self.registry.get_sample_value(name, dict(labels or {})) or 0.0

    # --- BatchObserver ----------------------------------------------------------------

    def on_batch(self, frames: int, pixels: int, streams: int, seconds: float) -> None:
        self.batch_frames.observe(frames)
        self.batch_pixels.observe(pixels)
        self.batch_streams.observe(streams)
        self.batch_seconds.observe(seconds)

    def on_queue_wait(self, seconds: float) -> None:
        self.queue_wait.observe(seconds)

    def on_rejected(self) -> None:
        self.queue_rejections.inc()

    # --- servicer -----------------------------------------------------------------------

    def set_stage_baseline(self, seconds: Mapping[str, float]) -> None:
        """Start counting stage seconds from the engine's current totals (work done before serving is not ours)."""
        with self._stage_lock:
            self._stage_last = {stage: seconds.get(stage, 0.0) for stage in STAGES}

    def observe_stages(self, seconds: Mapping[str, float], stages: Iterable[str]) -> None:
        """Record how much each stage's cumulative seconds (`EngineStats.seconds`) grew since the last call.

        Thread-safe: called from the batch worker (device stages) and from finishing threads (host stages).
        """
        with self._stage_lock:
            for stage in stages:
                total = seconds.get(stage, 0.0)
                delta = total - self._stage_last.get(stage, 0.0)
                self._stage_last[stage] = total
                if delta > 0:
                    self.stage_seconds.labels(stage).observe(delta)

    def observe_frame(self, result: FrameResult) -> None:
        """Count a finished frame, its outcome and the regions masked in it (by label, never by text)."""
        self.frames.labels("masked" if result.masked.changed else "unchanged").inc()
        if result.deduplicated:
            self.frames_deduplicated.inc()
        for verdict in result.verdicts:
            if verdict.mask:
                self.regions_masked.labels(verdict.label.value).inc()

    def observe_request(self, rpc: str, outcome: str) -> None:
        self.requests.labels(rpc, outcome).inc()


class MetricsHttpServer:
    """The /metrics endpoint on its own port (prometheus_client's threaded WSGI server)."""

    def __init__(self, metrics: ServiceMetrics, host: str, port: int) -> None:
        addr = host.strip("[]") or "::"
        self._httpd: WSGIServer
        self._httpd, self._thread = start_http_server(port, addr=addr, registry=metrics.registry)
        self.port: int = self._httpd.server_port

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
