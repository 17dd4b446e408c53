"""Which boxes the engine detects again at the fine scale after reading (`rescan_regions`)."""

from __future__ import annotations

from pixelsvc.config import DetConfig
from pixelsvc.pipeline import rescan_regions
from pixelsvc.types import TextBox, TextRead

CFG = DetConfig()
AREA = 3000 * 3000


def _read(box: tuple[int, int, int, int], text: str, confidence: float) -> TextRead:
    return TextRead(TextBox(*box, score=0.8), text, confidence)


def test_a_block_read_as_one_confident_glyph_is_rescanned() -> None:
    """A 6-line block of 11 px glyphs on a 3000 px frame came back as one 212 x 193 box read `三`
    at 0.94: its lines are found only when the box is detected again."""
    block = _read((2788, 0, 3000, 193), "三", 0.94)
    assert rescan_regions([block], AREA, CFG) == ([block.box], [])


def test_a_line_read_as_one_glyph_is_rescanned_only_when_unsure() -> None:
    unsure = _read((10, 10, 90, 40), "A", 0.3)
    marker = _read((100, 10, 130, 40), "R", 0.98)  # a laterality marker, read with confidence
    assert rescan_regions([unsure, marker], AREA, CFG) == ([unsure.box], [marker.box])


def test_large_blobs_and_read_blocks_are_not_rescanned() -> None:
    blob = _read((867, 0, 3000, 2133), "1", 0.94)  # tissue the first scale saw as one box
    text = _read((500, 500, 800, 700), "PID 12345", 0.9)
    assert rescan_regions([blob, text], AREA, CFG) == ([], [blob.box, text.box])
    off = DetConfig(rescan_block_share=0.0)
    assert rescan_regions([_read((2788, 0, 3000, 193), "三", 0.94)], AREA, off)[0] == []
