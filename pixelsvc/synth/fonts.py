"""Fonts to draw synthetic burned-in text with: every usable system font, by family and style.

Scanners burn text in with all kinds of typefaces (sans, serif, mono, condensed, bold,
pixel fonts). Some families are held out of the dev split so that the test split has
typefaces the engine was never tuned on. Without any system font, Pillow's built-in
font is used, so the package works anywhere.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["FontChoice", "available_fonts", "fonts_for_split", "load_font"]

FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_SUFFIXES = (".ttf", ".otf", ".otb")
# symbol, dingbat and script faces cannot write a date or a name
_EXCLUDED = ("MathTeX", "Symbol", "D050000L", "Z003", "Dingbat", "Emoji")
# families only the test split draws with (held out of dev): serif, mono, condensed, bold and a pixel font
TEST_ONLY_FAMILIES = frozenset({"Caladea", "Go", "URWBookman", "Cousine", "OpenSans-Cond", "terminus-bold",
                                "NimbusSansNarrow", "Inconsolata"})
BITMAP_SIZES = (12, 14, 16, 20, 24, 28, 32)  # the strikes fonts-terminus-otb ships


@dataclass(frozen=True, slots=True)
class FontChoice:
    """One font file (or Pillow's built-in font when `path` is None)."""

    name: str
    """File name without suffix, e.g. 'DejaVuSansCondensed-Bold' (safe to report)."""
    path: Path | None
    family: str
    style: str
    """'sans', 'serif', 'mono', 'condensed', 'bold' or 'bitmap' (the most specific one)."""

    @property
    def bitmap(self) -> bool:
        return self.style == "bitmap"


def _family(stem: str) -> str:
    if stem.startswith("OpenSans-Cond"):
        return "OpenSans-Cond"
    if stem.startswith("terminus"):
        return "terminus-bold" if "bold" in stem else "terminus"
    for prefix in ("DejaVuSansMono", "DejaVuSansCondensed", "DejaVuSerifCondensed", "DejaVuSerif", "DejaVuSans",
                   "LiberationSansNarrow", "LiberationSans", "LiberationSerif", "LiberationMono", "NimbusSansNarrow",
                   "NimbusSans", "NimbusRoman", "NimbusMonoPS", "FreeSans", "FreeSerif", "FreeMono", "Go-Mono", "Go"):
        if stem.startswith(prefix):
            return prefix
    return stem.split("-")[0]


def _style(stem: str, suffix: str) -> str:
    low = stem.lower()
    if suffix == ".otb":
        return "bitmap"
    if any(k in low for k in ("condensed", "narrow", "cond")):
        return "condensed"
    if any(k in low for k in ("mono", "cousine", "hack", "inconsolata")):
        return "mono"
    if any(k in low for k in ("bold", "demi", "black")):
        return "bold"
    if any(k in low for k in ("serif", "tinos", "roman", "c059", "p052", "caladea", "bookman")):
        return "serif"
    return "sans"


@functools.cache
def available_fonts() -> tuple[FontChoice, ...]:
    """Every usable font under the system font folders, sorted by name (deterministic)."""
    found: dict[str, FontChoice] = {}
    for root in FONT_ROOTS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in _SUFFIXES or any(x in path.name for x in _EXCLUDED):
                continue
            stem = path.stem
            if stem in found:  # the same face in two packages (liberation and liberation2)
                continue
            try:
                load_font_file(path, 16 if path.suffix == ".otb" else 20)
            except OSError:
                continue
            found[stem] = FontChoice(stem, path, _family(stem), _style(stem, path.suffix.lower()))
    return tuple(found[k] for k in sorted(found))


def fonts_for_split(split: str) -> tuple[FontChoice, ...]:
    """The fonts a split draws with: dev leaves out `TEST_ONLY_FAMILIES`; test uses all."""
    fonts = available_fonts()
    if split != "test":
        fonts = tuple(f for f in fonts if f.family not in TEST_ONLY_FAMILIES)
    return fonts or (FontChoice("pillow-default", None, "pillow", "sans"),)


def load_font_file(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return _cached_font(str(path), int(size))


@functools.lru_cache(maxsize=512)
def _cached_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=256)
def _cap_ratio(path: str | None) -> float:
    """Cap height of 'H' per pixel of font size (measured once per font)."""
    size = 16 if path is not None and path.endswith(".otb") else 100
    font = _default(size) if path is None else _cached_font(path, size)
    image = Image.new("L", (size * 3, size * 3), 0)
    ImageDraw.Draw(image).text((size, size), "H", fill=255, font=font)
    rows = np.nonzero(np.asarray(image).max(axis=1) > 127)[0]
    return max(0.2, (rows[-1] - rows[0] + 1) / size) if rows.size else 0.7


@functools.lru_cache(maxsize=64)
def _default(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def load_font(choice: FontChoice, cap_height: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, int]:
    """A font whose capitals are about `cap_height` px high, and the integer upscale to apply after drawing.

    A bitmap font has fixed strikes: the strike nearest the wanted height is drawn and
    then enlarged by whole pixels (as consoles do with pixel fonts), so the scale is > 1
    only for bitmap fonts.
    """
    if choice.path is None:
        return _default(max(4, round(cap_height / _cap_ratio(None)))), 1
    if choice.bitmap:
        ratio = _cap_ratio(str(choice.path))
        best = (1e9, BITMAP_SIZES[0], 1)
        for size in BITMAP_SIZES:
            for scale in (1, 2, 3, 4):
                error = abs(size * ratio * scale - cap_height)
                if error < best[0]:
                    best = (error, size, scale)
        return _cached_font(str(choice.path), best[1]), best[2]
    size = max(4, round(cap_height / _cap_ratio(str(choice.path))))
    return _cached_font(str(choice.path), size), 1

