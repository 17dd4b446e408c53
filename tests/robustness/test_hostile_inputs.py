"""Hostile and malformed inputs through the real CLI (embedded and --server) and malformed gRPC calls.

Every generated case (tests/robustness/mutations.py) goes through `pixelsvc redact` in a
subprocess under RLIMIT_AS = 2 GiB: exactly one report line per input, outputs that plain
pydicom decodes, no planted PHI value anywhere in any output's bytes, peak RSS under 2 GiB,
and an exit code that says whether a file failed. The same cases then go through a real
`pixelsvc serve` on loopback, which also gets the malformed-gRPC classes; after each, its
health is SERVING and its RSS stays bounded.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pixelsvc.v1 import redactor_pb2 as pb
from pixelsvc.v1 import redactor_pb2_grpc as pb_grpc
from tests.reference import data_root
from tests.robustness.harness import GIB, REPO, Run, check_run, child_env, run_cli
from tests.robustness.mutations import Case, build_cases
from tests.service.harness import free_port

SERVER_BUDGET = 64 << 20
"""The server's max_bytes_in_flight in this test: small, so the budget class can hit it quickly."""


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    root = data_root()
    folder = tmp_path_factory.mktemp("hostile-cases")
    return build_cases(folder, root / "real", root / "hostile")


def _key(folder: Path) -> Path:
    key = folder / "run.key"
    key.write_text("robustness-test-key-0123456789abcdef\n")
    key.chmod(0o600)
    return key


def test_every_class_covered(cases: list[Case]) -> None:
    assert {c.klass for c in cases} >= {"1", "2", "3", "4", "6", "control"}
    assert len(cases) >= 25


def test_embedded_run_fails_closed(cases: list[Case], tmp_path: Path) -> None:
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    run = run_cli(["redact", *(str(c.path) for c in cases), "--out", str(out), "--report", str(report),
                   "--key-file", str(_key(tmp_path)), "--device", "cpu", "--no-progress"], report=report)
    lines = check_run(run, cases, out)
    _print_numbers("embedded", run, lines)


# --- a real server ------------------------------------------------------------------------


class ServeProcess:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.channel = grpc.insecure_channel(self.address)
        self.stub = pb_grpc.RedactorServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def serving(self) -> bool:
        try:
            reply = self.health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        except grpc.RpcError:
            return False
        return reply.status == health_pb2.HealthCheckResponse.SERVING

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server process in bytes."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    port = free_port()
    env = child_env()
    env["PIXELSVC_MAX_BYTES_IN_FLIGHT"] = str(SERVER_BUDGET)
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "pixelsvc.cli", "serve", "--plaintext", "--port", str(port),
                                    "--metrics-port", "0", "--device", "cpu"], stdout=sink, stderr=sink, env=env,
                                   cwd=REPO)
    serve = ServeProcess(process, port)
    try:
        deadline = time.monotonic() + 180
        while not serve.serving():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "server did not become SERVING"
            time.sleep(0.5)
        yield serve
    finally:
        serve.channel.close()
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_server_run_fails_closed(cases: list[Case], server: ServeProcess, tmp_path: Path) -> None:
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    run = run_cli(["redact", *(str(c.path) for c in cases), "--out", str(out), "--report", str(report),
                   "--key-file", str(_key(tmp_path)), "--server", server.address, "--plaintext", "--no-progress"],
                  report=report)
    lines = check_run(run, cases, out)
    _print_numbers("server", run, lines)
    assert server.serving()
    assert server.memory()[1] < 2 * GIB


# --- malformed gRPC -------------------------------------------------------------------------


def _image(rows: int, columns: int, *, rgb: bool = False, bits: int = 8, frames: int = 1) -> pb.ImageDescription:
    return pb.ImageDescription(
        rows=rows, columns=columns, samples_per_pixel=3 if rgb else 1, bits_allocated=bits, bits_stored=bits,
        photometric_interpretation=pb.PHOTOMETRIC_INTERPRETATION_RGB if rgb
        else pb.PHOTOMETRIC_INTERPRETATION_MONOCHROME2, number_of_frames=frames)


def _header(image: pb.ImageDescription | None) -> pb.RedactSeriesRequest:
    return pb.RedactSeriesRequest(header=pb.SeriesHeader(image=image) if image else pb.SeriesHeader())


def _chunk(index: int, offset: int, size: int) -> pb.RedactSeriesRequest:
    return pb.RedactSeriesRequest(chunk=pb.FrameChunk(frame_index=index, offset=offset, data=bytes(size)))


SMALL = _image(32, 32)
MALFORMED_SERIES = {
    "no-header": ([_chunk(0, 0, 1024)], grpc.StatusCode.INVALID_ARGUMENT),
    "header-without-image": ([_header(None)], grpc.StatusCode.INVALID_ARGUMENT),
    "zero-rows": ([_header(_image(0, 32))], grpc.StatusCode.INVALID_ARGUMENT),
    "zero-frames": ([_header(_image(32, 32, frames=0))], grpc.StatusCode.INVALID_ARGUMENT),
    "60000-squared": ([_header(_image(60000, 60000))], grpc.StatusCode.INVALID_ARGUMENT),
    "bits-12": ([_header(_image(32, 32, bits=12))], grpc.StatusCode.INVALID_ARGUMENT),
    "chunk-past-frame": ([_header(SMALL), _chunk(0, 0, 2048)], grpc.StatusCode.OUT_OF_RANGE),
    "chunk-gap": ([_header(SMALL), _chunk(0, 100, 64)], grpc.StatusCode.OUT_OF_RANGE),
    "frame-index-past-end": ([_header(SMALL), _chunk(5, 0, 1024)], grpc.StatusCode.INVALID_ARGUMENT),
    "second-header": ([_header(SMALL), _header(SMALL)], grpc.StatusCode.INVALID_ARGUMENT),
    "empty-message": ([_header(SMALL), pb.RedactSeriesRequest()], grpc.StatusCode.INVALID_ARGUMENT),
    "incomplete-stream": ([_header(SMALL), _chunk(0, 0, 512)], grpc.StatusCode.INVALID_ARGUMENT),
    "oversize-chunk": ([_header(_image(4096, 4096)), _chunk(0, 0, 5 << 20)], grpc.StatusCode.RESOURCE_EXHAUSTED),
}
"""Each class: the requests sent and the status the server must answer."""
GARBAGE = b"\x0a\x05abc"  # field 1, length 5, only 3 bytes follow: not valid protobuf


@pytest.mark.parametrize("name", sorted(MALFORMED_SERIES))
def test_malformed_series_refused_and_server_healthy(server: ServeProcess, name: str) -> None:
    requests, code = MALFORMED_SERIES[name]
    with pytest.raises(grpc.RpcError) as caught:
        list(server.stub.RedactSeries(iter(requests), timeout=30))
    got = caught.value.code()
    if name == "oversize-chunk":  # refused by gRPC's message limit or by max_chunk_bytes: both before allocation
        assert got in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INVALID_ARGUMENT), got
    else:
        assert got == code, (name, got, caught.value.details())
    assert server.serving()
    assert server.memory()[1] < 2 * GIB


def test_unparsable_protobuf_is_invalid_argument(server: ServeProcess) -> None:
    series = server.channel.stream_stream("/pixelsvc.v1.RedactorService/RedactSeries")
    with pytest.raises(grpc.RpcError) as caught:
        list(series(iter([GARBAGE]), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    frame = server.channel.unary_unary("/pixelsvc.v1.RedactorService/RedactFrame")
    with pytest.raises(grpc.RpcError) as caught:
        frame(GARBAGE, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert server.serving()


def test_many_huge_headers_hold_only_what_arrived(server: ServeProcess) -> None:
    """24 streams declare 4096 x 4096 RGB 32-bit frames (201 MB each) and send 1 MiB each: ~24 MiB held, not 4.8 GB."""
    release = threading.Event()
    sent = threading.Semaphore(0)
    huge = _image(4096, 4096, rgb=True, bits=32)

    def requests() -> Iterator[pb.RedactSeriesRequest]:
        yield _header(huge)
        yield _chunk(0, 0, 1 << 20)
        sent.release()
        release.wait(60)

    before = server.memory()[0]
    streams = [server.stub.RedactSeries(requests(), timeout=90) for _ in range(24)]
    threads = [threading.Thread(target=lambda s=s: _drain(s), daemon=True) for s in streams]
    for thread in threads:
        thread.start()
    for _ in streams:
        assert sent.acquire(timeout=60)
    time.sleep(1.0)
    during = server.memory()[0]
    release.set()
    for thread in threads:
        thread.join(90)
    growth = during - before
    print(f"\n[robustness] 24 streams x 201 MB declared, 1 MiB sent each: server RSS {before >> 20} -> "
          f"{during >> 20} MiB (+{growth >> 20} MiB)")
    assert growth < 400 << 20, growth >> 20
    assert server.serving()


def _drain(stream: grpc.RpcContext) -> None:
    try:
        for _ in stream:  # type: ignore[attr-defined]
            pass
    except grpc.RpcError:
        pass


def test_bytes_in_flight_budget_answers_resource_exhausted(server: ServeProcess) -> None:
    """A stream holding 48 MiB of a 201 MB frame and another sending 32 MiB pass the 64 MiB budget."""
    huge = _image(4096, 4096, rgb=True, bits=32)
    step = 1 << 20
    all_sent = threading.Event()

    def requests(chunks: int, hold: threading.Event | None = None) -> Iterator[pb.RedactSeriesRequest]:
        yield _header(huge)
        for i in range(chunks):
            yield _chunk(0, i * step, step)
        if hold is not None:
            all_sent.set()
            hold.wait(120)

    hold = threading.Event()
    first = server.stub.RedactSeries(requests(48, hold), timeout=180)
    first_thread = threading.Thread(target=lambda: _drain(first), daemon=True)
    first_thread.start()
    assert all_sent.wait(120)
    time.sleep(2.0)  # the last chunks reach the server
    with pytest.raises(grpc.RpcError) as caught:
        list(server.stub.RedactSeries(requests(32), timeout=180))
    hold.set()
    first_thread.join(180)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, caught.value.details()
    assert "max_bytes_in_flight" in caught.value.details()
    assert server.serving()
    assert server.memory()[1] < 2 * GIB
    # every reservation was given back: 56 MiB fit again (the stream then ends incomplete)
    with pytest.raises(grpc.RpcError) as caught:
        list(server.stub.RedactSeries(requests(56), timeout=180))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "incomplete" in caught.value.details()


def _print_numbers(label: str, run: Run, lines: dict[str, dict]) -> None:
    statuses: dict[str, int] = {}
    for line in lines.values():
        statuses[line["status"]] = statuses.get(line["status"], 0) + 1
    dropped = sum(((line.get("pixel_data") or {}).get("unanalysed") or {}).get("dropped_bytes", 0)
                  for line in lines.values())
    print(f"\n[robustness] {label}: {len(lines)} cases {statuses}; peak RSS {run.peak_rss_bytes / GIB:.2f} GiB; "
          f"{dropped} unanalysed bytes dropped; planted-PHI leaks 0; exit code {run.rc}")
