"""The grpc.aio server: RedactorService, health, reflection, TLS, metrics endpoint and SIGTERM drain.

Start-up order matters for Kubernetes: the port opens first with health NOT_SERVING, the
models load in a worker thread, then the batcher starts and health turns SERVING, so a
readiness probe never routes traffic to a replica that cannot answer.

Shutdown (SIGTERM or SIGINT) follows the grpc examples: health enters graceful shutdown
(NOT_SERVING, permanently), ``server.stop(grace)`` refuses new RPCs while in-flight streams
finish for up to ``grace_seconds``, then the batcher drains what is left and the process
exits 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pixelsvc.batching import FrameBatcher
from pixelsvc.config import EngineConfig, ServiceConfig
from pixelsvc.pipeline import Engine
from pixelsvc.service.guards import add_servicer
from pixelsvc.service.metrics import DEVICE_STAGES, MetricsHttpServer, ServiceMetrics
from pixelsvc.service.servicer import RedactorServicer
from pixelsvc.types import Frame, TextRead
from pixelsvc.v1 import redactor_pb2 as pb
from pixelsvc.warmup import warm_up

__all__ = ["SERVICE_NAME", "JsonFormatter", "PixelServer", "configure_logging", "serve"]

log = logging.getLogger(__name__)

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["RedactorService"].full_name
"""'pixelsvc.v1.RedactorService': the name health checks and reflection use."""


class PixelServer:
    """One gRPC server with its own metrics registry, batcher and (shared or owned) engine.

    Args:
        config: the whole service config; its transport must be chosen (TLS paths or plaintext).
        engine: an engine that is already loaded (tests share one); when None, `load` builds one
            from ``config.engine`` in a worker thread.
        engine_factory: how `load` builds the engine (default: `Engine`).

    >>> server = PixelServer(ServiceConfig(port=0, plaintext=True))  # doctest: +SKIP
    >>> port = await server.start(); await server.load()  # doctest: +SKIP
    >>> await server.stop()  # doctest: +SKIP
    """

    def __init__(self, config: ServiceConfig, engine: Engine | None = None,
                 engine_factory: Callable[[EngineConfig], Engine] = Engine) -> None:
        config.verify_transport()
        self.config = config
        self.engine = engine
        self._engine_factory = engine_factory
        self.metrics = ServiceMetrics(device_memory=self._device_memory)
        self.servicer = RedactorServicer(config, self.metrics)
        self.health = health.aio.HealthServicer()
        self.batcher: FrameBatcher | None = None
        self.port: int | None = None
        self._metrics_http: MetricsHttpServer | None = None
        self._stopping = False
        self._server = grpc.aio.server(options=[
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            ("grpc.so_reuseport", 0),  # a busy port is an error, not a second server sharing it
            *_connection_age_options(config.max_connection_age_seconds),
        ])
        add_servicer(self.servicer, self._server)  # unparsable messages: INVALID_ARGUMENT, not INTERNAL
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self._server)

    def __repr__(self) -> str:
        return f"PixelServer(port={self.port}, ready={self.servicer.ready}, batcher={self.batcher!r})"

    async def start(self) -> int:
        """Open the gRPC port (health NOT_SERVING) and the metrics port; returns the bound gRPC port."""
        config = self.config
        address = f"{config.host}:{config.port}"
        if config.plaintext:
            self.port = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, _server_credentials(config))
        for service in ("", SERVICE_NAME):
            await self.health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self._server.start()
        if config.metrics_port:
            self._metrics_http = MetricsHttpServer(self.metrics, config.host, config.metrics_port)
        log.info("listening", extra={"port": self.port, "tls": not config.plaintext,
                                     "mtls": config.tls_client_ca is not None,
                                     "metrics_port": self._metrics_http.port if self._metrics_http else None})
        return self.port

    async def load(self) -> None:
        """Load the models (unless given), start the batcher, then report SERVING."""
        started = time.perf_counter()
        if self.engine is None:
            self.engine = await asyncio.to_thread(self._engine_factory, self.config.engine)
        engine = self.engine
        if self.config.warmup == "on" or (self.config.warmup == "auto" and engine.device.type == "cuda"):
            await asyncio.to_thread(warm_up, engine)
        if self._stopping:
            return
        batcher_config = self.config.batcher
        if not batcher_config.batches_in_flight:  # per device: overlap host and GPU work on CUDA only
            batcher_config = replace(batcher_config, batches_in_flight=2 if engine.device.type == "cuda" else 1)
        self.batcher = FrameBatcher(self._run_batch, batcher_config, self.metrics)
        await self.batcher.start()
        batcher = self.batcher
        self.metrics.bind_batcher(lambda: batcher.queue_depth, lambda: batcher.in_flight)
        self.metrics.set_stage_baseline(engine.stats.seconds)
        self.servicer.attach(engine, batcher.submit)
        for service in ("", SERVICE_NAME):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"device": str(engine.device), "batcher": repr(batcher),
                                   "load_seconds": round(time.perf_counter() - started, 3)})

    async def stop(self, grace: float | None = None) -> None:
        """Drain: NOT_SERVING, refuse new RPCs, let in-flight ones finish within `grace`, drain the batcher."""
        if self._stopping:
            return
        self._stopping = True
        grace = self.config.grace_seconds if grace is None else grace
        log.info("draining", extra={"grace_seconds": grace})
        await self.health.enter_graceful_shutdown()
        await self._server.stop(grace)
        if self.batcher is not None:
            await self.batcher.stop(drain=True)
        if self._metrics_http is not None:
            self._metrics_http.close()
        log.info("stopped")

    async def wait_for_termination(self) -> None:
        await self._server.wait_for_termination()

    # --- helpers --------------------------------------------------------------------------

    def _run_batch(self, frames: list[Frame]) -> list[list[TextRead]]:
        """The batch worker's call: render, detect, recognise, then record those stages' seconds."""
        assert self.engine is not None
        reads = self.engine.read_text(frames)
        self.metrics.observe_stages(self.engine.stats.seconds, DEVICE_STAGES)
        return reads

    def _device_memory(self) -> float:
        engine = self.engine
        if engine is None or engine.device.type != "cuda":
            return 0.0
        import torch

        return float(torch.cuda.memory_allocated(engine.device))


def _server_credentials(config: ServiceConfig) -> grpc.ServerCredentials:
    """TLS from PEM files; with a client CA, clients must present a certificate it signed (mTLS)."""
    assert config.tls_cert is not None and config.tls_key is not None
    ca = config.tls_client_ca.read_bytes() if config.tls_client_ca else None
    return grpc.ssl_server_credentials([(config.tls_key.read_bytes(), config.tls_cert.read_bytes())],
                                       root_certificates=ca, require_client_auth=ca is not None)


async def serve(config: ServiceConfig, engine: Engine | None = None,
                signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT)) -> int:
    """Run a server until SIGTERM/SIGINT, then drain and return the exit status (0 after a clean drain).

    A failure to load the models returns 1 (the pod restarts and the event is visible).
    """
    log.info("starting", extra={"config": repr(config)})
    server = PixelServer(config, engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    status = 0
    await server.start()
    loading = asyncio.create_task(server.load(), name="pixelsvc-load")
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if loading.done() and loading.exception() is not None:
        exc = loading.exception()
        log.error("model loading failed", extra={"error_type": type(exc).__name__, "error": str(exc)})
        status = 1
    else:
        await stopping
    if not loading.done():
        loading.cancel()
    await server.stop()
    for sig in signals:
        loop.remove_signal_handler(sig)
    return status


# --- logging ------------------------------------------------------------------------------

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's ``extra`` fields.

    pixelsvc never logs recognised text or header values; extras hold ids, counts, sizes and codes.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": round(record.created, 3), "level": record.levelname, "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS})
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Structured logs on stderr; pydicom is silenced (its warnings quote header values)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)


def _connection_age_options(seconds: float) -> list[tuple[str, int]]:
    """gRPC keeps a client on the pods it first connected to; a maximum age makes it re-resolve."""
    if seconds <= 0:
        return []
    return [("grpc.max_connection_age_ms", int(seconds * 1000)), ("grpc.max_connection_age_grace_ms", 600_000)]
