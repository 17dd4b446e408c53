"""Run the real aio server in-process on a background event loop, for synchronous gRPC clients.

The server gets the suite's one CPU engine (tests/conftest.py), so no test loads the models
twice; clients are plain synchronous stubs, called from threads when a test needs
concurrency (no asyncio plugin needed).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from pixelsvc.config import BatcherConfig, ServiceConfig
from pixelsvc.pipeline import Engine
from pixelsvc.service.server import PixelServer
from pixelsvc.v1 import redactor_pb2_grpc as pb_grpc

T = TypeVar("T")


@dataclass
class RunningServer:
    """A started PixelServer and the loop it runs on."""

    server: PixelServer
    loop: asyncio.AbstractEventLoop
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's loop (e.g. to read state the loop owns)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def run_soon(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start a coroutine on the server's loop without waiting for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stub(self, channel: grpc.Channel) -> pb_grpc.RedactorServiceStub:
        return pb_grpc.RedactorServiceStub(channel)

    def metric(self, name: str, **labels: str) -> float:
        return self.server.metrics.value(name, labels)


@contextmanager
def loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running on a daemon thread (the server's home in these tests)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-server-loop", daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def running_server(config: ServiceConfig, engine: Engine | None, load: bool = True,
                   **kwargs: Any) -> Iterator[RunningServer]:
    """Start a PixelServer (and load it, unless `load` is False) on its own loop; drain and stop it on exit."""
    with loop_thread() as loop:

        async def boot() -> PixelServer:
            server = PixelServer(config, engine, **kwargs)
            await server.start()
            if load:
                await server.load()
            return server

        server = asyncio.run_coroutine_threadsafe(boot(), loop).result(120)
        assert server.port is not None
        try:
            yield RunningServer(server, loop, server.port)
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(grace=1.0), loop).result(60)


def local_config(engine: Engine, **overrides: Any) -> ServiceConfig:
    """A local plaintext config on a free port; batches wait long enough for streams to meet on CPU."""
    values: dict[str, Any] = dict(
        host="127.0.0.1", port=0, metrics_port=0, plaintext=True, grace_seconds=5.0,
        batcher=BatcherConfig(max_batch_frames=8, max_wait_ms=150.0, max_queued_frames=64),
        engine=engine.config)
    values.update(overrides)
    return ServiceConfig(**values)


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
