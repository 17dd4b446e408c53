"""One generated case: a background series, a patient, text groups placed and drawn, ground truth per string.

Every axis is drawn on its own from the case's seeded generator: frame size and count,
pixel format and encoding, background, and per group font, glyph height, anti-aliasing,
rotation, polarity, intensity (stored extreme, mid-tissue, faint), opacity and what lies
under the text (air, texture, a saturated region, a console panel).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

from pixelsvc.synth.backgrounds import (
    PROCEDURAL_KINDS,
    Background,
    BackgroundSource,
    from_real,
    pick_source,
    procedural,
)
from pixelsvc.synth.dicom import PixelFormat, random_format
from pixelsvc.synth.draw import INK_ALPHA, Canvas, Style, blend, render_group
from pixelsvc.synth.fonts import FontChoice
from pixelsvc.synth.layout import Group, Item, make_groups
from pixelsvc.synth.truth import GLYPH_BUCKETS, TruthString, contrast_bucket
from pixelsvc.synth.values import Patient, make_patient, phi_strings, time_text

__all__ = ["Case", "CaseSpec", "make_case"]

MIN_CONTRAST = 0.1
"""Least ink-to-background difference (display range, after opacity) of any string: faint but legible."""
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_LIGHT_COLOURS = ((1.0, 1.0, 1.0), (1.0, 1.0, 0.2), (0.3, 1.0, 0.3), (0.3, 1.0, 1.0), (1.0, 0.65, 0.1))
_DARK_COLOURS = ((0.0, 0.0, 0.0), (0.05, 0.05, 0.35), (0.3, 0.0, 0.0))


VISIBLE_CHANGE = 0.5 / 255
"""Least change of a pixel (display range, any channel) for it to count as the string's ink: half
an 8-bit display level. Glyph pixels the text did not visibly change (white ink over saturated
white anatomy) show nothing and can leak nothing, so the scorer does not ask for them masked."""


def _visible(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Where drawing changed a frame region by at least `VISIBLE_CHANGE`."""
    change = np.abs(after - before)
    return (change.max(axis=2) if change.ndim == 3 else change) >= VISIBLE_CHANGE


@dataclass(frozen=True, slots=True)
class CaseSpec:
    """Knobs of the case sampler (the demo uses its own)."""

    sizes: tuple[int, ...] = (256, 256, 384, 512, 512, 512, 640, 768, 1024, 1024, 1536, 2048, 3000)
    frame_counts: tuple[int, ...] = (1, 1, 1, 1, 1, 1, 2, 3, 4, 8)
    colour_share: float = 0.25
    real_share: float = 0.6
    max_groups: tuple[int, int] = (3, 7)


@dataclass(slots=True)
class Case:
    """A drawn series in display space with its truth (frames share one format and header)."""

    frames: list[np.ndarray]
    labels: list[np.ndarray]
    strings: list[TruthString]
    fmt: PixelFormat
    patient: Patient
    background: Background


def make_case(rng: random.Random, split: str, fonts: tuple[FontChoice, ...], sources: list[BackgroundSource],
              spec: CaseSpec | None = None, *, fmt: PixelFormat | None = None, kind: str | None = None) -> Case:
    """Draw one case. `fmt`/`kind` pin the pixel format and a procedural background kind (the demo)."""
    spec = spec or CaseSpec()
    long_side = rng.choice(spec.sizes)
    aspect = rng.choice([1.0, 1.0, 0.75, 1.333, 0.8])
    rows, cols = (long_side, max(256, round(long_side * aspect))) if aspect <= 1 else (
        max(256, round(long_side / aspect)), long_side)
    frames = rng.choice(spec.frame_counts)
    if long_side > 1024:  # large frames are radiographs: one or two per file (keeps the CPU run short)
        frames = min(frames, 2)
    colour = fmt.colour if fmt else rng.random() < spec.colour_share
    fmt = fmt or random_format(rng, colour)
    if kind is None and sources and rng.random() < spec.real_share:
        background = from_real(pick_source(sources, rng), rng, rows, cols, frames, colour)
    else:
        kind = kind or rng.choice(("us", "us") if colour else PROCEDURAL_KINDS)
        background = procedural(kind, rng, rows, cols, frames, colour)
    patient = make_patient(rng, split)
    groups = make_groups(rng, phi_strings(rng, patient), max_groups=rng.randint(*spec.max_groups))
    if frames > 1 and rng.random() < 0.6:  # a running clock, redrawn in every frame
        groups.append(Group("single", ((Item(time_text(rng, patient.study_time), "TIME", changing=True),),),
                            rng.choice(("tr", "br", "top", "bottom"))))
    painter = _Painter(rng, background, fonts)
    for group in groups:
        painter.place(group, patient)
    return painter.finish(fmt, patient)


class _Painter:
    """Places groups without overlap, then draws every frame and measures each string."""

    def __init__(self, rng: random.Random, background: Background, fonts: tuple[FontChoice, ...]) -> None:
        self.rng = rng
        self.background = background
        self.fonts = fonts
        self.base = [f.copy() for f in background.frames]  # background + panels/saturated patches (not text)
        self.rows, self.cols = self.base[0].shape[:2]
        self.occupied = np.zeros((self.rows, self.cols), bool)
        self.placed: list[tuple[Group, Style, list[Canvas], int, int, tuple, float, str, int]] = []

    def _style(self, group: Group) -> Style:
        rng = self.rng
        lo, hi = rng.choice(GLYPH_BUCKETS)
        if group.kind == "block":
            lo, hi = rng.choice(((6, 8), (8, 12), (8, 12), (12, 20), (20, 30)))
        cap = rng.randrange(lo, hi)
        rotation = 0.0
        if group.kind != "block" or rng.random() < 0.3:
            r = rng.random()
            if r < 0.15:
                rotation = rng.choice((-1, 1)) * rng.uniform(1.5, 5.0)
            elif r < 0.27 and group.kind != "block":
                rotation = rng.choice((90.0, -90.0))
        pitch = max(cap + 3, round(cap * rng.uniform(1.3, 1.75)))
        if group.kind == "block" and rng.random() < 0.5:  # a console's dense header block: 12-16 px line pitch
            cap = rng.randrange(7, 12)
            pitch = rng.randint(max(12, cap + 3), 16)
        return Style(rng.choice(self.fonts), cap, rng.random() < 0.7, rotation, pitch,
                     align_right=group.anchor in ("tr", "br", "right"))

    def place(self, group: Group, patient: Patient) -> None:
        rng = self.rng
        style = self._style(group)
        for _ in range(5):
            canvases = self._canvases(group, style, patient)
            h = max(c.alpha.shape[0] for c in canvases)
            w = max(c.alpha.shape[1] for c in canvases)
            if h < self.rows - 8 and w < self.cols - 8:
                break
            style = replace(style, cap_height=max(5, style.cap_height * 2 // 3),
                            pitch=max(style.cap_height * 2 // 3 + 3, style.pitch * 2 // 3))
        else:
            return
        for attempt in range(40):
            anchor = group.anchor if attempt < 10 else rng.choice(("tl", "tr", "bl", "br", "top", "bottom", "left",
                                                                   "right", "mid"))
            x, y = self._position(anchor, w, h)
            pad = 4
            box = (max(0, y - pad), min(self.rows, y + h + pad), max(0, x - pad), min(self.cols, x + w + pad))
            if not self.occupied[box[0]:box[1], box[2]:box[3]].any():
                break
        else:
            return
        self.occupied[box[0]:box[1], box[2]:box[3]] = True
        light = rng.random() < 0.7
        colour, opacity, region = self._ink(light, x, y, w, h)
        first_frame = rng.randrange(1, len(self.base)) if (len(self.base) > 2 and group.kind == "single"
                                                           and rng.random() < 0.2) else 0
        self.placed.append((group, style, canvases, x, y, colour, opacity, region, first_frame))

    def _canvases(self, group: Group, style: Style, patient: Patient) -> list[Canvas]:
        if not any(item.changing for line in group.lines for item in line):
            return [render_group(group, style)]
        hh, mm, ss = patient.study_time
        out = []
        for t in range(len(self.base)):
            seconds = hh * 3600 + mm * 60 + ss + t
            clock = (seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
            text = f"{clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}"
            out.append(render_group(Group(group.kind, ((Item(text, "TIME", changing=True),),), group.anchor), style))
        return out

    def _position(self, anchor: str, w: int, h: int) -> tuple[int, int]:
        rng = self.rng
        m = rng.randint(2, max(3, min(self.rows, self.cols) // 40))
        xs = {"l": m, "r": self.cols - w - m, "c": rng.randint(m, max(m, self.cols - w - m))}
        ys = {"t": m, "b": self.rows - h - m, "c": rng.randint(m, max(m, self.rows - h - m))}
        if anchor == "mid":
            lo_x, lo_y = max(m, self.cols // 5), max(m, self.rows // 5)
            xs["c"] = rng.randint(lo_x, max(lo_x, self.cols * 4 // 5 - w))
            ys["c"] = rng.randint(lo_y, max(lo_y, self.rows * 4 // 5 - h))
        key = {"tl": "lt", "tr": "rt", "bl": "lb", "br": "rb", "mid": "cc", "top": "ct", "bottom": "cb",
               "left": "lc", "right": "rc"}[anchor]
        return (max(0, min(xs[key[0]], self.cols - w)), max(0, min(ys[key[1]], self.rows - h)))

    def _ink(self, light: bool, x: int, y: int, w: int, h: int) -> tuple[tuple, float, str]:
        """Colour and opacity of the text; may put a panel or a saturated patch under it."""
        rng = self.rng
        region = "natural"
        if not light:
            region = rng.choice(("panel", "saturated", "natural"))
            if region == "saturated" and w * h > 0.06 * self.rows * self.cols:  # keep most of the anatomy visible
                region = "panel"
            if region == "panel":
                level = rng.uniform(0.7, 0.95)
                p = rng.randint(1, 4)
                for f in self.base:
                    f[max(0, y - p):y + h + p, max(0, x - p):x + w + p] = level
            elif region == "saturated":
                yy, xx = np.mgrid[0:self.rows, 0:self.cols]
                cy, cx = y + h / 2 + rng.uniform(-h, h) / 4, x + w / 2 + rng.uniform(-w, w) / 4
                ry, rx = h * rng.uniform(0.9, 1.8) + 6, w * rng.uniform(0.6, 1.0) + 6
                patch = np.clip(1.4 - np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2), 0, 1)
                for f in self.base:
                    boost = np.minimum(1.0, patch * 2.5)
                    if f.ndim == 3:
                        boost = boost[..., None]
                    f[...] = np.maximum(f, boost)
        mode = rng.choices(("extreme", "mid", "faint"), weights=(5, 3, 2))[0]
        opacity = rng.uniform(0.3, 0.95) if rng.random() < 0.25 else 1.0
        under = self._luma(self.base[0][y:y + h, x:x + w])
        bg = float(np.median(under)) if under.size else 0.5
        if mode == "extreme":
            level = 1.0 if light else 0.0
        elif mode == "mid":
            level = rng.uniform(0.45, 0.8) if light else rng.uniform(0.15, 0.4)
        else:
            level = min(1.0, bg + rng.uniform(0.08, 0.25)) if light else max(0.0, bg - rng.uniform(0.08, 0.25))
        if opacity * abs(level - bg) < MIN_CONTRAST:  # readable by a person: push the ink away from the background
            opacity = 1.0
            if abs(level - bg) < MIN_CONTRAST:
                level = min(1.0, bg + MIN_CONTRAST) if (light and bg + MIN_CONTRAST <= 1.0) or bg < MIN_CONTRAST \
                    else max(0.0, bg - MIN_CONTRAST)
        if self.base[0].ndim == 3 and mode == "extreme":
            colour = rng.choice(_LIGHT_COLOURS if light else _DARK_COLOURS)
        else:
            colour = (level, level, level)
        return colour, opacity, region

    @staticmethod
    def _luma(image: np.ndarray) -> np.ndarray:
        return image @ _LUMA if image.ndim == 3 else image

    def finish(self, fmt: PixelFormat, patient: Patient) -> Case:
        frames = [f.copy() for f in self.base]
        labels = [np.zeros((self.rows, self.cols), np.uint16) for _ in frames]
        strings: list[TruthString] = []
        for group, style, canvases, x, y, colour, opacity, region, first_frame in self.placed:
            for t, frame in enumerate(frames):
                if t < first_frame:
                    continue
                canvas = canvases[t] if len(canvases) > 1 else canvases[0]
                h, w = canvas.alpha.shape
                before = frame[y:y + h, x:x + w].copy()
                blend(frame, canvas, x, y, colour, opacity)
                visible = _visible(before, frame[y:y + h, x:x + w])
                base = self._luma(self.base[t])
                for index, item in enumerate(canvas.items):
                    ink_local = (canvas.alpha >= INK_ALPHA) & (canvas.owner == index)
                    seen_ys, seen_xs = np.nonzero(ink_local & visible)
                    if not seen_ys.size:
                        continue
                    ys, xs = np.nonzero(ink_local)
                    ys, xs = ys + y, xs + x
                    sid = len(strings)
                    labels[t][seen_ys + y, seen_xs + x] = sid + 1
                    under = base[ys, xs]
                    ink_level = float(np.dot(colour, _LUMA)) if isinstance(colour, tuple) else float(colour)
                    bg_level = float(np.median(under))
                    contrast = float(opacity * abs(ink_level - bg_level))
                    polarity = "light-on-dark" if ink_level >= bg_level else "dark-on-light"  # as measured
                    strings.append(TruthString(
                        id=sid, frame=t, box=(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1),
                        category=item.category, glyph_px=style.cap_height, contrast=contrast_bucket(contrast),
                        contrast_value=round(contrast, 3), opacity=round(opacity, 2), polarity=polarity,
                        rotation=round(style.rotation, 1), font=style.font.name, font_style=style.font.style,
                        antialias=style.antialias, region=_region(region, under),
                        layout=group.kind, anchor=group.anchor, changing=item.changing,
                        ink_pixels=int(seen_ys.size),
                        text=item.text if not item.bar else "<scale bar>"))
        return Case(frames, labels, strings, fmt, patient, self.background)


def _region(drawn: str, under: np.ndarray) -> str:
    if drawn == "panel":
        return "panel"
    if under.size and float(np.mean(under >= 0.97)) >= 0.5:
        return "saturated"
    if under.size and float(np.median(under)) < 0.08 and float(np.std(under)) < 0.05:
        return "air"
    return "texture"
