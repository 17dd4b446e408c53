"""Stage 4 around the recogniser: which crops of a detected line are read, and which read is kept.

The detector says where a line is and on which view it scored best; the recogniser reads one
horizontal crop. Between the two, `LineReader` decides what to read so that hard lines are
still read well:

- a tall, narrow box is a vertical line (a name printed along the edge of a radiograph): it
  is read turned a quarter both ways, and as it stands when it could be a short word;
- a line read with low confidence on its best view is read again on the frame's other views
  (another window or contrast view often shows faint or dark-on-bright text better);
- a line may go on past its box: over texture the detector stops a word short, and the ink
  cannot say where the line ends (`pixelsvc.ink.extend_along_line` grows only lines whose ink
  stands out). The recogniser reads past each end of every line read as text
  (`RecConfig.probe_reach`), and the line's extent grows over the letters and digits it reads
  there, end after end, until a probe reads none;
- the other way round, a box the detector grew over ink past its ends (`Detection.found`)
  keeps of that growth only the part its confident read holds letters or digits in: over
  texture the ink goes on where the text does not.

and keeps, per line, the read with the highest confidence. Every read keeps the box of its
line in source-frame pixels, whatever the crop was turned to, and the text of its own read:
a probe only says how far the line goes (`TextRead.extent`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pixelsvc.config import RecConfig
from pixelsvc.ink import line_room
from pixelsvc.ocr.rec import Crop, TextRecognizer
from pixelsvc.types import Detection, RenderedFrame, TextBox, TextRead

__all__ = ["LineReader"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One way of reading one detected line: which line, and the crop to read."""

    line: int  # index into the flat list of detections
    crop: Crop
    view: int
    turns: int


_PROBE_ROUNDS = 3
"""Probes per line end: each reads `RecConfig.probe_reach` line heights further."""
_PROBE_CONTEXT = 1.0
"""Line heights of the box's own end a probe reads too, so its first letters are read in context."""
_PROBE_PITCH = 0.5
"""Line heights a letter takes along the line, from the time step it was read at (its left part)."""
_PROBE_GAP = 1.0
"""Largest blank, in line heights, between the box's end (or the last letter joined) and the next
letter a probe read: a space between words and the box's margin, not the gap to another text."""
_PROBE_PAD = 0.3
"""Line heights a grown end reaches past the last letter joined (anti-aliased edges, a wide glyph)."""
_MIN_PROBE = 0.5
"""A probe reads at least this many line heights past the end, or the end is not probed."""


@dataclass(slots=True)
class _End:
    """One end of a line being probed: where it stands along the line, and what bounds it."""

    line: int
    side: int  # -1: the start (left, or top), +1: the end
    view: RenderedFrame
    turns: int
    room: tuple[int, int]  # how far the line may grow along its axis

    @property
    def vertical(self) -> bool:
        return self.turns in (1, 3)


class LineReader:
    """Reads every detected line of a batch of frames, retrying the hard ones.

    Args:
        recognizer: the batched CTC recogniser.
        config: `retry_confidence` and `vertical_aspect` decide which lines get more reads.
    """

    def __init__(self, recognizer: TextRecognizer, config: RecConfig) -> None:
        self.recognizer = recognizer
        self.config = config

    def __repr__(self) -> str:
        return (f"LineReader(retry_confidence={self.config.retry_confidence}, "
                f"vertical_aspect={self.config.vertical_aspect}, {self.recognizer!r})")

    def read(self, views_per_frame: Sequence[Sequence[RenderedFrame]],
             detections: Sequence[Sequence[Detection]], dedup: bool = True) -> list[list[TextRead]]:
        """One read per detection, per frame, in order."""
        flat = [(views, d) for views, found in zip(views_per_frame, detections, strict=True) for d in found]
        best: list[TextRead | None] = [None] * len(flat)
        chosen: list[_Candidate | None] = [None] * len(flat)
        marks: list[tuple[float, ...]] = [()] * len(flat)
        first = [_Candidate(line, self._crop(views[d.view], d.box, turns), d.view, turns)
                 for line, (views, d) in enumerate(flat) for turns in self._turns(d.box)]
        self._keep_best(best, chosen, marks, first, dedup)
        retry = [
            _Candidate(line, self._crop(views[index], d.box, turns), index, turns)
            for line, (views, d) in enumerate(flat)
            if best[line] is not None and best[line].confidence < self.config.retry_confidence
            for index in range(len(views)) if index != d.view
            for turns in self._turns(d.box)
        ]
        self._keep_best(best, chosen, marks, retry, dedup)
        own = [self._read_part(d, best[line], chosen[line], marks[line]) for line, (_, d) in enumerate(flat)]
        boxes = list(own)
        if self.config.probe_reach > 0:
            self._probe_ends(flat, detections, best, chosen, boxes, dedup)
        reads = [replace(read, box=box, extent=None if grown == box else grown)
                 for read, box, grown in zip(best, own, boxes, strict=True)]
        out, cursor = [], 0
        for found in detections:
            out.append(reads[cursor:cursor + len(found)])
            cursor += len(found)
        return out

    def _keep_best(self, best: list[TextRead | None], chosen: list[_Candidate | None],
                   marks: list[tuple[float, ...]], candidates: Sequence[_Candidate], dedup: bool) -> None:
        """Read the candidates and keep, per line, the most confident read (ties: the longer text)
        and where it read its letters and digits."""
        if not candidates:
            return
        for candidate, decoded in zip(candidates, self.recognizer.decode_crops([c.crop for c in candidates],
                                                                               dedup=dedup), strict=True):
            held = best[candidate.line]
            if held is None or (decoded.confidence, len(decoded.text)) > (held.confidence, len(held.text or "")):
                best[candidate.line] = TextRead(candidate.crop.box, decoded.text, decoded.confidence,
                                                lattice=decoded.lattice)
                chosen[candidate.line] = candidate
                marks[candidate.line] = decoded.marks

    def _read_part(self, detection: Detection, read: TextRead | None, candidate: _Candidate | None,
                   marks: Sequence[float]) -> TextBox:
        """The line's box: a box grown past the detector's own over ink (`Detection.found`) keeps
        of the growth only what its confident read holds letters or digits in.

        Over texture the ink past a line's end goes on where the text does not (ribs, trabecular
        bone), and the mask painted it; a faint last glyph the growth reached is read, so it stays.
        A read below `probe_confidence` (or none) leaves the grown box: it cannot say where its
        letters are."""
        box, found = detection.box, detection.found
        if (found is None or read is None or candidate is None or not marks
                or read.confidence < self.config.probe_confidence):
            return box
        vertical = candidate.turns in (1, 3)
        start, stop, height = _along(box, vertical)
        pitch = _PROBE_PITCH * height
        where = _mark_positions(start, stop, marks, candidate.turns)
        # a letter takes `pitch` from where it was read: upwards in a crop turned clockwise
        first, last = (min(where) - pitch, max(where)) if candidate.turns == 3 else (min(where), max(where) + pitch)
        own0, own1, _ = _along(found, vertical)
        lo = max(start, min(own0, math.floor(first - _PROBE_PAD * height)))
        hi = min(stop, max(own1, math.ceil(last + _PROBE_PAD * height)))
        if vertical:
            return TextBox(box.x0, lo, box.x1, hi, box.score)
        return TextBox(lo, box.y0, hi, box.y1, box.score)

    def _probe_ends(self, flat: Sequence[tuple[Sequence[RenderedFrame], Detection]],
                    detections: Sequence[Sequence[Detection]], best: Sequence[TextRead | None],
                    chosen: Sequence[_Candidate | None], boxes: list[TextBox], dedup: bool) -> None:
        """Grow, in `boxes`, the lines that the recogniser reads on past their ends.

        Lines read as text (two letters or digits) are probed, unless they lie mostly inside
        another box of the frame (a piece of a line read twice). A line never
        grows into another box of its frame on the same line (that one has its own read) nor
        further than `_PROBE_ROUNDS` probes.
        """
        frame_of = [f for f, found in enumerate(detections) for _ in found]
        by_frame: list[list[int]] = [[] for _ in detections]
        for line, f in enumerate(frame_of):
            by_frame[f].append(line)
        reach = self.config.probe_reach
        ends: list[_End] = []
        for line, ((views, d), read, candidate) in enumerate(zip(flat, best, chosen, strict=True)):
            if read is None or candidate is None or sum(ch.isalnum() for ch in read.text or "") < 2:
                continue
            others = [flat[k][1].box for k in by_frame[frame_of[line]] if k != line]
            if any(d.box.mostly_inside(o) for o in others):
                continue
            view = views[candidate.view]
            vertical = candidate.turns in (1, 3)
            _, _, height = _along(d.box, vertical)
            limit = view.image.shape[0 if vertical else 1]
            room = line_room(d.box, vertical, math.ceil(_PROBE_ROUNDS * reach * height), limit, others)
            ends += [_End(line, side, view, candidate.turns, room) for side in (-1, 1)]
        for _ in range(_PROBE_ROUNDS):
            probes = [(end, strip) for end in ends if (strip := _strip(end, boxes[end.line], reach)) is not None]
            if not probes:
                return
            decoded = self.recognizer.decode_crops(
                [self._crop(end.view, strip, end.turns) for end, strip in probes], dedup=dedup)
            ends = []
            for (end, strip), result in zip(probes, decoded, strict=True):
                if not result.marks or result.confidence < self.config.probe_confidence:
                    continue
                grown = _grown(boxes[end.line], strip, result.marks, end)
                if grown is not None:
                    boxes[end.line] = grown
                    ends.append(end)

    def _turns(self, box: TextBox) -> tuple[int, ...]:
        """Quarter turns (counter-clockwise) to read a box at: tall boxes are vertical text."""
        if box.height < self.config.vertical_aspect * max(1, box.width):
            return (0,)
        if box.height < 2 * self.config.vertical_aspect * max(1, box.width):
            return (0, 1, 3)  # could be one short word or glyph standing upright
        return (1, 3)

    @staticmethod
    def _crop(view: RenderedFrame, box: TextBox, turns: int) -> Crop:
        if turns == 0:
            return Crop(box, view.image)
        rows, cols = view.image.shape[:2]
        x0, y0 = max(0, box.x0), max(0, box.y0)
        x1, y1 = min(cols, max(x0 + 1, box.x1)), min(rows, max(y0 + 1, box.y1))
        turned = np.ascontiguousarray(np.rot90(view.image[y0:y1, x0:x1], turns))
        return Crop(TextBox(0, 0, turned.shape[1], turned.shape[0], box.score), turned)


def _along(box: TextBox, vertical: bool) -> tuple[int, int, int]:
    """(start, stop) of `box` along its line, and its height across it."""
    return (box.y0, box.y1, box.width) if vertical else (box.x0, box.x1, box.height)


def _mark_positions(lo: int, hi: int, marks: Sequence[float], turns: int) -> list[float]:
    """Where along a line's span [lo, hi) the recogniser read each letter or digit of a crop of it
    (`Decoded.marks`, shares of the crop's width; a crop turned clockwise, 3 turns, runs from the
    span's end back)."""
    length = hi - lo
    return [hi - m * length for m in marks] if turns == 3 else [lo + m * length for m in marks]


def _strip(end: _End, box: TextBox, reach: float) -> TextBox | None:
    """The box a probe of `end` reads (past the end, and a line height of the box before it), or
    None when there is no room past it."""
    start, stop, height = _along(box, end.vertical)
    if end.side > 0:
        lo, hi = max(start, stop - round(_PROBE_CONTEXT * height)), min(end.room[1], stop + math.ceil(reach * height))
        past = hi - stop
    else:
        lo, hi = max(end.room[0], start - math.ceil(reach * height)), min(stop, start + round(_PROBE_CONTEXT * height))
        past = start - lo
    if past < _MIN_PROBE * height:
        return None
    return TextBox(box.x0, lo, box.x1, hi, box.score) if end.vertical else TextBox(lo, box.y0, hi, box.y1, box.score)


def _grown(box: TextBox, strip: TextBox, marks: Sequence[float], end: _End) -> TextBox | None:
    """`box` grown over the letters a probe of `strip` read past its end, or None when it read none
    there. `marks` are where the probe read each letter or digit along its crop (a crop turned
    clockwise, 3 turns, runs from the strip's bottom up). Walking out from the box's end, a letter
    joins the line only when it begins at most `_PROBE_GAP` line heights past the last one (a
    space between words): an annotation further along the row is not this line."""
    start, stop, height = _along(box, end.vertical)
    lo, hi, _ = _along(strip, end.vertical)
    where = _mark_positions(lo, hi, marks, end.turns)
    gap, pitch = _PROBE_GAP * height, _PROBE_PITCH * height
    if end.side > 0:
        reached = float(stop)
        for at in sorted(p for p in where if p > stop):
            if at - reached > gap:
                break
            reached = at + pitch
        if reached <= stop:
            return None
        stop = min(hi, math.ceil(reached + _PROBE_PAD * height))
    else:
        reached = float(start)
        for at in sorted((p for p in where if p < start), reverse=True):
            if reached - (at + pitch) > gap:
                break
            reached = at
        if reached >= start:
            return None
        start = max(lo, math.floor(reached - _PROBE_PAD * height))
    if end.vertical:
        return TextBox(box.x0, start, box.x1, stop, box.score)
    return TextBox(start, box.y0, stop, box.y1, box.score)
