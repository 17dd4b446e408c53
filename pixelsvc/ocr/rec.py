"""Stage 4: read the text in each detected box with the PP-OCR CTC recogniser.

- pre: crop the box from the view it was found on, resize to the model's height keeping
  the aspect ratio, normalise, BGR. Crops are sorted by width and padded to the widest in
  their batch, so padding stays small.
- net: the converted PP-OCR recogniser (it ends in a softmax over 18,710 classes).
- post (`CTCDecoder`): best path: argmax per time step, collapse repeats, drop blanks.
  Confidence is the mean probability of the kept characters.

Identical crops (same pixels) are read once: series repeat the same annotation on every
frame, so this saves most recognition work on cines.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from pixelsvc.config import RecConfig
from pixelsvc.ocr.nets.onnx_graph import OnnxGraphModule
from pixelsvc.types import TextBox, TextRead

__all__ = ["CTCDecoder", "Crop", "TextRecognizer", "charset_from_metadata"]

_MIN_CROP_WIDTH = 8
"""Crops are at least this wide after resizing: the network downsamples width by 8."""
_WIDTH_STEP = 32
"""Crop widths are rounded up to a multiple of this (zero padding on the right)."""


@dataclass(frozen=True, slots=True)
class Crop:
    """A box and the 8-bit RGB view it is read from."""

    box: TextBox
    image: np.ndarray  # uint8 (rows, cols, 3): the whole view; the crop is cut lazily


def charset_from_metadata(metadata: dict[str, str]) -> list[str]:
    """The recogniser's class list: blank, the characters in the model metadata, then space."""
    chars = metadata.get("character")
    if not chars:
        raise ValueError("recogniser model has no 'character' metadata entry")
    return ["<blank>", *chars.split("\n"), " "]


class CTCDecoder:
    """Greedy CTC decoding of per-time-step class probabilities."""

    def __init__(self, charset: Sequence[str]) -> None:
        self.charset = list(charset)

    def __repr__(self) -> str:
        return f"CTCDecoder(classes={len(self.charset)})"

    def __call__(self, probs: torch.Tensor) -> list[tuple[str, float]]:
        """(text, confidence) per row of a (batch, time, classes) probability tensor."""
        best_prob, best = probs.max(dim=2)
        best_np, prob_np = best.cpu().numpy(), best_prob.float().cpu().numpy()
        results = []
        for indices, scores in zip(best_np, prob_np, strict=True):
            keep = indices != 0
            keep[1:] &= indices[1:] != indices[:-1]
            chosen = indices[keep]
            text = "".join(self.charset[i] for i in chosen if i < len(self.charset))
            confidence = float(scores[keep].mean()) if chosen.size else 0.0
            results.append((text, confidence))
        return results


class TextRecognizer:
    """Batched PP-OCR text recognition of crops."""

    def __init__(self, net: OnnxGraphModule, config: RecConfig, mean: Sequence[float], std: Sequence[float]) -> None:
        self.net = net
        self.config = config
        self.decode = CTCDecoder(charset_from_metadata(net.metadata))
        self._mean = np.asarray(mean, dtype=np.float32) * 255.0
        self._scale = 1.0 / (np.asarray(std, dtype=np.float32) * 255.0)
        self.crops_read = 0
        """Crops actually sent through the network since construction (after dedup)."""

    def __repr__(self) -> str:
        return f"TextRecognizer(height={self.config.height}, batch_size={self.config.batch_size}, {self.decode!r})"

    @property
    def device(self) -> torch.device:
        return next(self.net.buffers()).device

    def recognise(self, crops: Sequence[Crop], dedup: bool = True) -> list[TextRead]:
        """One `TextRead` per crop, in order."""
        pixels = [_cut(crop) for crop in crops]
        keys = [_digest(p) if dedup else str(i) for i, p in enumerate(pixels)]
        unique: dict[str, int] = {}
        for index, key in enumerate(keys):
            unique.setdefault(key, index)
        self.crops_read += len(unique)
        firsts = list(unique.values())
        decoded: dict[str, tuple[str, float]] = {}
        for batch in self._batches([pixels[i] for i in firsts]):
            chosen = [firsts[j] for j in batch]
            for index, result in zip(chosen, self._read_batch([pixels[i] for i in chosen]), strict=True):
                decoded[keys[index]] = result
        return [TextRead(crop.box, *decoded[key]) for crop, key in zip(crops, keys, strict=True)]

    def _batches(self, crops: Sequence[np.ndarray]) -> list[list[int]]:
        """Indices of `crops` grouped into batches of one padded width.

        A crop is padded on the right to its width rounded up to `_WIDTH_STEP`, and only
        crops of the same padded width share a batch. The recogniser sees every crop
        through its whole width (attention mixes columns), so this makes each read
        independent of which other crops were batched with it: the service, which batches
        frames from many streams, reads exactly what the in-process engine reads. It also
        keeps padding under `_WIDTH_STEP` pixels per crop.
        """
        by_width: dict[int, list[int]] = {}
        for index, crop in enumerate(crops):
            by_width.setdefault(_padded(self._resized_width(crop)), []).append(index)
        size = self.config.batch_size
        return [group[i:i + size] for _, group in sorted(by_width.items()) for i in range(0, len(group), size)]

    def preprocess(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Crops -> one (batch, 3, height, widest) float32 array, right-padded with zeros."""
        height = self.config.height
        widths = [self._resized_width(c) for c in crops]
        batch = np.zeros((len(crops), 3, height, _padded(max(widths))), dtype=np.float32)
        for row, (crop, width) in enumerate(zip(crops, widths, strict=True)):
            resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
            bgr = resized[:, :, ::-1].astype(np.float32)
            batch[row, :, :, :width] = ((bgr - self._mean) * self._scale).transpose(2, 0, 1)
        return batch

    def _read_batch(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        batch = self.preprocess(crops)
        with torch.inference_mode():
            probs = self.net(torch.from_numpy(batch).to(self.device, non_blocking=True))
        return self.decode(probs)

    def _resized_width(self, crop: np.ndarray) -> int:
        rows, cols = crop.shape[:2]
        width = math.ceil(self.config.height * cols / max(1, rows))
        return int(min(self.config.max_width, max(_MIN_CROP_WIDTH, width)))


def _padded(width: int) -> int:
    return -(-width // _WIDTH_STEP) * _WIDTH_STEP


def _cut(crop: Crop) -> np.ndarray:
    box = crop.box
    rows, cols = crop.image.shape[:2]
    x0, y0 = max(0, box.x0), max(0, box.y0)
    x1, y1 = min(cols, max(x0 + 1, box.x1)), min(rows, max(y0 + 1, box.y1))
    return np.ascontiguousarray(crop.image[y0:y1, x0:x1])


def _digest(pixels: np.ndarray) -> str:
    digest = hashlib.blake2b(pixels.tobytes(), digest_size=16)
    digest.update(repr(pixels.shape).encode())
    return digest.hexdigest()
