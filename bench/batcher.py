"""FrameBatcher's own overhead: a fake batch function of fixed cost, 1..64 concurrent submitters.

The fake sleeps ``--base-ms + --per-frame-ms * frames`` (default 20 ms + 1 ms/frame, roughly a
GPU forward pass whose cost is mostly per batch), so any gap from the ideal rate is the
batcher's: the event-loop hand-off, the worker thread, and waiting for company. Each
submitter is its own stream and submits its next frame as soon as the last one returns
(closed loop). Batch size 1 and ``--batch`` (16) run in the same process, one after the other.

    python bench/batcher.py                       # Markdown table on stdout
    python bench/batcher.py --seconds 1 --clients 1 8 64
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pixelsvc.batching import FrameBatcher
from pixelsvc.config import BatcherConfig
from pixelsvc.types import Frame, TextRead


class Totals:
    """BatchObserver that sums what the batcher reports."""

    def __init__(self) -> None:
        self.batches = 0
        self.frames = 0
        self.busy = 0.0
        self.streams = 0

    def on_batch(self, frames: int, pixels: int, streams: int, seconds: float) -> None:
        self.batches += 1
        self.frames += frames
        self.busy += seconds
        self.streams += streams

    def on_queue_wait(self, seconds: float) -> None:
        pass

    def on_rejected(self) -> None:
        pass


def fake_batch(base_s: float, per_frame_s: float):
    def run(frames: list[Frame]) -> list[list[TextRead]]:
        time.sleep(base_s + per_frame_s * len(frames))
        return [[] for _ in frames]

    return run


async def one_case(clients: int, batch: int, wait_ms: float, seconds: float, base_s: float,
                   per_frame_s: float) -> dict[str, float]:
    pixels = np.zeros((512, 512), np.uint16)
    totals = Totals()
    config = BatcherConfig(max_batch_frames=batch, max_wait_ms=wait_ms, max_queued_frames=max(256, clients))
    latencies: list[float] = []
    async with FrameBatcher(fake_batch(base_s, per_frame_s), config, totals) as batcher:
        stop_at = time.monotonic() + seconds

        async def client(c: int) -> None:
            index = 0
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                await batcher.submit(Frame((f"stream{c}", index), pixels, "MONOCHROME2", 16))
                latencies.append(time.perf_counter() - start)
                index += 1

        start = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(clients)))
        wall = time.perf_counter() - start
    size = totals.frames / max(1, totals.batches)
    ideal = size / (base_s + per_frame_s * size)  # frames/s if the worker never idled at this batch size
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {
        "clients": clients, "batch": batch, "fps": len(latencies) / wall, "ideal": ideal,
        "p50": q[49] * 1000, "p99": q[98] * 1000, "size": size, "streams": totals.streams / max(1, totals.batches),
        "idle": 100.0 * max(0.0, wall - totals.busy) / wall,
        "gap_ms": 1000.0 * max(0.0, wall - totals.busy) / max(1, totals.batches),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--batch", type=int, default=16, help="max_batch_frames compared with 1")
    parser.add_argument("--wait-ms", type=float, default=5.0, help="max_wait_ms")
    parser.add_argument("--seconds", type=float, default=2.0, help="per case")
    parser.add_argument("--base-ms", type=float, default=20.0)
    parser.add_argument("--per-frame-ms", type=float, default=1.0)
    args = parser.parse_args()

    print(f"fake batch cost {args.base_ms:g} ms + {args.per_frame_ms:g} ms/frame, max_wait_ms={args.wait_ms:g}, "
          f"{args.seconds:g} s per case, Python {sys.version.split()[0]}\n")
    print("| clients | max_batch_frames | frames/s | ideal frames/s | p50 ms | p99 ms | mean batch | streams/batch "
          "| worker idle % | gap/batch ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for clients in args.clients:
        for batch in (1, args.batch):
            r = asyncio.run(one_case(clients, batch, args.wait_ms, args.seconds, args.base_ms / 1000,
                                     args.per_frame_ms / 1000))
            print(f"| {clients} | {batch} | {r['fps']:.0f} | {r['ideal']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
                  f"| {r['size']:.1f} | {r['streams']:.1f} | {r['idle']:.1f} | {r['gap_ms']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
