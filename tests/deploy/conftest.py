"""Fixtures for the deployment checks: the rendered kustomize variants and one real server with /metrics."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from pixelsvc.pipeline import Engine
from pixelsvc.service import wire
from pixelsvc.types import Frame
from pixelsvc.v1 import redactor_pb2 as pb
from tests.deploy.kube import Doc, render_variants
from tests.deploy.live import LiveServer
from tests.service.harness import free_port, local_config, running_server
from tests.synth import make_frame


@pytest.fixture(scope="session")
def variants() -> dict[str, list[Doc]]:
    """Every variant rendered once with `kubectl kustomize`."""
    return render_variants()


@pytest.fixture(scope="session")
def live(engine: Engine) -> Iterator[LiveServer]:
    """The real server (CPU models) with its /metrics endpoint on a free port, after one real and one bad
    RPC, so labelled series (requests by status, regions by label) exist as they would in production."""
    metrics_port = free_port()
    with running_server(local_config(engine, metrics_port=metrics_port), engine) as running:
        case = make_frame(4242, 256, 256)
        frame = Frame(("deploy", 0), case.frame.pixels, case.frame.photometric, case.frame.bits_stored)
        with running.channel() as channel:
            stub = running.stub(channel)
            stub.RedactFrame(wire.frame_request(frame, case.context), timeout=120)
            with pytest.raises(grpc.RpcError):
                stub.RedactFrame(pb.RedactFrameRequest(), timeout=30)
        yield LiveServer(running, metrics_port)
