"""Frames to draw text on: real image frames from the shared corpus, or procedural CT/MR/US/X-ray-like ones.

Backgrounds are display-space floats in [0, 1] (0 shows black), grey or colour. Real
frames come from files whose catalogue row says they carry no burned-in text (so no
unlabelled text sits under the benchmark), every modality present; each source file
belongs to one split only (by a hash of its path), so test backgrounds are unseen in
dev. Procedural frames need no corpus, so the demo runs anywhere.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["Background", "BackgroundSource", "from_real", "pick_source", "procedural", "real_sources", "split_of"]

PROCEDURAL_KINDS = ("ct", "mr", "us", "xr")
MAX_SOURCE_FRAMES = 8
MAX_SOURCE_SIDE = 1536


@dataclass(frozen=True, slots=True)
class BackgroundSource:
    """A real file to take frames from."""

    path: Path
    source_id: str
    """A short hash of the path relative to the corpus (safe to report)."""
    modality: str
    frames: int


@dataclass(frozen=True, slots=True)
class Background:
    """Frames of one series before any text (display space), and where they came from."""

    frames: tuple[np.ndarray, ...]
    source: str
    """'procedural-ct', ... or 'real-<modality>-<hash>'."""
    modality: str


def split_of(relative_path: str) -> str:
    """'test' for about a third of the source files, 'dev' for the rest; fixed by the path alone."""
    return "test" if hashlib.sha256(relative_path.encode()).digest()[0] % 3 == 0 else "dev"


def real_sources(data_root: Path, split: str) -> list[BackgroundSource]:
    """Text-free, decodable image files of `split` under data_root/real (its CATALOG.tsv) and data_root/presidio."""
    sources: list[BackgroundSource] = []
    catalog = data_root / "real" / "CATALOG.tsv"
    if catalog.is_file():
        with catalog.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if (row.get("visible_burned_in_text") != "no" or not row.get("decode_status", "").startswith("ok")
                        or row["path"].endswith(".zip") or row.get("modality") in ("SEG", "RTDOSE", "PR")):
                    continue
                rel = "real/" + row["path"]
                if split_of(rel) == split and (data_root / rel).is_file():
                    sources.append(BackgroundSource(data_root / rel, _short(rel), row.get("modality") or "OT",
                                                    int(row.get("frames") or 1)))
    presidio = data_root / "presidio" / "RGB_ORIGINAL.dcm"  # the one presidio frame with no burned-in text
    if presidio.is_file() and split_of("presidio/RGB_ORIGINAL.dcm") == split:
        sources.append(BackgroundSource(presidio, _short("presidio/RGB_ORIGINAL.dcm"), "OT", 1))
    return sources


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@functools.lru_cache(maxsize=8)
def _decoded(path: Path) -> tuple[np.ndarray, ...]:
    """Up to MAX_SOURCE_FRAMES frames of a real file, normalised to display space."""
    from pixelsvc.dicom.decode import iter_frames, read_dataset

    ds = read_dataset(path)
    out: list[np.ndarray] = []
    for frame in iter_frames(ds, "synth"):
        pixels = frame.pixels.astype(np.float32)
        scale = MAX_SOURCE_SIDE / max(pixels.shape[:2])
        if scale < 1:  # keeps the cache small; targets larger than this are upsampled
            pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if pixels.ndim == 3:
            out.append(np.clip(pixels / max(1.0, float(pixels.max())), 0, 1))
        else:
            lo, hi = np.percentile(pixels, (0.5, 99.5))
            norm = np.clip((pixels - lo) / max(float(hi - lo), 1e-6), 0, 1)
            out.append(1 - norm if frame.photometric == "MONOCHROME1" else norm)
        if len(out) >= MAX_SOURCE_FRAMES:
            break
    return tuple(out)


def pick_source(sources: list[BackgroundSource], rng: random.Random) -> BackgroundSource:
    """A modality first (each equally likely), then one of its files: rare modalities are not drowned out."""
    modalities = sorted({s.modality for s in sources})
    modality = rng.choice(modalities)
    return rng.choice([s for s in sources if s.modality == modality])


def from_real(source: BackgroundSource, rng: random.Random, rows: int, cols: int, frames: int,
              colour: bool) -> Background:
    """`frames` frames of a real source resized to rows x cols; a single-frame source moves a little per frame."""
    decoded = _decoded(source.path)
    start = rng.randrange(len(decoded))
    gain = rng.uniform(0.45, 1.0)  # anatomy often uses only part of the stored range
    series = []
    for t in range(frames):
        base = decoded[(start + t) % len(decoded)] if len(decoded) > 1 else _shifted(decoded[0], t, rng)
        series.append(_fit(base, rows, cols, colour, rng) * gain)
    return Background(tuple(series), f"real-{source.modality}-{source.source_id}", source.modality)


def _shifted(image: np.ndarray, t: int, rng: random.Random) -> np.ndarray:
    if t == 0:
        return image
    return np.roll(image, (t * 2, t), axis=(0, 1))


def _fit(image: np.ndarray, rows: int, cols: int, colour: bool, rng: random.Random) -> np.ndarray:
    resized = cv2.resize(image, (cols, rows), interpolation=cv2.INTER_AREA if image.shape[0] > rows else
                         cv2.INTER_LINEAR)
    if colour and resized.ndim == 2:
        tint = np.array([1.0, rng.uniform(0.85, 1.0), rng.uniform(0.75, 1.0)], np.float32)
        resized = resized[..., None] * tint
    elif not colour and resized.ndim == 3:
        resized = resized @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(resized, 0, 1).astype(np.float32)


def procedural(kind: str, rng: random.Random, rows: int, cols: int, frames: int, colour: bool) -> Background:
    """A CT-, MR-, ultrasound- or X-ray-like series; anatomy moves a little between frames."""
    noise = np.random.default_rng(rng.randrange(1 << 30))
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    blobs = [(rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), rng.uniform(0.03, 0.12), rng.uniform(-0.3, 0.4))
             for _ in range(10)]
    series = []
    for t in range(frames):
        dx, dy = 1.5 * t * cols / 512, 0.8 * t * rows / 512
        if kind == "us":
            image = _ultrasound(x, y, rows, cols, noise, t)
        else:
            cy, cx = rows / 2 + dy, cols / 2 + dx
            ry, rx = rows * rng.uniform(0.33, 0.45), cols * rng.uniform(0.3, 0.42)
            body = (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2) < 1
            level = {"ct": 0.42, "mr": 0.35, "xr": 0.55}.get(kind, 0.4)
            image = np.where(body, level, 0.02 if kind != "xr" else 0.08).astype(np.float32)
            for by, bx, r, amp in blobs:
                rr = (r * min(rows, cols)) ** 2
                image += amp * np.exp(-((x - bx * cols - dx) ** 2 + (y - by * rows - dy) ** 2) / (2 * rr)) * body
            if kind == "ct":  # a bright bony ring
                ring = np.abs(np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2) - 0.93) < 0.025
                image[ring] = 0.9
            texture = cv2.GaussianBlur(noise.normal(0, 1, (rows, cols)).astype(np.float32), (0, 0), 2.0)
            image += (0.05 if kind == "mr" else 0.03) * texture * body
            image += noise.normal(0, 0.012, image.shape).astype(np.float32)
            image = cv2.GaussianBlur(image, (0, 0), 0.8)
        series.append(_fit(np.clip(image, 0, 1).astype(np.float32), rows, cols, colour, rng))
    return Background(tuple(series), f"procedural-{kind}", {"ct": "CT", "mr": "MR", "us": "US", "xr": "CR"}[kind])


def _ultrasound(x: np.ndarray, y: np.ndarray, rows: int, cols: int, noise: np.random.Generator,
                t: int) -> np.ndarray:
    apex_x, apex_y = cols / 2, rows * 0.08
    angle = np.arctan2(x - apex_x, y - apex_y)
    radius = np.hypot(x - apex_x, y - apex_y)
    sector = (np.abs(angle) < 0.6) & (radius < rows * 0.85) & (radius > rows * 0.04)
    speckle = noise.rayleigh(0.25, (rows, cols)).astype(np.float32)
    speckle = cv2.GaussianBlur(speckle, (0, 0), 1.2)
    depth = np.exp(-radius / (rows * 0.9))
    cyst = np.hypot(x - cols * 0.45 - t * 2, y - rows * 0.5) < rows * 0.08
    image = np.where(sector, speckle * depth * 1.6, 0.0)
    image[cyst & sector] *= 0.15
    return np.clip(image, 0, 1).astype(np.float32)
