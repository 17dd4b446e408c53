"""Warm the engine before the service reports SERVING.

The first forward of each input shape pays for allocator growth and, on CUDA, for cuDNN's
kernel search (`cudnn.benchmark`) and any `torch.compile` graph. Running a few synthetic
frames through `Engine.read_text` first keeps that cost out of the first clients' latency.
The frames carry drawn placeholder text (no PHI, no files), so detector and recogniser
shapes are both exercised: each frame shape at batch 1 and at the detector's batch size,
and recogniser widths from short to long lines.
"""

from __future__ import annotations

import logging
import time

import cv2
import numpy as np

from pixelsvc.pipeline import Engine
from pixelsvc.types import Frame

__all__ = ["WARMUP_SHAPES", "warm_up", "warmup_frame"]

log = logging.getLogger(__name__)

WARMUP_SHAPES: tuple[tuple[int, int, str], ...] = ((512, 512, "MONOCHROME2"), (600, 800, "RGB"))
"""(rows, cols, photometric) of the warm-up frames: the common CT/MR slice and ultrasound sizes."""

_LINES = ("AB", "SE 1 IM 2", "W 400 L 40 KV 120", "WARM UP 0123456789 ABCDEFGHIJ", "X" * 48)


def warmup_frame(rows: int, cols: int, photometric: str, index: int = 0) -> Frame:
    """A frame with drawn placeholder lines of several lengths (Hershey font, no font files)."""
    image = np.full((rows, cols), 40, np.uint8)
    for i, line in enumerate(_LINES):
        y = 24 + i * max(24, rows // (len(_LINES) + 1))
        cv2.putText(image, line, (8, min(rows - 4, y)), cv2.FONT_HERSHEY_SIMPLEX, 0.5 + 0.1 * (i % 3), 255, 1,
                    cv2.LINE_AA)
    if photometric == "RGB":
        return Frame(("warm-up", index), np.repeat(image[:, :, None], 3, axis=2), "RGB", 8)
    return Frame(("warm-up", index), image.astype(np.uint16) * 16, "MONOCHROME2", 12)


def warm_up(engine: Engine, shapes: tuple[tuple[int, int, str], ...] = WARMUP_SHAPES) -> float:
    """Run each warm-up shape at batch 1 and at the detector batch size; returns the seconds spent."""
    started = time.perf_counter()
    sizes = sorted({1, engine.config.det.batch_size})
    for rows, cols, photometric in shapes:
        for size in sizes:
            engine.read_text([warmup_frame(rows, cols, photometric, i) for i in range(size)])
    engine.recognizer.clear_cache()  # warm-up reads are not real traffic
    seconds = time.perf_counter() - started
    log.info("engine warmed up", extra={"shapes": len(shapes), "batch_sizes": sizes, "seconds": round(seconds, 3)})
    return seconds
