"""Stage 4 around the recogniser: which crops of a detected line are read, and which read is kept.

The detector says where a line is and on which view it scored best; the recogniser reads one
horizontal crop. Between the two, `LineReader` decides what to read so that hard lines are
still read well:

- a tall, narrow box is a vertical line (a name printed along the edge of a radiograph): it
  is read turned a quarter both ways, and as it stands when it could be a short word;
- a line read with low confidence on its best view is read again on the frame's other views
  (another window or contrast view often shows faint or dark-on-bright text better);

and keeps, per line, the read with the highest confidence. Every read keeps the box of its
line in source-frame pixels, whatever the crop was turned to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pixelsvc.config import RecConfig
from pixelsvc.ocr.rec import Crop, TextRecognizer
from pixelsvc.types import Detection, RenderedFrame, TextBox, TextRead

__all__ = ["LineReader"]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One way of reading one detected line: which line, and the crop to read."""

    line: int  # index into the flat list of detections
    crop: Crop


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
        first = [_Candidate(line, self._crop(views[d.view], d.box, turns))
                 for line, (views, d) in enumerate(flat) for turns in self._turns(d.box)]
        self._keep_best(best, first, dedup)
        retry = [
            _Candidate(line, self._crop(views[index], d.box, turns))
            for line, (views, d) in enumerate(flat)
            if best[line] is not None and best[line].confidence < self.config.retry_confidence
            for index in range(len(views)) if index != d.view
            for turns in self._turns(d.box)
        ]
        self._keep_best(best, retry, dedup)
        out, cursor = [], 0
        for found in detections:
            out.append([replace(best[cursor + i], box=d.box) for i, d in enumerate(found)])
            cursor += len(found)
        return out

    def _keep_best(self, best: list[TextRead | None], candidates: Sequence[_Candidate], dedup: bool) -> None:
        """Read the candidates and keep, per line, the most confident read (ties: the longer text)."""
        if not candidates:
            return
        for candidate, read in zip(candidates, self.recognizer.recognise([c.crop for c in candidates], dedup=dedup),
                                   strict=True):
            held = best[candidate.line]
            if held is None or (read.confidence, len(read.text or "")) > (held.confidence, len(held.text or "")):
                best[candidate.line] = read

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
