"""Load test of the gRPC service: N concurrent streaming clients against a local server subprocess.

For each mode (dynamic batching on, and ``max_batch_frames=1``) in the same run, the script
starts ``pixelsvc serve`` on free ports, waits for health SERVING, warms it up, then lets
N clients stream multi-frame series for a bounded time. It reports frames/s, p50/p99 frame
latency (last chunk of a frame sent -> its result received), the batch-size distribution
and mean streams per batch (from the server's /metrics), and the server's RSS (current
from /metrics, peak from /proc). Results print as a Markdown table.

    python bench/load.py                              # CPU, 4 clients, 20 s per mode
    python bench/load.py --clients 8 --seconds 60 --device cuda --size 512
    python bench/load.py --quick                      # a smoke run

Latency includes queueing behind other clients' frames: that is the point of the test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pixelsvc.service import wire  # noqa: E402
from pixelsvc.types import Frame, PhiContext  # noqa: E402
from pixelsvc.v1 import redactor_pb2 as pb  # noqa: E402
from pixelsvc.v1 import redactor_pb2_grpc as pb_grpc  # noqa: E402

__all__ = ["main"]

_SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$')


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse /metrics text into {(name, sorted labels): value} (no prometheus_client needed)."""
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match or line.startswith("#"):
            continue
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match["labels"] or "")))
        samples[(match["name"], labels)] = float(match["value"])
    return samples


def _delta(after: dict, before: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def _batch_histogram(after: dict, before: dict) -> dict[str, int]:
    """Batches per frame-count bucket between two scrapes, as {'1': n, '2': n, '3-4': n, ...}."""
    bounds = sorted({float(dict(labels)["le"]) for (name, labels) in after
                     if name == "pixelsvc_batch_frames_bucket" and dict(labels)["le"] != "+Inf"})
    out: dict[str, int] = {}
    previous_count, previous_bound = 0.0, 0.0
    for bound in [*bounds, float("inf")]:
        le = "+Inf" if bound == float("inf") else str(bound)
        count = _delta(after, before, "pixelsvc_batch_frames_bucket", le=le)
        if count - previous_count > 0:
            lo, hi = int(previous_bound) + 1, bound
            label = f"{lo}" if lo == hi else (f"{lo}+" if hi == float("inf") else f"{lo}-{int(hi)}")
            out[label] = int(count - previous_count)
        previous_count, previous_bound = count, bound
    return out


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


@dataclass
class ClientStats:
    frames: int = 0
    series: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


def _timed_requests(header: pb.RedactSeriesRequest, chunks: list[pb.RedactSeriesRequest],
                    sent: dict[int, float]) -> Iterator[pb.RedactSeriesRequest]:
    """Yield a series' requests, noting when each frame's last chunk leaves (its latency starts then)."""
    yield header
    for i, chunk in enumerate(chunks):
        if i + 1 == len(chunks) or chunks[i + 1].chunk.frame_index != chunk.chunk.frame_index:
            sent[chunk.chunk.frame_index] = time.perf_counter()
        yield chunk


def _client(address: str, frames: list[Frame], context: PhiContext, stop: threading.Event,
            stats: ClientStats) -> None:
    """Stream the client's series again and again until `stop`; time each frame."""
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.RedactorServiceStub(channel)
        header, *chunks = list(wire.series_requests(frames, context))
        while not stop.is_set():
            sent: dict[int, float] = {}
            try:
                for response in stub.RedactSeries(_timed_requests(header, chunks, sent), timeout=300):
                    if response.WhichOneof("body") == "result":
                        index = response.result.frame_index
                        stats.latencies.append(time.perf_counter() - sent.get(index, time.perf_counter()))
                        stats.frames += 1
                stats.series += 1
            except grpc.RpcError as exc:
                code = exc.code().name
                stats.errors[code] = stats.errors.get(code, 0) + 1
                time.sleep(0.05)


def _wait_serving(address: str, process: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode} during start-up")
            try:
                if health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                        health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise TimeoutError("the server did not report SERVING in time")


def run_mode(name: str, args: argparse.Namespace, series: list[tuple[list[Frame], PhiContext]],
             max_batch_frames: int, window: AbstractContextManager[object] | None = None) -> dict[str, object]:
    """One server, `len(series)` clients for `args.seconds`; `window` is entered for the measured time only."""
    port, metrics_port = _free_port(), _free_port()
    address = f"127.0.0.1:{port}"
    command = [sys.executable, "-m", "pixelsvc.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--metrics-port", str(metrics_port), "--plaintext", "--device", args.device,
               "--max-batch-frames", str(max_batch_frames), "--max-wait-ms", str(args.max_wait_ms),
               "--max-queued-frames", str(max(256, max_batch_frames)), "--log-level", "WARNING"]
    if args.cpu_threads:
        command += ["--cpu-threads", str(args.cpu_threads)]
    log_path = Path(args.log_dir) / f"load_server_{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                   env=dict(os.environ, PYTHONPATH=str(REPO)))
        try:
            _wait_serving(address, process)
            with grpc.insecure_channel(address) as channel:  # warm-up: first-call costs stay out of the numbers
                frames, context = series[0]
                wire.read_series(pb_grpc.RedactorServiceStub(channel).RedactSeries(
                    wire.series_requests(frames, context), timeout=300), frames)
            before = _scrape(metrics_port)
            stop = threading.Event()
            stats = [ClientStats() for _ in series]
            threads = [threading.Thread(target=_client, args=(address, f, c, stop, s), daemon=True)
                       for (f, c), s in zip(series, stats, strict=True)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            with window or nullcontext():
                time.sleep(args.seconds)
            stop.set()
            for thread in threads:
                thread.join(600)
            elapsed = time.perf_counter() - started
            after = _scrape(metrics_port)
            peak_rss = _peak_rss_mb(process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(120)
                except subprocess.TimeoutExpired:
                    process.kill()
    latencies = np.array([x for s in stats for x in s.latencies]) * 1000.0
    frames = sum(s.frames for s in stats)
    batches = _delta(after, before, "pixelsvc_batch_frames_count")
    errors: dict[str, int] = {}
    for s in stats:
        for code, n in s.errors.items():
            errors[code] = errors.get(code, 0) + n
    return {
        "mode": name, "max_batch_frames": max_batch_frames, "clients": len(series), "seconds": round(elapsed, 1),
        "frames": frames, "frames_per_s": round(frames / elapsed, 2),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if len(latencies) else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 1) if len(latencies) else None,
        "batches": int(batches),
        "mean_batch_frames": round(_delta(after, before, "pixelsvc_batch_frames_sum") / batches, 2) if batches else 0,
        "mean_batch_streams": round(_delta(after, before, "pixelsvc_batch_streams_sum") / batches, 2) if batches
        else 0,
        "batch_sizes": _batch_histogram(after, before),
        "mean_queue_wait_ms": round(1000 * _delta(after, before, "pixelsvc_queue_wait_seconds_sum")
                                      / max(1.0, _delta(after, before, "pixelsvc_queue_wait_seconds_count")), 1),
        "rss_mb": round(after.get(("process_resident_memory_bytes", ()), 0.0) / 2**20, 1),
        "peak_rss_mb": round(peak_rss, 1),
        "stage_seconds": {stage: round(_delta(after, before, "pixelsvc_stage_seconds_sum", stage=stage), 2)
                          for stage in ("render", "detect", "recognise", "classify", "mask")},
        "errors": errors,
    }


def _table(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        f"Load test: {args.clients} clients, {args.frames} frames of {args.size}x{args.size} 16-bit per series, "
        f"{args.seconds:.0f} s per mode, device {args.device}, max_wait_ms {args.max_wait_ms}",
        "",
        "| mode | max batch | frames | frames/s | p50 ms | p99 ms | batches | mean frames/batch | batch sizes "
        "| mean streams/batch | mean queue wait ms | RSS MB (peak) | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        sizes = ", ".join(f"{k}: {v}" for k, v in r["batch_sizes"].items())  # type: ignore[union-attr]
        lines.append(f"| {r['mode']} | {r['max_batch_frames']} | {r['frames']} | {r['frames_per_s']} | {r['p50_ms']} "
                     f"| {r['p99_ms']} | {r['batches']} | {r['mean_batch_frames']} | {sizes} "
                     f"| {r['mean_batch_streams']} | {r['mean_queue_wait_ms']} | {r['rss_mb']} ({r['peak_rss_mb']}) "
                     f"| {r['errors'] or '-'} |")
    lines += ["", "Stage seconds during the measured window (server side):", ""]
    lines += [f"- {r['mode']}: " + ", ".join(f"{k} {v}" for k, v in r["stage_seconds"].items())  # type: ignore
              for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--frames", type=int, default=3, help="frames per series")
    parser.add_argument("--size", type=int, default=256, help="rows and columns of each frame")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per mode")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cpu-threads", type=int, default=0)
    parser.add_argument("--max-batch-frames", type=int, default=16, help="the batching-on mode's batch size")
    parser.add_argument("--max-wait-ms", type=float, default=10.0)
    parser.add_argument("--log-dir", default=str(REPO / "bench" / "out"))
    parser.add_argument("--out", type=Path, help="also write the rows as JSON lines here")
    parser.add_argument("--quick", action="store_true", help="2 clients, 8 s per mode")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds = 2, 8.0

    from tests.synth import make_frame

    series = []
    for k in range(args.clients):
        cases = [make_frame(7000 + 100 * k + i, args.size, args.size) for i in range(args.frames)]
        series.append(([c.frame for c in cases], cases[0].context))
    rows = [run_mode("batched", args, series, args.max_batch_frames), run_mode("batch=1", args, series, 1)]
    print(_table(rows, args))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
