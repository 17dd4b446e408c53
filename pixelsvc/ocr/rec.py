"""Stage 4: read the text in each detected box with the PP-OCR CTC recogniser.

- pre: crop the box from the view it was found on, resize to the model's height keeping
  the aspect ratio (uint8, on the host), stack and upload as uint8; BGR, normalisation,
  zero padding and the cast to the net's dtype run on the device. Crops are sorted by
  width and padded to the widest in their batch, so padding stays small.
- net: the converted PP-OCR recogniser (it ends in a softmax over 18,710 classes).
- post (`CTCDecoder`): best path on the device: argmax per time step, collapse repeats,
  drop blanks, confidence = mean probability of the kept characters; with it the
  `LATTICE_CLASSES` most likely classes per step (`ReadLattice`: the classifier asks how likely
  an annotation's spelling was when the best path reads none); one small copy back.

Identical crops (same pixels) are read once: series repeat the same annotation on every
frame, so this saves most recognition work on cines. Reads are also remembered across
calls (an LRU by crop digest, `RecConfig.cache_size`), so a cine streamed frame by frame
reads its overlay once; a read never depends on its batch mates, so a cached read is the
read the network would give.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from pixelsvc.config import RecConfig
from pixelsvc.ocr.det import upload_uint8
from pixelsvc.ocr.nets.onnx_graph import OnnxGraphModule
from pixelsvc.types import ReadLattice, TextBox, TextRead

__all__ = ["LATTICE_CLASSES", "CTCDecoder", "Crop", "Decoded", "TextRecognizer", "charset_from_metadata"]

_MIN_CROP_WIDTH = 8
"""Crops are at least this wide after resizing: the network downsamples width by 8."""
_WIDTH_STEP = 32
"""Crop widths are rounded up to a multiple of this (zero padding on the right)."""
LATTICE_CLASSES = 5
"""Classes kept per time step in a read's `ReadLattice`."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """What the recogniser read in one crop: the text, its confidence, and where along the crop
    each of its letters and digits was read (its first time step, as a share of the crop's
    width, in reading order)."""

    text: str = field(repr=False)
    confidence: float
    marks: tuple[float, ...] = field(default=(), repr=False)
    lattice: ReadLattice | None = field(default=None, repr=False, compare=False)


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
        upper = [ch.upper() if len(ch.upper()) == 1 else ch for ch in self.charset]
        upper[0] = ""  # the blank
        self._upper = np.array([*upper, ""])  # an id past the charset reads as nothing

    def __repr__(self) -> str:
        return f"CTCDecoder(classes={len(self.charset)})"

    def __call__(self, probs: torch.Tensor) -> list[Decoded]:
        """One `Decoded` per row of a (batch, time, classes) probability tensor.

        Argmax, collapse, confidence and the top classes run where `probs` lies; one
        (batch, time * (1 + 2k) + 1) float32 tensor comes back: the kept class per step (-1 where
        dropped), the k best class ids and their probabilities per step, and the confidence.
        Class ids are below 2**24, so float32 holds them exactly.
        """
        ranks = min(LATTICE_CLASSES, probs.shape[2])
        top_prob, top = probs.topk(ranks, dim=2)
        best_prob, best = top_prob[:, :, 0], top[:, :, 0]
        keep = best != 0
        keep[:, 1:] &= best[:, 1:] != best[:, :-1]
        kept = keep.sum(dim=1)
        confidence = (best_prob.float() * keep).sum(dim=1) / kept.clamp(min=1)
        steps = best.shape[1]
        packed = torch.cat([torch.where(keep, best, -1).float(), top.flatten(1).float(),
                            top_prob.flatten(1).float(), confidence[:, None]], dim=1).cpu().numpy()
        ranked = steps * ranks
        ids = np.minimum(packed[:, steps:steps + ranked].astype(np.int64), len(self._upper) - 1)
        ranked_probs = packed[:, steps + ranked:steps + 2 * ranked]
        results = []
        for row, row_ids, row_probs in zip(packed, ids, ranked_probs, strict=True):
            where = np.flatnonzero(row[:steps] >= 0)
            chosen = row[where].astype(np.int64)
            chars = [self.charset[i] if i < len(self.charset) else "" for i in chosen]
            marks = tuple(float(step) / steps for step, ch in zip(where, chars, strict=True) if ch.isalnum())
            lattice = ReadLattice(self._upper[row_ids].reshape(steps, ranks), row_probs.reshape(steps, ranks).copy())
            results.append(Decoded("".join(chars), float(row[-1]) if chosen.size else 0.0, marks, lattice))
        return results


class TextRecognizer:
    """Batched PP-OCR text recognition of crops."""

    def __init__(self, net: OnnxGraphModule, config: RecConfig, mean: Sequence[float], std: Sequence[float]) -> None:
        self.net = net
        self.config = config
        self.decode = CTCDecoder(charset_from_metadata(net.metadata))
        self._mean = torch.from_numpy(np.asarray(mean, dtype=np.float32) * 255.0).reshape(1, 3, 1, 1)
        self._scale = torch.from_numpy(1.0 / (np.asarray(std, dtype=np.float32) * 255.0)).reshape(1, 3, 1, 1)
        self.crops_read = 0
        """Crops actually sent through the network since construction (after dedup)."""
        self._cache: OrderedDict[str, Decoded] = OrderedDict()
        self._cache_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TextRecognizer(height={self.config.height}, batch_size={self.config.batch_size}, {self.decode!r})"

    @property
    def device(self) -> torch.device:
        return next(self.net.buffers()).device

    @property
    def dtype(self) -> torch.dtype:
        """The net's float dtype: inputs are cast to it (fp32, bf16 or fp16)."""
        return next(self.net.buffers()).dtype

    def clear_cache(self) -> None:
        """Forget every remembered read (they are held in memory only)."""
        with self._cache_lock:
            self._cache.clear()

    def recognise(self, crops: Sequence[Crop], dedup: bool = True) -> list[TextRead]:
        """One `TextRead` per crop, in order. With `dedup`, identical crops and remembered ones are not read again."""
        decoded = self.decode_crops(crops, dedup)
        return [TextRead(crop.box, d.text, d.confidence, lattice=d.lattice)
                for crop, d in zip(crops, decoded, strict=True)]

    def decode_crops(self, crops: Sequence[Crop], dedup: bool = True) -> list[Decoded]:
        """`recognise` with where the letters and digits lie in each crop (`Decoded.marks`)."""
        pixels = [_cut(crop) for crop in crops]
        keys = [_digest(p) if dedup else str(i) for i, p in enumerate(pixels)]
        decoded: dict[str, Decoded] = {}
        if dedup:
            with self._cache_lock:
                for key in keys:
                    hit = self._cache.get(key)
                    if hit is not None:
                        self._cache.move_to_end(key)
                        decoded[key] = hit
        unique: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key not in decoded:
                unique.setdefault(key, index)
        self.crops_read += len(unique)
        firsts = list(unique.values())
        fresh: dict[str, Decoded] = {}
        for batch in self._batches([pixels[i] for i in firsts]):
            chosen = [firsts[j] for j in batch]
            for index, result in zip(chosen, self._read_batch([pixels[i] for i in chosen]), strict=True):
                fresh[keys[index]] = result
        if dedup and self.config.cache_size:
            with self._cache_lock:
                self._cache.update(fresh)
                while len(self._cache) > self.config.cache_size:
                    self._cache.popitem(last=False)
        decoded.update(fresh)
        return [decoded[key] for key in keys]

    def _batches(self, crops: Sequence[np.ndarray]) -> list[list[int]]:
        """Indices of `crops` grouped into batches of one padded width.

        A crop is padded on the right to its width rounded up to `_WIDTH_STEP`, and only
        crops of the same padded width share a batch. The recogniser sees every crop
        through its whole width (attention mixes columns), so this makes each read
        independent of which other crops were batched with it: the service, which batches
        frames from many streams, reads exactly what the in-process engine reads. It also
        keeps padding under `_WIDTH_STEP` pixels per crop.

        Measured alternatives (bench/RESULTS.md, "issue 12"): padding each crop to a few
        geometric width buckets (64, 96, 128, 192, ... 1600) instead changed 5 of 120 reads,
        so extra padding does change what the network reads; resizing crops on the device
        with one bilinear `grid_sample` (within 1 grey level of cv2) changed 1 of 120. Both stay
        off: reads must not move.
        """
        by_width: dict[int, list[int]] = {}
        for index, crop in enumerate(crops):
            by_width.setdefault(_padded(self._resized_width(crop)), []).append(index)
        size = self.config.batch_size
        return [group[i:i + size] for _, group in sorted(by_width.items()) for i in range(0, len(group), size)]

    def preprocess(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        """Crops -> one (batch, 3, height, widest) input on the device in the net's dtype, right-padded with zeros.

        Resizing is on the host (uint8, cv2 bilinear, as the models were trained); the batch
        travels as uint8 and is normalised on the device, where the padding is zeroed.
        """
        height = self.config.height
        widths = [self._resized_width(c) for c in crops]
        batch = np.zeros((len(crops), height, _padded(max(widths)), 3), dtype=np.uint8)
        for row, (crop, width) in enumerate(zip(crops, widths, strict=True)):
            batch[row, :, :width] = cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR)
        uploaded = upload_uint8(batch, self.device)
        bgr = uploaded.permute(0, 3, 1, 2).flip(1).float()
        x = (bgr - self._mean.to(bgr.device)) * self._scale.to(bgr.device)
        columns = torch.arange(batch.shape[2], device=bgr.device)
        inside = columns[None, :] < torch.tensor(widths, device=bgr.device)[:, None]
        return (x * inside[:, None, None, :]).to(self.dtype)

    def _read_batch(self, crops: list[np.ndarray]) -> list[Decoded]:
        with torch.inference_mode():
            decoded = self.decode(self.net(self.preprocess(crops)))
        # the time steps cover the padded input: marks become shares of each crop's own width
        padded = _padded(max(self._resized_width(c) for c in crops))
        out = []
        for crop, d in zip(crops, decoded, strict=True):
            scale = padded / self._resized_width(crop)
            out.append(Decoded(d.text, d.confidence, tuple(min(1.0, m * scale) for m in d.marks), d.lattice))
        return out

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
