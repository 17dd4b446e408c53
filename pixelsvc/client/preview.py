"""The reviewer's preview: one frame before and after masking, with every text region outlined.

A reviewer decides whether a frame was de-identified by looking at it, so the preview puts
the original frame (left) beside the masked frame (right), both shown with the same
display window, so a mask reads as a black rectangle and nothing else changes. Every
classified region gets an outline in its label's colour on both panels (drawn just
outside the box, so glyphs on the left stay fully visible), masked rectangles get a
white outline on the right, a header line gives the counts and a legend at the bottom
names the labels present.

Privacy: only labels, counts and the frame index are drawn, never the recognised text.
The left panel is the original frame, so the preview image itself contains PHI; it is
written with owner-only permissions (see `write_png`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from pixelsvc.config import RenderConfig
from pixelsvc.errors import ConfigError, InvalidFrameError, PixelsvcError
from pixelsvc.files import write_atomic
from pixelsvc.render import FrameRenderer
from pixelsvc.types import Frame, FrameResult, Label, TextBox

__all__ = [
    "HEADER_HEIGHT",
    "LABEL_COLOURS",
    "MASK_COLOUR",
    "OUTLINE_WIDTH",
    "PANEL_GAP",
    "PreviewError",
    "display_image",
    "draw_outline",
    "preview_image",
    "scale_box",
    "write_png",
]

Colour = tuple[int, int, int]

LABEL_COLOURS: dict[Label, Colour] = {
    Label.NAME: (255, 0, 0),  # red
    Label.ID: (255, 0, 255),  # magenta
    Label.DATE: (255, 140, 0),  # orange
    Label.TIME: (255, 200, 120),  # apricot
    Label.AGE: (255, 120, 180),  # pink
    Label.INSTITUTION: (165, 80, 30),  # brown
    Label.CONTACT: (200, 0, 90),  # crimson
    Label.PHI_OTHER: (255, 90, 90),  # coral
    Label.SAFE: (0, 200, 0),  # green
    Label.UNKNOWN: (255, 255, 0),  # yellow
}
"""RGB outline colour per label: warm colours for PHI, green for allowlisted text, yellow for
unknown text. None is grey, so no outline can be mistaken for pixels of a monochrome frame."""

MASK_COLOUR: Colour = (255, 255, 255)
"""Outline of a masked rectangle on the right panel (the rectangle itself is the fill value)."""

OUTLINE_WIDTH = 2
"""Pixels of each region outline, drawn outside the box so the text under it stays visible."""
HEADER_HEIGHT = 26
"""Height of the header strip above the panels."""
PANEL_GAP = 6
"""Columns between the two panels, so two black frame edges do not read as one image."""

_MIN_MAX_WIDTH = 64
_MIN_CANVAS_WIDTH = 360
"""Narrow frames get a wider canvas (panels left-aligned) so the header and legend stay legible."""
_BACKGROUND: Colour = (40, 40, 40)
_GAP_COLOUR: Colour = (110, 110, 110)
_TEXT_COLOUR: Colour = (235, 235, 235)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_SCALE = 0.5
_SWATCH = 14
_LEGEND_ROW = 22
_LEGEND_PAD = 6

_DISPLAY = FrameRenderer(RenderConfig(extreme_views=False, percentile_view=False))
"""Only the min-max ``full`` view: the detector's own first view, which is how the frame displays."""


class PreviewError(PixelsvcError):
    """The preview image could not be encoded or written (the message says why, without PHI)."""


def preview_image(frame: Frame, result: FrameResult, *, max_width: int = 2048) -> np.ndarray:
    """The preview of one frame as a uint8 RGB image (rows, cols, 3).

    Layout: a header strip (``frame N: K regions, M masked``), the original and the masked
    frame side by side, and a legend of the labels present with their counts. Panels are
    scaled down (aspect kept) when the image would be wider than `max_width`; outlines are
    drawn after scaling so they stay crisp.

    Raises:
        ConfigError: `max_width` is too small to hold two panels.
        InvalidFrameError: `result` does not belong to `frame` (other key or shape).
    """
    if max_width < _MIN_MAX_WIDTH:
        raise ConfigError(f"preview max_width = {max_width} is too small; use at least {_MIN_MAX_WIDTH}")
    if result.key != frame.key:
        raise InvalidFrameError(f"the result is for frame {result.key[1]}, not frame {frame.key[1]}")
    if result.masked.pixels.shape != frame.pixels.shape:
        raise InvalidFrameError(
            f"frame {frame.key[1]}: masked pixels have shape {result.masked.pixels.shape}, "
            f"the frame has {frame.pixels.shape}"
        )
    left, right = _display_pair(frame, result.masked.pixels)
    rows, cols = left.shape[:2]
    if 2 * cols + PANEL_GAP > max_width:
        scale = (max_width - PANEL_GAP) / (2 * cols)
        size = (max(1, int(cols * scale)), max(1, round(rows * scale)))
        left = cv2.resize(left, size, interpolation=cv2.INTER_AREA)
        right = cv2.resize(right, size, interpolation=cv2.INTER_AREA)
    fx, fy = left.shape[1] / cols, left.shape[0] / rows

    for box in result.masked.boxes:  # first, so a label outline wins where the two touch
        draw_outline(right, scale_box(box, fx, fy), MASK_COLOUR, 1)
    for verdict in result.verdicts:
        box = scale_box(verdict.read.box, fx, fy)
        colour = LABEL_COLOURS[verdict.label]
        draw_outline(left, box, colour, OUTLINE_WIDTH)
        draw_outline(right, box, colour, OUTLINE_WIDTH)

    panel_rows, panel_cols = left.shape[:2]
    width = max(2 * panel_cols + PANEL_GAP, min(_MIN_CANVAS_WIDTH, max_width))
    entries = _legend_entries(result)
    legend = _legend(entries, width)
    canvas = np.empty((HEADER_HEIGHT + panel_rows + legend.shape[0], width, 3), dtype=np.uint8)
    canvas[...] = _BACKGROUND
    top = HEADER_HEIGHT
    canvas[top:top + panel_rows, :panel_cols] = left
    canvas[top:top + panel_rows, panel_cols:panel_cols + PANEL_GAP] = _GAP_COLOUR
    canvas[top:top + panel_rows, panel_cols + PANEL_GAP:2 * panel_cols + PANEL_GAP] = right
    canvas[top + panel_rows:] = legend
    cv2.putText(canvas, _header(frame, result), (6, HEADER_HEIGHT - 9), _FONT, _FONT_SCALE, _TEXT_COLOUR, 1,
                cv2.LINE_AA)
    return canvas


def write_png(image: np.ndarray, path: Path) -> None:
    """Write `image` (uint8 RGB) as a PNG at `path`, atomically.

    Written with `pixelsvc.files.write_atomic`, so a reader never sees half a file and a
    failure leaves any earlier file untouched; owner-only permissions (0600), because the
    left panel shows the original frame, which is PHI.

    Raises:
        PreviewError: the image is not uint8 RGB, PNG encoding failed, or the file could
            not be written. Messages name neither the path nor any pixel value.
    """
    if not (isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3):
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise PreviewError(f"a preview must be a uint8 RGB array (rows, cols, 3), got {dtype} with shape {shape}")
    try:
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    except cv2.error as exc:
        raise PreviewError(f"OpenCV could not encode the {image.shape[1]}x{image.shape[0]} preview as PNG") from exc
    if not ok:
        raise PreviewError(f"OpenCV could not encode the {image.shape[1]}x{image.shape[0]} preview as PNG")
    try:
        write_atomic(Path(path), lambda f: f.write(encoded.tobytes()), mode=0o600)
    except OSError as exc:
        raise PreviewError(
            f"could not write the preview PNG: {exc.strerror or type(exc).__name__}; "
            "check that the output directory exists and is writable"
        ) from exc


def _display_pair(frame: Frame, masked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both panels rendered with the original frame's window, by `pixelsvc.render`.

    The two are rendered as one side-by-side frame so they share one window. Masked
    values are first clipped to the original's range: the fill is the darkest
    *representable* value, often far outside the stored values (0 under a 1000-3000
    CT), and would otherwise widen the window and dim the original. Clipping is what the
    window does to it anyway, so the fill still shows as black (or white for 'brightest').
    8-bit colour frames are shown as stored, without a window, so they are not clipped.
    """
    original = frame.pixels
    if not (original.ndim == 3 and original.dtype == np.uint8):
        masked = np.clip(masked, original.min(), original.max())
    both = Frame(frame.key, np.concatenate([original, masked], axis=1), frame.photometric, frame.bits_stored)
    image = _DISPLAY.render(both)[0].image
    cols = original.shape[1]
    return np.ascontiguousarray(image[:, :cols]), np.ascontiguousarray(image[:, cols:])


def display_image(frame: Frame) -> np.ndarray:
    """One frame as it displays (uint8 RGB): the min-max window of the preview panels.

    `pixelsvc review` shows de-identified frames with this, so its thumbnails and the
    preview PNG show a frame the same way.
    """
    return _DISPLAY.render(frame)[0].image


def scale_box(box: TextBox, fx: float, fy: float) -> tuple[int, int, int, int]:
    """A box in panel pixels (x1, y1 exclusive), at least one pixel wide and high."""
    x0, y0 = int(np.floor(box.x0 * fx)), int(np.floor(box.y0 * fy))
    x1, y1 = max(x0 + 1, int(np.ceil(box.x1 * fx))), max(y0 + 1, int(np.ceil(box.y1 * fy)))
    return x0, y0, x1, y1


def draw_outline(panel: np.ndarray, box: tuple[int, int, int, int], colour: Colour, width: int) -> None:
    """Rings of `width` pixels just outside the box.

    A side that would fall off the panel is drawn on the panel's edge instead, so text
    touching the border (common on ultrasound headers) still gets a closed outline.
    """
    x0, y0, x1, y1 = box
    right, bottom = panel.shape[1] - 1, panel.shape[0] - 1
    for r in range(1, width + 1):
        top_left = (min(max(x0 - r, 0), right), min(max(y0 - r, 0), bottom))
        bottom_right = (max(min(x1 - 1 + r, right), 0), max(min(y1 - 1 + r, bottom), 0))
        cv2.rectangle(panel, top_left, bottom_right, colour, 1, cv2.LINE_8)


def _header(frame: Frame, result: FrameResult) -> str:
    """Counts only: the frame index is safe, the text and the stream id are not shown."""
    masked = sum(1 for v in result.verdicts if v.mask)
    text = f"frame {frame.key[1]}: {len(result.verdicts)} regions, {masked} masked"
    if result.residual:
        text += f", {len(result.residual)} still readable"
    return text


def _legend_entries(result: FrameResult) -> list[tuple[Colour, str, bool]]:
    """(colour, caption, filled swatch) for each label present, in `Label` order, then the mask key."""
    counts = Counter(v.label for v in result.verdicts)
    entries = [(LABEL_COLOURS[label], f"{label.value} ({counts[label]})", True) for label in Label if counts[label]]
    if result.masked.boxes:
        entries.append((MASK_COLOUR, f"masked ({len(result.masked.boxes)})", False))
    return entries


def _legend(entries: list[tuple[Colour, str, bool]], width: int) -> np.ndarray:
    """The legend strip: swatches and captions flowing left to right, wrapping at `width`."""
    placed: list[tuple[int, int, Colour, str, bool]] = []
    x, row = _LEGEND_PAD, 0
    for colour, caption, filled in entries:
        (text_w, _), _ = cv2.getTextSize(caption, _FONT, _FONT_SCALE, 1)
        entry_w = _SWATCH + 6 + text_w
        if x > _LEGEND_PAD and x + entry_w > width - _LEGEND_PAD:
            x, row = _LEGEND_PAD, row + 1
        placed.append((x, row, colour, caption, filled))
        x += entry_w + 18
    rows = row + 1
    strip = np.empty((rows * _LEGEND_ROW + 2 * _LEGEND_PAD, width, 3), dtype=np.uint8)
    strip[...] = _BACKGROUND
    if not entries:
        cv2.putText(strip, "no text regions", (_LEGEND_PAD, _LEGEND_PAD + 15), _FONT, _FONT_SCALE, _TEXT_COLOUR,
                    1, cv2.LINE_AA)
    for x, row, colour, caption, filled in placed:
        y = _LEGEND_PAD + row * _LEGEND_ROW + (_LEGEND_ROW - _SWATCH) // 2
        cv2.rectangle(strip, (x, y), (x + _SWATCH - 1, y + _SWATCH - 1), colour, -1 if filled else 1, cv2.LINE_8)
        cv2.putText(strip, caption, (x + _SWATCH + 6, y + _SWATCH - 2), _FONT, _FONT_SCALE, _TEXT_COLOUR, 1,
                    cv2.LINE_AA)
    return strip
