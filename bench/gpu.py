"""The GPU benchmark: engine-only frames/s by batch size, then `pixelsvc serve` under 8, 32 and 64 clients.

One prepared command for a machine with one GPU, finishing in under 8 minutes; writes one JSON
file and one Markdown table (also printed):

    python bench/gpu.py --out bench/out/gpu            # on the GPU machine (device auto -> cuda)
    python bench/gpu.py --smoke --out /tmp/gpu-smoke   # tiny, on CPU (CI runs this)

Frames: 512x512 16-bit CT-like frames with burned-in text (`ct`) and 800x600 RGB
ultrasound-like frames with burned-in text (`us`), all generated up front, all different.
The service part reuses bench/load.py (server subprocess, streaming clients, /metrics
scrape); engine-only reuses bench/engine.py's measurement. Crop dedup is off in both
(`PIXELSVC_DEDUP_CROPS=0`), so clients that stream their series again and again are not
served from the recogniser's read cache: the numbers are for new frames.

GPU utilisation is sampled every 0.2 s during each measured window, with pynvml when it is
installed, else `nvidia-smi`, else reported as 'n/a' (always on CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import engine as engine_bench  # noqa: E402  (bench/engine.py)
import load as load_bench  # noqa: E402  (bench/load.py)

KINDS = {"ct": dict(rows=512, cols=512, bits=16), "us": dict(rows=600, cols=800, bits=8, photometric="RGB")}
"""Frame kinds: full-size shapes; --smoke shrinks them."""


def make_frames(kind: str, count: int, smoke: bool) -> list[tuple[object, object]]:
    """(frame, context) pairs, all different (seeded), with burned-in text."""
    from tests.synth import make_frame

    spec = dict(KINDS[kind])
    rows, cols = spec.pop("rows"), spec.pop("cols")
    if smoke:
        rows, cols = rows // 4, cols // 4
    out = []
    for i in range(count):
        synth = make_frame(20_000 + 1000 * (kind == "us") + i, rows, cols, sizes=(10, 18), **spec)
        out.append((synth.frame, synth.context))
    return out


class GpuSampler:
    """Mean GPU utilisation (%) over a window: pynvml, else nvidia-smi, else unavailable."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._read = self._reader()

    @staticmethod
    def _reader():
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            return lambda: float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
        except Exception:  # not installed, or no NVIDIA driver
            pass
        if shutil.which("nvidia-smi"):
            def smi() -> float:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
                                      "-i", "0"], capture_output=True, text=True, timeout=5, check=True).stdout
                return float(out.strip().splitlines()[0])
            try:
                smi()
                return smi
            except Exception:
                pass
        return None

    @contextmanager
    def window(self) -> Iterator[GpuSampler]:
        self.samples = []
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set() and self._read is not None:
                try:
                    self.samples.append(self._read())
                except Exception:
                    return
                stop.wait(self.interval)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(5)

    @property
    def mean(self) -> float | str:
        return round(sum(self.samples) / len(self.samples), 1) if self.samples else "n/a"


def run_engine(args: argparse.Namespace, frames: dict[str, list]) -> list[dict]:
    rows = []
    for kind, pairs in frames.items():
        for batch in args.batches:
            engine = engine_bench._engine(args.device, batch, dedup=False)
            count = max(len(pairs) // 2, 2 * batch) if not args.smoke else batch
            selected = [pairs[i % len(pairs)][0] for i in range(count)]
            sampler = GpuSampler()
            with sampler.window():
                row = engine_bench.measure_engine(kind, engine, selected, batch)
            row["gpu_util_pct"] = sampler.mean
            rows.append(row)
            print(json.dumps(row), flush=True)
            del engine
    return rows


def run_service(args: argparse.Namespace, frames: dict[str, list]) -> list[dict]:
    os.environ["PIXELSVC_DEDUP_CROPS"] = "0"  # see the module docstring
    rows = []
    for kind, pairs in frames.items():
        for clients in args.clients:
            series = []
            for k in range(clients):  # each client its own series of distinct frames
                chosen = [pairs[(k * args.frames + i) % len(pairs)] for i in range(args.frames)]
                series.append(([f for f, _ in chosen], chosen[0][1]))
            sampler = GpuSampler()
            mode = argparse.Namespace(device=args.device, max_wait_ms=args.max_wait_ms, cpu_threads=0,
                                      log_dir=str(args.out), seconds=args.seconds)
            row = load_bench.run_mode(f"{kind}-{clients}", mode, series, args.max_batch_frames, sampler.window())
            row.update(kind=kind, gpu_util_pct=sampler.mean)
            rows.append(row)
            print(json.dumps({k: row[k] for k in ("mode", "frames_per_s", "p50_ms", "p99_ms", "gpu_util_pct",
                                                  "errors")}), flush=True)
    return rows


def table(result: dict) -> str:
    lines = [f"GPU benchmark ({result['device_name']}, {'smoke' if result['smoke'] else 'full'} run, "
             f"{result['seconds_total']} s)", "",
             "Engine only (in-process `Engine.process`, calls of `batch` frames):", "",
             "| kind | batch | frames | frames/s | detect s | recognise s | GPU util % |",
             "|---|---|---|---|---|---|---|"]
    for r in result["engine"]:
        s = r["stage_seconds"]
        lines.append(f"| {r['case']} | {r['batch']} | {r['frames']} | {r['frames_per_s']} | {s['detect']} "
                     f"| {s['recognise']} | {r['gpu_util_pct']} |")
    lines += ["", f"Through `pixelsvc serve` (gRPC on loopback, streaming clients, max_batch_frames "
              f"{result['args']['max_batch_frames']}, max_wait_ms {result['args']['max_wait_ms']}):", "",
              "| kind | clients | frames | frames/s | p50 ms | p99 ms | mean frames/batch | GPU util % | errors |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in result["service"]:
        lines.append(f"| {r['kind']} | {r['clients']} | {r['frames']} | {r['frames_per_s']} | {r['p50_ms']} "
                     f"| {r['p99_ms']} | {r['mean_batch_frames']} | {r['gpu_util_pct']} | {r['errors'] or '-'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto (cuda when present), cuda, cpu")
    parser.add_argument("--smoke", action="store_true", help="tiny frames, 1-2 clients, CPU: a CI check (< 60 s)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "gpu", help="folder for JSON + table")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per service case")
    parser.add_argument("--frames", type=int, default=4, help="frames per client series")
    parser.add_argument("--max-batch-frames", type=int, default=64)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    import torch

    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.smoke:
        args.device, args.seconds, args.frames, args.max_batch_frames = "cpu", 2.0, 1, 2
        args.batches, args.clients, kinds = [1, 2], [2], ["ct"]
    else:
        args.batches, args.clients, kinds = [1, 8, 32, 64, 128], [8, 32, 64], list(KINDS)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pool = max(args.clients) * args.frames
    frames = {kind: make_frames(kind, pool, args.smoke) for kind in kinds}
    frames_engine = {kind: make_frames(kind, 2, True) for kind in KINDS} if args.smoke else frames
    result = {"device": args.device, "smoke": args.smoke,
              "device_name": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "CPU",
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    result["engine"] = run_engine(args, frames_engine)
    result["service"] = run_service(args, frames)
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    (args.out / "gpu.json").write_text(json.dumps(result, indent=1))
    markdown = table(result)
    (args.out / "gpu.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
