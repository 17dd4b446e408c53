"""Stage 3: find text boxes in rendered frames with the PP-OCR DB detector.

A `TextDetector` is pre-processing -> network -> post-processing, as in docTR:

- pre: each rendered view (or, for very large frames, each tile of it) is resized so its
  longest side fits `max_side`, both sides rounded to multiples of 32, normalised and
  turned to BGR (the order PaddleOCR trained on). Jobs of equal tensor shape are stacked
  so one forward runs a whole batch.
- net: the converted PP-OCR detector, on the engine's device.
- post (`DBPostProcessor`): threshold the probability map, label connected regions, keep
  those whose mean probability passes `box_thresh`, grow each region back by the DB
  unclip distance and map it to integer source-frame pixels (floor the minima, ceil the
  maxima). Boxes found on several views or tiles are merged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from pixelsvc.config import DetConfig
from pixelsvc.ocr.nets.onnx_graph import OnnxGraphModule
from pixelsvc.types import RenderedFrame, TextBox

__all__ = ["DBPostProcessor", "TextDetector", "box_iou", "merge_boxes"]


@dataclass(frozen=True, slots=True)
class _Job:
    """One detector input: a region of one rendered view, resized to `shape`."""

    view: int  # index into the views passed to detect()
    x0: int
    y0: int
    x1: int
    y1: int
    shape: tuple[int, int]  # (height, width) of the network input, multiples of 32


class DBPostProcessor:
    """Turns a DB probability map into boxes. Holds every threshold that changes recall."""

    def __init__(self, bin_thresh: float, box_thresh: float, unclip_ratio: float, min_box_side: int) -> None:
        self.bin_thresh = bin_thresh
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio
        self.min_box_side = min_box_side

    def __repr__(self) -> str:
        return (f"DBPostProcessor(bin_thresh={self.bin_thresh}, box_thresh={self.box_thresh}, "
                f"unclip_ratio={self.unclip_ratio}, min_box_side={self.min_box_side})")

    def __call__(self, prob: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """Boxes (x0, y0, x1, y1, score) in probability-map pixels, as floats."""
        kernel = prob > self.bin_thresh
        # the DB kernel is a shrunk text core: a 2x2 dilation joins cores split by a pixel
        joined = cv2.dilate(kernel.astype(np.uint8), np.ones((2, 2), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        if count <= 1:
            return []
        # a region's score is the mean probability over its kernel pixels (not the dilation)
        kernel_labels = labels[kernel]
        sums = np.bincount(kernel_labels, weights=prob[kernel], minlength=count)
        scores = sums / np.maximum(np.bincount(kernel_labels, minlength=count), 1)
        height, width = prob.shape
        boxes = []
        for index in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[index])
            if min(w, h) < self.min_box_side or scores[index] < self.box_thresh:
                continue
            # DB unclip: grow the kernel by D = A * r / L (area and perimeter of the region)
            distance = area * self.unclip_ratio / max(2.0 * (w + h), 1.0)
            boxes.append((
                max(0.0, x - distance),
                max(0.0, y - distance),
                min(float(width), x + w + distance),
                min(float(height), y + h + distance),
                float(scores[index]),
            ))
        return boxes


class TextDetector:
    """Batched PP-OCR text detection over rendered frames."""

    def __init__(self, net: OnnxGraphModule, config: DetConfig, mean: Sequence[float], std: Sequence[float]) -> None:
        self.net = net
        self.config = config
        self.post = DBPostProcessor(config.bin_thresh, config.box_thresh, config.unclip_ratio, config.min_box_side)
        self._mean = np.asarray(mean, dtype=np.float32) * 255.0
        self._scale = 1.0 / (np.asarray(std, dtype=np.float32) * 255.0)

    def __repr__(self) -> str:
        return f"TextDetector(max_side={self.config.max_side}, batch_size={self.config.batch_size}, post={self.post!r})"

    @property
    def device(self) -> torch.device:
        return next(self.net.buffers()).device

    def detect(self, views: Sequence[RenderedFrame]) -> list[list[TextBox]]:
        """Boxes for every view, in the source-frame pixels of that view's frame."""
        jobs = [job for index, view in enumerate(views) for job in self.plan(index, view)]
        found: list[list[TextBox]] = [[] for _ in views]
        by_shape: dict[tuple[int, int], list[_Job]] = defaultdict(list)
        for job in jobs:
            by_shape[job.shape].append(job)
        for shape_jobs in by_shape.values():
            for start in range(0, len(shape_jobs), self.config.batch_size):
                chunk = shape_jobs[start:start + self.config.batch_size]
                probs = self._forward([self.preprocess(views[job.view].image, job) for job in chunk])
                for job, prob in zip(chunk, probs, strict=True):
                    found[job.view].extend(self._to_source(job, self.post(prob)))
        return [merge_boxes(boxes) for boxes in found]

    def plan(self, index: int, view: RenderedFrame) -> list[_Job]:
        """Split a view into detector jobs: the whole view, or overlapping tiles when it is huge."""
        rows, cols = view.image.shape[:2]
        cfg = self.config
        if max(rows, cols) <= cfg.tile_above:
            return [_Job(index, 0, 0, cols, rows, _target_shape(rows, cols, cfg.max_side, cfg.min_side))]
        tile = cfg.max_side
        jobs = []
        for y0 in _tile_starts(rows, tile, cfg.tile_overlap):
            for x0 in _tile_starts(cols, tile, cfg.tile_overlap):
                y1, x1 = min(rows, y0 + tile), min(cols, x0 + tile)
                jobs.append(_Job(index, x0, y0, x1, y1, _target_shape(y1 - y0, x1 - x0, cfg.max_side, cfg.min_side)))
        return jobs

    def preprocess(self, image: np.ndarray, job: _Job) -> np.ndarray:
        region = image[job.y0:job.y1, job.x0:job.x1]
        height, width = job.shape
        if region.shape[:2] != (height, width):
            shrink = height < region.shape[0] or width < region.shape[1]
            region = cv2.resize(region, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        bgr = region[:, :, ::-1].astype(np.float32)
        return ((bgr - self._mean) * self._scale).transpose(2, 0, 1)

    @torch.inference_mode()
    def _forward(self, inputs: list[np.ndarray]) -> np.ndarray:
        batch = torch.from_numpy(np.stack(inputs)).to(self.device, non_blocking=True)
        prob = self.net(batch)
        return prob[:, 0].float().cpu().numpy()

    @staticmethod
    def _to_source(job: _Job, boxes: list[tuple[float, float, float, float, float]]) -> list[TextBox]:
        height, width = job.shape
        sx, sy = (job.x1 - job.x0) / width, (job.y1 - job.y0) / height
        out = []
        for x0, y0, x1, y1, score in boxes:
            out.append(TextBox(
                max(job.x0, job.x0 + math.floor(x0 * sx)),
                max(job.y0, job.y0 + math.floor(y0 * sy)),
                min(job.x1, job.x0 + math.ceil(x1 * sx)),
                min(job.y1, job.y0 + math.ceil(y1 * sy)),
                score,
            ))
        return out


def _target_shape(rows: int, cols: int, max_side: int, min_side: int) -> tuple[int, int]:
    """Network input (height, width): longest side <= max_side, shortest >= min_side, multiples of 32."""
    scale = min(1.0, max_side / max(rows, cols))
    if min(rows, cols) * scale < min_side:
        scale = min(min_side / min(rows, cols), max_side / max(rows, cols)) if max(rows, cols) > 0 else 1.0
    height = max(32, round(rows * scale / 32) * 32)
    width = max(32, round(cols * scale / 32) * 32)
    return min(height, max_side), min(width, max_side)


def _tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of equal tiles covering [0, length) with at least `overlap` shared pixels."""
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    step = (length - tile) / (count - 1)
    return [round(i * step) for i in range(count)]


def merge_boxes(boxes: list[TextBox], min_iou: float = 0.5) -> list[TextBox]:
    """Merge boxes that cover the same text (found on several views or tiles).

    Two boxes are merged when their intersection over union reaches `min_iou`; the merged
    box is their union, so nothing a view found is lost. A small box inside a large one is
    kept apart: the large one may be a spurious region, and reading the two together would
    garble the small line.
    """
    merged: list[TextBox] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        for i, kept in enumerate(merged):
            if box_iou(box, kept) >= min_iou:
                merged[i] = TextBox(min(box.x0, kept.x0), min(box.y0, kept.y0), max(box.x1, kept.x1),
                                    max(box.y1, kept.y1), max(box.score, kept.score))
                break
        else:
            merged.append(box)
    return sorted(merged, key=lambda b: (b.y0, b.x0))


def box_iou(a: TextBox, b: TextBox) -> float:
    """Intersection over union of two boxes."""
    ix = min(a.x1, b.x1) - max(a.x0, b.x0)
    iy = min(a.y1, b.y1) - max(a.y0, b.y0)
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / (a.area() + b.area() - inter)
