"""What the detector's fine pass costs: its detector pixels and seconds against the first pass's.

Runs render + detect (no recognition) over the first N files of an accuracy-benchmark folder,
one torch thread, and counts the network input pixels and forward seconds of each pass, and
the seconds spent choosing the fine-pass windows (`pixelsvc.ocr.fine`):

    python bench/fine_cost.py --data /tmp/b12/dev --limit 30
    PIXELSVC_DET_FINE_EVERYWHERE=1 python bench/fine_cost.py --data /tmp/b12/dev --limit 30

Settings come from the environment as for the CLI (`PIXELSVC_DET_*`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pixelsvc.config import load_engine_config
from pixelsvc.dicom.decode import iter_frames, read_dataset
from pixelsvc.ocr import det
from pixelsvc.pipeline import Engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--limit", type=int, default=30, help="first N files of data/dicom")
    args = parser.parse_args()
    torch.set_num_threads(1)
    engine = Engine(load_engine_config())
    totals = {"frames": 0, "first_pixels": 0, "fine_pixels": 0, "fine_jobs": 0,
              "first_seconds": 0.0, "fine_seconds": 0.0, "window_seconds": 0.0}
    run, choose = det.TextDetector._run, det.fine_windows

    def timed_run(self: det.TextDetector, views, jobs):
        start = time.perf_counter()
        found = run(self, views, jobs)
        fine = any(job.fine for job in jobs)
        totals["fine_seconds" if fine else "first_seconds"] += time.perf_counter() - start
        for job in jobs:
            totals["fine_pixels" if job.fine else "first_pixels"] += job.shape[0] * job.shape[1]
            totals["fine_jobs"] += job.fine
        return found

    def timed_windows(*a):
        start = time.perf_counter()
        windows = choose(*a)
        totals["window_seconds"] += time.perf_counter() - start
        return windows

    det.TextDetector._run = timed_run  # type: ignore[method-assign]
    det.fine_windows = timed_windows
    for path in sorted((args.data / "dicom").glob("*.dcm"))[:args.limit]:
        for frame in iter_frames(read_dataset(path)):
            engine.detector.detect_frames([engine.renderer.render(frame)])
            totals["frames"] += 1
    totals["fine_pixel_ratio"] = totals["fine_pixels"] / max(1, totals["first_pixels"])
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in totals.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
