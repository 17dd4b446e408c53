"""Synthetic DICOM-like frames with burned-in text at known places.

Text is drawn with real TrueType fonts into a separate ink layer, so a test knows every
pixel of every string: a PHI string counts as masked only when its ink is covered, and an
allowlisted annotation counts as kept only when its ink is untouched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pixelsvc.types import Frame, PhiContext

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/freefont"),
)
FONT_NAMES = ("DejaVuSans.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf", "LiberationSans-Regular.ttf",
              "LiberationMono-Regular.ttf", "FreeSans.ttf")


def find_fonts() -> list[Path]:
    """The TrueType fonts available here (system fonts, then matplotlib's bundled DejaVu)."""
    fonts = [d / name for d in FONT_DIRS for name in FONT_NAMES if (d / name).is_file()]
    if not fonts:
        try:
            import matplotlib

            mpl = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
            fonts = [mpl / n for n in ("DejaVuSans.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf")
                     if (mpl / n).is_file()]
        except ImportError:
            pass
    return fonts


@dataclass(frozen=True)
class DrawnText:
    """One string drawn on a synthetic frame."""

    text: str
    kind: str  # "phi" or "safe"
    ink: np.ndarray = field(repr=False)  # bool (rows, cols): the pixels this string touched
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the ink


@dataclass(frozen=True)
class SynthFrame:
    frame: Frame
    texts: list[DrawnText]
    context: PhiContext
    background: np.ndarray = field(repr=False)  # the frame before any text was drawn


FIRST = ["JOHN", "MARY", "PETER", "ANNA", "LUCAS", "SOFIA", "OMAR", "GRETA", "IVAN", "CHLOE", "DIEGO", "HANNA"]
LAST = ["DOE", "SMITH", "KOWALSKI", "NGUYEN", "MUELLER", "OKAFOR", "ROSSI", "TANAKA", "BERGSTROM", "DUBOIS"]
SAFE_TEXTS = ["L", "R", "kVp 120", "mA 200", "W 400 L 40", "Se: 3", "Im: 12", "5 cm", "AX T2", "3.0 mm",
              "WW 1500 WL 300", "HEAD", "CHEST", "120 kV"]


def _random_date(rng: random.Random) -> tuple[str, str]:
    """(DA value, an on-screen layout of it)."""
    y, m, d = rng.randint(1930, 2024), rng.randint(1, 12), rng.randint(1, 28)
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    layouts = [f"{m:02d}/{d:02d}/{y}", f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{d}-{months[m - 1]}-{y}",
               f"{y}{m:02d}{d:02d}", f"{months[m - 1].title()} {d}, {y}"]
    return f"{y}{m:02d}{d:02d}", rng.choice(layouts)


def _phi_strings(rng: random.Random) -> tuple[list[str], PhiContext]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    birth_da, birth_text = _random_date(rng)
    study_da, study_text = _random_date(rng)
    pid = "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 10)))
    acc = "A" + "".join(rng.choice("0123456789") for _ in range(8))
    name_text = rng.choice(
        [f"{last}^{first}", f"{last}, {first}", f"{first.title()} {last.title()}", f"{last} {first}"])
    texts = [name_text, f"DOB: {birth_text}", f"ID: {pid}", study_text, f"Acc: {acc}"]
    context = PhiContext(names=(f"{last}^{first}",), ids=(pid, acc), dates=(birth_da, study_da))
    return texts, context


def _background(rng: random.Random, rows: int, cols: int, lo: float, hi: float) -> np.ndarray:
    """A smooth anatomy-like image: a bright ellipse with blobs and noise on a dark field."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    cy, cx = rows / 2, cols / 2
    body = ((x - cx) / (cols * 0.38)) ** 2 + ((y - cy) / (rows * 0.42)) ** 2 < 1.0
    img = np.where(body, 0.45, 0.02).astype(np.float32)
    for _ in range(8):
        by, bx, r = rng.uniform(0.3, 0.7) * rows, rng.uniform(0.3, 0.7) * cols, rng.uniform(0.03, 0.12) * rows
        img += 0.3 * np.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * r * r)) * body
    img += np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 0.02, img.shape).astype(np.float32)
    img = np.clip(img, 0, 1)
    return lo + img * (hi - lo)


def make_frame(seed: int, rows: int = 512, cols: int = 512, *, bits: int = 16, signed: bool = False,
               photometric: str = "MONOCHROME2", text_value: str = "max", sizes: tuple[int, int] = (8, 20),
               fonts: list[Path] | None = None) -> SynthFrame:
    """A frame with PHI strings and allowlisted annotations at corners, edges and mid-image.

    Args:
        text_value: "max" draws text at the top of the stored range, "min" at the bottom
            (dark text: a light panel is drawn under it, as consoles do), "tissue" at a mid value.
    """
    rng = random.Random(seed)
    fonts = fonts or find_fonts()
    if not fonts:
        raise RuntimeError("no TrueType font found: install fonts-dejavu-core or matplotlib")
    if signed:
        lo_repr, hi_repr = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo_repr, hi_repr = 0, (1 << bits) - 1
    # anatomy uses part of the range, like CT numbers in a 16-bit container
    span = hi_repr - lo_repr
    tissue_lo, tissue_hi = lo_repr + span * 0.05, lo_repr + span * rng.uniform(0.25, 0.6)
    background = _background(rng, rows, cols, tissue_lo, tissue_hi)
    if photometric == "RGB":
        tint = np.array([1.0, rng.uniform(0.8, 1.0), rng.uniform(0.7, 1.0)], dtype=np.float32)
        background = background[:, :, None] * tint
    phi, context = _phi_strings(rng)
    safe = rng.sample(SAFE_TEXTS, 4)
    items = [(t, "phi") for t in phi] + [(t, "safe") for t in safe]
    occupied = np.zeros((rows, cols), dtype=bool)
    pixels = background.copy()
    texts: list[DrawnText] = []
    anchors = ["tl", "tr", "bl", "br", "mid", "top", "bottom", "left", "right"]
    for text, kind in items:
        for _attempt in range(60):
            size = rng.randint(*sizes)
            font = ImageFont.truetype(str(rng.choice(fonts)), size)
            left, top, right, bottom = font.getbbox(text)
            w, h = right - left + 2, bottom - top + 2
            if w >= cols - 8 or h >= rows - 8:
                continue
            x, y = _place(rng, rng.choice(anchors), w, h, rows, cols)
            pad = 3
            region = occupied[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad]
            if region.any():
                continue
            layer = Image.new("L", (cols, rows), 0)
            ImageDraw.Draw(layer).text((x - left + 1, y - top + 1), text, fill=255, font=font)
            alpha = np.asarray(layer, dtype=np.float32) / 255.0
            ink = alpha > 0.25
            if not ink.any():
                continue
            occupied[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad] = True
            value = {"max": hi_repr, "min": lo_repr, "tissue": (tissue_lo + tissue_hi) / 2}[text_value]
            if text_value == "min":  # dark text on a light console panel
                panel = np.zeros_like(ink)
                panel[y:y + h, x:x + w] = True
                pixels[panel] = hi_repr * 0.9 + lo_repr * 0.1
            a = alpha if pixels.ndim == 2 else alpha[:, :, None]
            pixels = pixels * (1 - a) + value * a
            ys, xs = np.nonzero(ink)
            texts.append(DrawnText(text, kind, ink, (int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                                                      int(ys.max()) + 1)))
            break
    dtype = _dtype(bits, signed)
    stored = np.clip(np.rint(pixels), lo_repr, hi_repr).astype(dtype)
    frame = Frame(("synth", seed), stored, photometric, bits)
    return SynthFrame(frame, texts, context, np.clip(np.rint(background), lo_repr, hi_repr).astype(dtype))


def _place(rng: random.Random, anchor: str, w: int, h: int, rows: int, cols: int) -> tuple[int, int]:
    m = rng.randint(2, 12)
    xs = {"l": m, "r": cols - w - m, "c": rng.randint(m, max(m, cols - w - m))}
    ys = {"t": m, "b": rows - h - m, "c": rng.randint(m, max(m, rows - h - m))}
    key = {"tl": "lt", "tr": "rt", "bl": "lb", "br": "rb", "mid": "cc", "top": "ct", "bottom": "cb",
           "left": "lc", "right": "rc"}[anchor]
    return xs[key[0]], ys[key[1]]


def _dtype(bits: int, signed: bool) -> np.dtype:
    if bits <= 8:
        return np.dtype(np.int8 if signed else np.uint8)
    return np.dtype(np.int16 if signed else np.uint16)
