"""Ink layers: a group of text lines rendered once into an alpha canvas, rotated, and blended into a frame.

Everything here works in display space (floats in [0, 1], 0 shows black), grey (H, W)
or colour (H, W, 3); `dicom.py` maps display values to stored values afterwards. Each
pixel of the canvas records which string owns it, so every string has its own ink mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from pixelsvc.synth.fonts import FontChoice, load_font
from pixelsvc.synth.layout import Group, Item

__all__ = ["INK_ALPHA", "Canvas", "Style", "blend", "render_group"]

INK_ALPHA = 0.25
"""A canvas pixel with at least this coverage is ink of its string."""


@dataclass(frozen=True, slots=True)
class Style:
    """How one group is drawn."""

    font: FontChoice
    cap_height: int
    """Glyph height in px: the height of a capital letter's ink."""
    antialias: bool
    rotation: float
    """Degrees counter-clockwise: 0, small tilts within ±5, or ±90."""
    pitch: int
    """Distance between the baselines of consecutive lines, px."""
    align_right: bool = False


@dataclass(frozen=True, slots=True)
class Canvas:
    """A rendered group: coverage in [0, 1] and, per pixel, the index of the item that owns it (-1: none)."""

    alpha: np.ndarray
    owner: np.ndarray
    items: tuple[Item, ...]


def _draw_item(item: Item, style: Style, height: int, baseline: int) -> np.ndarray:
    """One item's coverage on a strip `height` px high, as floats; width fits the text."""
    font, scale = load_font(style.font, style.cap_height)
    if item.bar:
        length = item.bar
        strip = np.zeros((height, length + 2), np.float32)
        thick = max(1, style.cap_height // 8)
        y = baseline - 1
        strip[max(0, y - thick + 1):y + 1, 1:length + 1] = 1.0
        for k in range(0, length + 1, max(4, length // 5)):
            strip[max(0, y - max(2, style.cap_height // 2)):y + 1, 1 + k:1 + k + thick] = 1.0
        return strip
    left, _top, right, _bottom = font.getbbox(item.text, anchor="ls")
    native_h = -(-height // scale)
    width = max(1, right - min(0, left) + 2)
    image = Image.new("L", (width, native_h + 2), 0)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "L" if style.antialias and not style.font.bitmap else "1"
    draw.text((1 - min(0, left), -(-baseline // scale)), item.text, fill=255, font=font, anchor="ls")
    coverage = np.asarray(image, dtype=np.float32) / 255.0
    if scale > 1:
        coverage = np.repeat(np.repeat(coverage, scale, axis=0), scale, axis=1)
    return coverage[:height]


def render_group(group: Group, style: Style) -> Canvas:
    """Render a group's lines (items side by side, lines `pitch` apart), then rotate it."""
    font, scale = load_font(style.font, style.cap_height)
    ascent, descent = (v * scale for v in font.getmetrics()) if hasattr(font, "getmetrics") else (
        style.cap_height * 1.3, style.cap_height * 0.4)
    line_h = int(ascent + descent) + 2
    baseline = int(ascent) + 1
    space = max(2, round(style.cap_height * 0.45))
    items: list[Item] = []
    strips: list[list[tuple[int, np.ndarray]]] = []
    for line in group.lines:
        row: list[tuple[int, np.ndarray]] = []
        for item in line:
            row.append((len(items), _draw_item(item, style, line_h, baseline)))
            items.append(item)
        strips.append(row)
    widths = [sum(s.shape[1] for _, s in row) + space * (len(row) - 1) for row in strips]
    width = max(widths)
    pitch = max(style.pitch, 1)
    height = pitch * (len(strips) - 1) + line_h
    alpha = np.zeros((height, width), np.float32)
    owner = np.full((height, width), -1, np.int16)
    for number, row in enumerate(strips):
        x = width - widths[number] if style.align_right else 0
        y = number * pitch
        for index, strip in row:
            h, w = strip.shape
            region = alpha[y:y + h, x:x + w]
            take = strip > region
            region[take] = strip[take]
            owner[y:y + h, x:x + w][take & (strip > 0)] = index
            x += w + space
    alpha, owner = _rotate(alpha, owner, style)
    rows = np.nonzero(alpha.max(axis=1) > 0)[0]
    cols = np.nonzero(alpha.max(axis=0) > 0)[0]
    if rows.size:
        sl = (slice(max(0, rows[0] - 1), rows[-1] + 2), slice(max(0, cols[0] - 1), cols[-1] + 2))
        alpha, owner = alpha[sl], owner[sl]
    return Canvas(alpha, owner, tuple(items))


def _rotate(alpha: np.ndarray, owner: np.ndarray, style: Style) -> tuple[np.ndarray, np.ndarray]:
    angle = style.rotation
    if angle == 0:
        return alpha, owner
    if abs(abs(angle) - 90) < 1e-6:
        k = 1 if angle > 0 else 3
        return np.ascontiguousarray(np.rot90(alpha, k)), np.ascontiguousarray(np.rot90(owner, k))
    resample = Image.Resampling.BILINEAR if style.antialias else Image.Resampling.NEAREST
    a = Image.fromarray(alpha, mode="F").rotate(angle, resample=resample, expand=True)
    o = Image.fromarray(owner.astype(np.int32) + 1, mode="I").rotate(angle, resample=Image.Resampling.NEAREST,
                                                                     expand=True)
    alpha_r = np.clip(np.asarray(a, np.float32), 0, 1)
    owner_r = np.asarray(o, np.int32).astype(np.int16) - 1
    owner_r[alpha_r <= 0] = -1
    # nearest-neighbour owners can miss the edge of a bilinear stroke: give such pixels their neighbour's owner
    missing = (alpha_r > 0) & (owner_r < 0)
    if missing.any():
        grown = cv2.dilate((owner_r + 1).astype(np.uint16), np.ones((3, 3), np.uint8)).astype(np.int16) - 1
        owner_r[missing] = grown[missing]
        alpha_r[owner_r < 0] = 0
    return alpha_r, owner_r


def blend(frame: np.ndarray, canvas: Canvas, x: int, y: int, colour: float | tuple[float, float, float],
          opacity: float) -> None:
    """Blend the canvas into `frame` (display space) in place at (x, y)."""
    h, w = canvas.alpha.shape
    a = canvas.alpha * opacity
    target = frame[y:y + h, x:x + w]
    if frame.ndim == 3:
        c = np.asarray(colour if isinstance(colour, tuple) else (colour,) * 3, np.float32)
        target[...] = target * (1 - a[..., None]) + c * a[..., None]
    else:
        value = float(colour if not isinstance(colour, tuple) else np.mean(colour))
        target[...] = target * (1 - a) + value * a
