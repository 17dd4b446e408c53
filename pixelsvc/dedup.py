"""Frame dedup, one owner for the engine and the service: identical frames are analysed once.

Series repeat frames (a paused cine, a copied localiser). `frame_digest` says when two
frames give the same pipeline result, `RecentFrames` remembers the digests seen (all of a
series in the engine, a sliding window per stream in the service) and `reuse_result`
turns the first frame's result into the duplicate's. Crops repeated across frames are the
recogniser's own cache (`pixelsvc.ocr.rec`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Generic, TypeVar

import numpy as np

from pixelsvc.types import Frame, FrameResult, MaskedFrame

__all__ = ["RecentFrames", "frame_digest", "reuse_result"]

T = TypeVar("T")


class RecentFrames(Generic[T]):
    """Digest -> what the first frame with that digest produced, for the last `window` digests.

    Args:
        window: how many distinct digests are remembered (least recently seen go first);
            None remembers all (one series in the engine).
    """

    def __init__(self, window: int | None = None) -> None:
        self.window = window
        self._items: OrderedDict[bytes, T] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, digest: bytes) -> T | None:
        """What an earlier identical frame produced, or None; a hit counts as recently seen."""
        value = self._items.get(digest)
        if value is not None:
            self._items.move_to_end(digest)
        return value

    def add(self, digest: bytes, value: T) -> None:
        self._items[digest] = value
        if self.window is not None:
            while len(self._items) > self.window:
                self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


def frame_digest(frame: Frame) -> bytes:
    """Content hash of a frame: equal digests mean the pipeline gives equal results.

    Everything masking depends on is hashed: the pixels, their dtype and shape, the
    photometric interpretation and bits stored (they set the fill value).
    """
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{frame.pixels.dtype.str}{frame.pixels.shape}{frame.photometric}{frame.bits_stored}".encode())
    digest.update(memoryview(np.ascontiguousarray(frame.pixels)).cast("B"))
    return digest.digest()


def reuse_result(frame: Frame, source: FrameResult) -> FrameResult:
    """The result of a frame identical to an earlier one: that frame's verdicts and mask, under this key.

    A masked source shares its masked array (read-only); an unmasked frame keeps its own
    original pixels.
    """
    masked = source.masked
    pixels = masked.pixels if masked.changed else frame.pixels
    return FrameResult(frame.key, source.verdicts, MaskedFrame(frame, pixels, masked.boxes, masked.changed),
                       deduplicated=True)
