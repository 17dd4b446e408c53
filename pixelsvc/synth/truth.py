"""Ground truth of a generated file: every drawn string with its box and axes, and per-frame ink label images.

Per DICOM file ``NAME.dcm`` the truth is ``truth/NAME.json``; its ink masks are in the
case's ``.npz`` (both header variants of a case share pixels, hence masks): for frame
*f*, ``frame_f`` is a uint16 image where 0 is no text and *i* + 1 is the ink of string *i*:
its glyph pixels that the drawing visibly changed (`pixelsvc.synth.scene.VISIBLE_CHANGE`).
The strings' text is stored (it is synthetic) but the scorer never prints it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GLYPH_BUCKETS", "FileTruth", "TruthString", "contrast_bucket", "glyph_bucket", "load_masks",
           "load_truth", "save_masks", "save_truth"]

GLYPH_BUCKETS = ((5, 6), (6, 8), (8, 12), (12, 20), (20, 40), (40, 61))
"""Glyph (capital letter) height buckets in px, [low, high)."""


def glyph_bucket(px: int) -> str:
    for lo, hi in GLYPH_BUCKETS:
        if lo <= px < hi:
            return f"{lo}-{min(hi, 60) if hi != 61 else 60}"
    return "<5" if px < 5 else ">60"


def contrast_bucket(value: float) -> str:
    """'low' (< 0.2 of the display range between ink and the background under it), 'mid' (< 0.45), 'high'."""
    return "low" if value < 0.2 else "mid" if value < 0.45 else "high"


@dataclass(slots=True)
class TruthString:
    """One string drawn on one frame."""

    id: int
    frame: int
    box: tuple[int, int, int, int]
    """x0, y0, x1, y1 of the ink (x1, y1 exclusive)."""
    category: str
    """NAME, DATE, TIME, ID, AGE, INSTITUTION, CONTACT, OTHER; LABEL (text before a value); DISTRACTOR."""
    glyph_px: int
    contrast: str
    """'low', 'mid' or 'high' (see contrast_bucket)."""
    contrast_value: float
    opacity: float
    polarity: str
    """'light-on-dark' or 'dark-on-light' (as displayed)."""
    rotation: float
    font: str
    font_style: str
    antialias: bool
    region: str
    """What is under the text: 'air', 'texture', 'saturated' or 'panel'."""
    layout: str
    """'single', 'pair', 'block' or 'distractor'."""
    anchor: str
    changing: bool
    """Text that differs between frames of the series."""
    ink_pixels: int
    text: str = field(repr=False, default="")

    @property
    def is_phi(self) -> bool:
        return self.category not in ("LABEL", "DISTRACTOR")


@dataclass(slots=True)
class FileTruth:
    """Everything known about one generated DICOM file."""

    file: str
    case: str
    split: str
    header: str
    """'with-header' (identifying values in the header) or 'no-header'."""
    frames: int
    rows: int
    cols: int
    photometric: str
    bits_stored: int
    signed: bool
    transfer_syntax: str
    background: str
    modality: str
    masks: str
    strings: list[TruthString]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def save_truth(path: Path, truth: FileTruth) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth.to_json(), indent=1), encoding="utf-8")


def load_truth(path: Path) -> FileTruth:
    data = json.loads(path.read_text(encoding="utf-8"))
    strings = [TruthString(**{**s, "box": tuple(s["box"])}) for s in data.pop("strings")]
    return FileTruth(**data, strings=strings)


def save_masks(path: Path, labels: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **{f"frame_{i}": lab for i, lab in enumerate(labels)})


def load_masks(path: Path) -> list[np.ndarray]:
    with np.load(path) as data:
        return [data[f"frame_{i}"] for i in range(len(data.files))]
