"""The real gRPC server with the real CPU models: concurrent streams, batching, bad input, TLS, SIGTERM.

One in-process server serves the whole module (tests/service/conftest.py); the SIGTERM test
runs `pixelsvc serve` as a subprocess, because a signal must reach a whole process.
Frames are small (256x256 synthetic frames with known text, 64x64 blanks for the
"good request after a bad one") to keep the module within a few minutes on 2 CPU cores.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pixelsvc.config import ServiceConfig
from pixelsvc.errors import ConfigError
from pixelsvc.pipeline import Engine
from pixelsvc.service import wire
from pixelsvc.service.server import SERVICE_NAME, PixelServer
from pixelsvc.types import Frame, FrameResult, PhiContext, Policy, TextBox
from pixelsvc.v1 import redactor_pb2 as pb
from pixelsvc.v1 import redactor_pb2_grpc as pb_grpc
from tests.service.harness import RunningServer, free_port, local_config, running_server
from tests.synth import make_frame

REPO = Path(__file__).resolve().parents[2]
PHI_MARKERS = ("DOE", "JOHN")  # every bad-input header carries this name: no status message may echo it
CONTEXT = PhiContext(names=("DOE^JOHN",), ids=("12345678",), dates=("19700101",))


def _series(seed: int, count: int = 3, size: int = 256) -> tuple[list[Frame], PhiContext]:
    """`count` distinct synthetic frames of one series and the PHI context of its first frame."""
    cases = [make_frame(seed + i, size, size) for i in range(count)]
    frames = [Frame(("client", i), c.frame.pixels, c.frame.photometric, c.frame.bits_stored)
              for i, c in enumerate(cases)]
    return frames, cases[0].context


def _blank(size: int = 64) -> Frame:
    return Frame(("blank", 0), np.zeros((size, size), np.uint16), "MONOCHROME2", 12)


def _clamp(box: TextBox, frame: Frame) -> tuple[int, int, int, int]:
    rows, cols = frame.pixels.shape[:2]
    return (min(max(box.x0, 0), cols), min(max(box.y0, 0), rows), min(max(box.x1, 0), cols),
            min(max(box.y1, 0), rows))


def _assert_same(got: wire.RedactedFrame, want: FrameResult, frame: Frame) -> None:
    """The server's answer for a frame equals the in-process engine's result."""
    result = got.result
    assert [((r.box.x0, r.box.y0, r.box.x1, r.box.y1), r.label, r.masked, r.rule) for r in result.regions] == [
        (_clamp(v.region, frame), v.label.value, v.mask, v.rule) for v in want.verdicts]
    # a read must not depend on which other streams' crops shared its batch (rec.py batches by padded width)
    assert [r.confidence for r in result.regions] == pytest.approx([v.read.confidence for v in want.verdicts],
                                                                     abs=1e-3)
    assert [(b.x0, b.y0, b.x1, b.y1) for b in result.mask_boxes] == [_clamp(b, frame) for b in want.masked.boxes]
    assert result.changed == want.masked.changed
    assert all(r.text == "" for r in result.regions), "text must not be returned unless asked for"
    if want.masked.changed:
        assert got.pixels is not None and got.pixels.dtype == frame.pixels.dtype
        assert np.array_equal(got.pixels, want.masked.pixels)
    else:
        assert got.pixels is None


def _good_request(server: RunningServer) -> None:
    """A small valid request that must succeed after any bad one."""
    with server.channel() as channel:
        response = server.stub(channel).RedactFrame(wire.frame_request(_blank()), timeout=60)
    assert response.result.frame_index == 0
    assert len(response.pixels) == (_blank().pixels.nbytes if response.result.changed else 0)


def _wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --- serving ---------------------------------------------------------------------------------


def test_health_serving_and_reflection(server: RunningServer) -> None:
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    with server.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", SERVICE_NAME):
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        services = ProtoReflectionDescriptorDatabase(channel).get_services()
    assert SERVICE_NAME in services and "grpc.health.v1.Health" in services


def test_not_serving_while_models_load(engine: Engine) -> None:
    """Health is NOT_SERVING and RPCs are UNAVAILABLE until the models are loaded; then SERVING."""
    loaded = threading.Event()

    def slow_factory(_config: object) -> Engine:
        loaded.wait(60)
        return engine

    request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
    with running_server(local_config(engine), None, load=False, engine_factory=slow_factory) as loading, \
            loading.channel() as channel:
        loading_done = loading.run_soon(loading.server.load())
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(request, timeout=10).status == health_pb2.HealthCheckResponse.NOT_SERVING
        with pytest.raises(grpc.RpcError) as early:
            loading.stub(channel).RedactFrame(wire.frame_request(_blank()), timeout=10)
        assert early.value.code() == grpc.StatusCode.UNAVAILABLE and "loading" in (early.value.details() or "")
        loaded.set()
        loading_done.result(60)
        assert health.Check(request, timeout=10).status == health_pb2.HealthCheckResponse.SERVING
        loading.run(loading.server.health.enter_graceful_shutdown())  # the first step of a drain
        assert health.Check(request, timeout=10).status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_concurrent_streams_match_engine_and_batch_across_streams(server: RunningServer, engine: Engine) -> None:
    clients = [_series(1000 + 10 * k) for k in range(4)]
    expected = [engine.process(frames, context, Policy.PHI) for frames, context in clients]
    batches_before = server.metric("pixelsvc_batch_frames_count")
    start = threading.Barrier(len(clients))

    def run(frames: list[Frame], context: PhiContext) -> list[wire.RedactedFrame]:
        with server.channel() as channel:
            stub = server.stub(channel)
            start.wait()
            calls = stub.RedactSeries(wire.series_requests(frames, context, chunk_bytes=48 * 1024), timeout=120)
            return wire.read_series(calls, frames)

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda c: run(*c), clients))

    for (frames, _), want, got in zip(clients, expected, answers, strict=True):
        assert len(got) == len(frames)
        for frame, w, g in zip(frames, want, got, strict=True):
            _assert_same(g, w, frame)
    assert any(w.masked.changed for want in expected for w in want), "the synthetic frames carry PHI to mask"

    # batches of more than one frame, mixing clients, were formed
    batches = server.metric("pixelsvc_batch_frames_count") - batches_before
    assert batches >= 1
    single_frame = server.metric("pixelsvc_batch_frames_bucket", le="1.0")
    single_stream = server.metric("pixelsvc_batch_streams_bucket", le="1.0")
    assert single_frame < server.metric("pixelsvc_batch_frames_count"), "no batch held more than one frame"
    assert single_stream < server.metric("pixelsvc_batch_streams_count"), "no batch mixed two streams"
    assert server.metric("pixelsvc_requests_total", rpc="RedactSeries", outcome="ok") >= 4
    assert server.metric("pixelsvc_stage_seconds_sum", stage="detect") > 0
    assert server.metric("pixelsvc_stage_seconds_sum", stage="mask") > 0
    assert server.metric("pixelsvc_regions_masked_total", label="PHI:NAME") >= 1
    assert _wait_until(lambda: server.metric("pixelsvc_pending_frames") == 0, 5)
    text = server.server.metrics.render().decode()
    assert "pixelsvc_queue_depth" in text and "process_resident_memory_bytes" in text
    assert "DOE" not in text and not any(n in text for _, c in clients for n in c.names)


def test_redact_frame_unary_and_text_only_on_request(server: RunningServer, engine: Engine) -> None:
    frames, context = _series(2000, count=1)
    frame = frames[0]
    want = engine.process([frame], context, Policy.PHI)[0]
    with server.channel() as channel:
        stub = server.stub(channel)
        plain = stub.RedactFrame(wire.frame_request(frame, context), timeout=60)
        audit = stub.RedactFrame(wire.frame_request(frame, context, Policy.DETECT_ONLY, return_text=True), timeout=60)
    got = wire.RedactedFrame(plain.result, np.frombuffer(plain.pixels, frame.pixels.dtype).reshape(frame.pixels.shape)
                             if plain.pixels else None)
    _assert_same(got, want, frame)
    assert not audit.result.changed and not audit.pixels and not any(r.masked for r in audit.result.regions)
    assert audit.result.regions and any(r.text for r in audit.result.regions)


def test_identical_frames_are_deduplicated(server: RunningServer) -> None:
    frames, context = _series(3000, count=1)
    repeated = [Frame(("client", i), frames[0].pixels, frames[0].photometric, frames[0].bits_stored)
                for i in range(3)]
    before = server.metric("pixelsvc_frames_deduplicated_total")
    with server.channel() as channel:
        got = wire.read_series(server.stub(channel).RedactSeries(wire.series_requests(repeated, context), timeout=60),
                               repeated)
    assert [g.result.deduplicated for g in got] == [False, True, True]
    assert all(g.result.regions == got[0].result.regions for g in got)
    if got[0].result.changed:
        assert all(np.array_equal(g.pixels, got[0].pixels) for g in got)
    assert server.metric("pixelsvc_frames_deduplicated_total") - before == 2


def test_cancel_and_deadline_mid_stream_keep_serving(server: RunningServer) -> None:
    frames, context = _series(4000, count=6)
    with server.channel() as channel:
        call = server.stub(channel).RedactSeries(wire.series_requests(frames, context), timeout=120)
        first = next(call)
        assert first.result.frame_index == 0
        call.cancel()
        with pytest.raises(grpc.RpcError) as cancelled:
            list(call)
        assert cancelled.value.code() == grpc.StatusCode.CANCELLED
        gate = threading.Event()  # the client stalls after frame 0 until its deadline has passed
        try:
            with pytest.raises(grpc.RpcError) as late:
                list(server.stub(channel).RedactSeries(_gated_requests(frames, context, gate), timeout=0.5))
        finally:
            gate.set()
        assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # the cancelled streams' queued frames leave the batcher
    assert _wait_until(lambda: server.metric("pixelsvc_pending_frames") == 0
                       and server.metric("pixelsvc_queue_depth") == 0, 60)
    assert server.metric("pixelsvc_frames_total", outcome="cancelled") >= 1
    _good_request(server)


# --- bad input -------------------------------------------------------------------------------


def _header(frame: Frame | None = None, frames: int = 1, **image: int) -> pb.SeriesHeader:
    header = wire.series_header([frame or _blank()] * frames, CONTEXT)
    for name, value in image.items():
        setattr(header.image, name, value)
    return header


def _chunk(index: int, offset: int, data: bytes) -> pb.RedactSeriesRequest:
    return pb.RedactSeriesRequest(chunk=pb.FrameChunk(frame_index=index, offset=offset, data=data))


def _frame_bytes(frame: Frame | None = None) -> bytes:
    return (frame or _blank()).pixels.astype("<u2").tobytes()


FRAME_BYTES = 64 * 64 * 2

BAD_SERIES: dict[str, tuple[Callable[[], list[pb.RedactSeriesRequest]], grpc.StatusCode, str]] = {
    "empty stream": (lambda: [], grpc.StatusCode.INVALID_ARGUMENT, "first message"),
    "chunk before header": (lambda: [_chunk(0, 0, _frame_bytes())], grpc.StatusCode.INVALID_ARGUMENT,
                            "SeriesHeader"),
    "zero dimensions": (lambda: [pb.RedactSeriesRequest(header=_header(rows=0))], grpc.StatusCode.INVALID_ARGUMENT,
                        "at least 1"),
    "absurd dimensions": (lambda: [pb.RedactSeriesRequest(header=_header(
        rows=65535, columns=65535, samples_per_pixel=3,
        photometric_interpretation=pb.PHOTOMETRIC_INTERPRETATION_RGB))], grpc.StatusCode.INVALID_ARGUMENT,
        "pixels per frame"),
    "unsupported bits allocated": (lambda: [pb.RedactSeriesRequest(header=_header(bits_allocated=12))],
                                   grpc.StatusCode.INVALID_ARGUMENT, "bits_allocated"),
    "bits stored above allocated": (lambda: [pb.RedactSeriesRequest(header=_header(bits_stored=17))],
                                    grpc.StatusCode.INVALID_ARGUMENT, "bits_stored"),
    "unspecified photometric": (lambda: [pb.RedactSeriesRequest(header=_header(photometric_interpretation=0))],
                                grpc.StatusCode.INVALID_ARGUMENT, "photometric"),
    "unknown photometric": (lambda: [pb.RedactSeriesRequest(header=_header(photometric_interpretation=42))],
                            grpc.StatusCode.INVALID_ARGUMENT, "photometric"),
    "samples do not match photometric": (lambda: [pb.RedactSeriesRequest(header=_header(samples_per_pixel=3))],
                                         grpc.StatusCode.INVALID_ARGUMENT, "samples_per_pixel"),
    "zero frames": (lambda: [pb.RedactSeriesRequest(header=_header(number_of_frames=0))],
                    grpc.StatusCode.INVALID_ARGUMENT, "number_of_frames"),
    "wrong offset": (lambda: [pb.RedactSeriesRequest(header=_header()), _chunk(0, 100, b"\0" * 100)],
                     grpc.StatusCode.OUT_OF_RANGE, "offset"),
    "chunk beyond the frame": (lambda: [pb.RedactSeriesRequest(header=_header()),
                                        _chunk(0, 0, b"\0" * (FRAME_BYTES + 2))], grpc.StatusCode.OUT_OF_RANGE,
                               "beyond"),
    "oversized chunk": (lambda: [pb.RedactSeriesRequest(header=_header(rows=2048, columns=2048)),
                                 _chunk(0, 0, b"\0" * (5 << 20))], grpc.StatusCode.INVALID_ARGUMENT,
                        "max_chunk_bytes"),
    "message over the size limit": (lambda: [pb.RedactSeriesRequest(header=_header(rows=4096, columns=4096)),
                                             _chunk(0, 0, b"\0" * (9 << 20))], grpc.StatusCode.RESOURCE_EXHAUSTED,
                                    "larger than max"),
    "frame index out of order": (lambda: [pb.RedactSeriesRequest(header=_header(frames=3)),
                                          _chunk(1, 0, _frame_bytes())], grpc.StatusCode.INVALID_ARGUMENT,
                                 "index order"),
    "frame index beyond number_of_frames": (lambda: [pb.RedactSeriesRequest(header=_header(frames=1)),
                                                     _chunk(0, 0, _frame_bytes()), _chunk(1, 0, _frame_bytes())],
                                            grpc.StatusCode.INVALID_ARGUMENT, "number_of_frames"),
    "stream stops half-way": (lambda: [pb.RedactSeriesRequest(header=_header(frames=2)),
                                       _chunk(0, 0, _frame_bytes()), _chunk(1, 0, _frame_bytes()[:1000])],
                              grpc.StatusCode.INVALID_ARGUMENT, "incomplete"),
    "second header": (lambda: [pb.RedactSeriesRequest(header=_header()), pb.RedactSeriesRequest(header=_header())],
                      grpc.StatusCode.INVALID_ARGUMENT, "second SeriesHeader"),
    "empty message": (lambda: [pb.RedactSeriesRequest(header=_header()), pb.RedactSeriesRequest()],
                      grpc.StatusCode.INVALID_ARGUMENT, "empty"),
}


@pytest.mark.parametrize("case", list(BAD_SERIES))
def test_bad_series_input_gets_a_clear_status_then_serving_continues(server: RunningServer, case: str) -> None:
    build, code, fragment = BAD_SERIES[case]
    with server.channel() as channel, pytest.raises(grpc.RpcError) as error:
        list(server.stub(channel).RedactSeries(iter(build()), timeout=60))
    assert error.value.code() == code, error.value.details()
    details = error.value.details() or ""
    assert fragment in details, details
    assert not any(marker in details for marker in PHI_MARKERS)
    _good_request(server)


BAD_FRAMES: dict[str, tuple[Callable[[], pb.RedactFrameRequest], str]] = {
    "wrong byte count": (lambda: pb.RedactFrameRequest(header=_header(), pixels=_frame_bytes()[:-2]), "bytes"),
    "several frames": (lambda: pb.RedactFrameRequest(header=_header(frames=3), pixels=_frame_bytes()),
                       "RedactSeries"),
    "no description": (lambda: pb.RedactFrameRequest(pixels=_frame_bytes()), "SeriesHeader.image"),
}


@pytest.mark.parametrize("case", list(BAD_FRAMES))
def test_bad_unary_input_gets_invalid_argument(server: RunningServer, case: str) -> None:
    build, fragment = BAD_FRAMES[case]
    with server.channel() as channel, pytest.raises(grpc.RpcError) as error:
        server.stub(channel).RedactFrame(build(), timeout=30)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in (error.value.details() or "")
    _good_request(server)


def test_garbage_bytes_on_the_port_do_not_kill_the_server(server: RunningServer) -> None:
    rng = np.random.default_rng(7)
    payloads = [rng.bytes(4096), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + rng.bytes(2048), b"\x16\x03\x01\x02\x00" + rng.bytes(512)]
    for payload in payloads:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(payload)
            raw.settimeout(2)
            with contextlib.suppress(TimeoutError, ConnectionError):
                raw.recv(1024)
    _good_request(server)


def test_queue_full_is_resource_exhausted(engine: Engine) -> None:
    """A tiny queue: frames beyond it are refused with RESOURCE_EXHAUSTED, and the server carries on."""
    from pixelsvc.config import BatcherConfig

    config = local_config(engine, window_frames=1, batcher=BatcherConfig(max_batch_frames=1, max_wait_ms=0,
                                                                         max_queued_frames=1))
    frames = [Frame(("q", i), np.full((64, 64), i, np.uint16), "MONOCHROME2", 12) for i in range(8)]
    with running_server(config, engine) as small, small.channel() as channel:
        stub = small.stub(channel)
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda f: _try_frame(stub, f), frames))
        assert grpc.StatusCode.OK in outcomes
        assert grpc.StatusCode.RESOURCE_EXHAUSTED in outcomes
        assert small.metric("pixelsvc_queue_rejections_total") >= 1
        _good_request(small)


def _try_frame(stub: object, frame: Frame) -> grpc.StatusCode:
    try:
        stub.RedactFrame(wire.frame_request(frame), timeout=60)  # type: ignore[attr-defined]
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
            assert "queue is full" in (exc.details() or "")
        return exc.code()
    return grpc.StatusCode.OK


# --- transport security -----------------------------------------------------------------------


def test_plaintext_must_be_asked_for() -> None:
    with pytest.raises(ConfigError, match="--plaintext"):
        PixelServer(ServiceConfig())


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl not found: cannot make test certificates")
    d = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                 "-out", f"{name}.csr", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "1", "-extfile", "san.ext", "-out", f"{name}.pem", cwd=d)
    return d


def test_mutual_tls(engine: Engine, certificates: Path) -> None:
    d = certificates
    config = local_config(engine, plaintext=False, tls_cert=d / "server.pem", tls_key=d / "server.key",
                          tls_client_ca=d / "ca.pem")
    ca = (d / "ca.pem").read_bytes()
    request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
    with running_server(config, engine) as tls:
        with_cert = grpc.ssl_channel_credentials(ca, (d / "client.key").read_bytes(), (d / "client.pem").read_bytes())
        with grpc.secure_channel(tls.address, with_cert) as channel:
            assert health_pb2_grpc.HealthStub(channel).Check(request, timeout=10).status == \
                health_pb2.HealthCheckResponse.SERVING
        for credentials in (grpc.ssl_channel_credentials(ca), None):  # no client certificate; no TLS at all
            channel = grpc.secure_channel(tls.address, credentials) if credentials else grpc.insecure_channel(
                tls.address)
            with channel, pytest.raises(grpc.RpcError) as refused:
                health_pb2_grpc.HealthStub(channel).Check(request, timeout=5)
            assert refused.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


# --- SIGTERM drain (a real process) -----------------------------------------------------------


def _gated_requests(frames: list[Frame], context: PhiContext, gate: threading.Event
                    ) -> Iterator[pb.RedactSeriesRequest]:
    """Header and frame 0, then the rest only once `gate` is set (after SIGTERM was sent)."""
    requests = list(wire.series_requests(frames, context))
    per_frame = (len(requests) - 1) // len(frames)
    yield from requests[:1 + per_frame]
    gate.wait(120)
    yield from requests[1 + per_frame:]


def test_sigterm_drains_in_flight_stream_then_exits_zero(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    env = dict(os.environ, PIXELSVC_METRICS_PORT=str(metrics_port), PYTHONPATH=str(REPO))
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "pixelsvc.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--plaintext",
             "--device", "cpu", "--cpu-threads", "1", "--grace-seconds", "60", "--max-wait-ms", "5"],
            cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _sigterm_scenario(process, port, metrics_port)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    log = log_path.read_text()
    assert process.returncode == 0, log[-4000:]
    assert '"msg": "draining"' in log and '"msg": "stopped"' in log
    assert not any(marker in log for marker in PHI_MARKERS), "the server log must not contain header values"


def _sigterm_scenario(process: subprocess.Popen[bytes], port: int, metrics_port: int) -> None:
    address = f"127.0.0.1:{port}"
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)

        def serving() -> bool:
            assert process.poll() is None, "the server exited during start-up"
            try:
                return health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                    health_pb2.HealthCheckResponse.SERVING
            except grpc.RpcError:
                return False

        assert _wait_until(serving, 180), "the server did not report SERVING"
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        assert "pixelsvc_queue_depth" in metrics and "pixelsvc_pending_frames" in metrics

        frames, _ = _series(5000, count=3)
        gate = threading.Event()
        call = pb_grpc.RedactorServiceStub(channel).RedactSeries(_gated_requests(frames, CONTEXT, gate), timeout=180)
        reader = wire.SeriesReader(frames)
        first = next(call)
        assert first.result.frame_index == 0
        reader.add(first)
        process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        # a new RPC on a new connection is refused while the old stream drains
        with grpc.insecure_channel(address) as fresh, pytest.raises(grpc.RpcError) as refused:
            pb_grpc.RedactorServiceStub(fresh).RedactFrame(wire.frame_request(_blank()), timeout=5)
        assert refused.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
        gate.set()
        for response in call:
            reader.add(response)
        results = reader.finish()
        assert [r.result.frame_index for r in results] == [0, 1, 2]
        assert call.code() == grpc.StatusCode.OK
    process.wait(90)
