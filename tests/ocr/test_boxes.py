"""pixelsvc.ocr.boxes: a turned line cut into word pieces gets one box over the whole line."""

from __future__ import annotations

from pixelsvc.ocr.boxes import join_turned_pieces
from pixelsvc.types import Detection, TextBox


def _corners(box: TextBox) -> tuple[int, int, int, int]:
    return box.x0, box.y0, box.x1, box.y1


def _detections(*boxes: tuple[int, int, int, int], view: int = 0) -> list[Detection]:
    return [Detection(TextBox(*box, 0.9), view) for box in boxes]


def test_the_pieces_of_a_turned_date_get_one_line_box():
    """The detector's boxes for `18 DEC 2015` printed at 90 degrees on a 256 px ultrasound
    frame (second dev sample): `2015`, a `5` inside it, `DEC`, `8`, `1`, each read alone."""
    pieces = _detections((242, 60, 255, 91), (243, 60, 254, 70), (242, 91, 255, 116), (243, 118, 254, 129),
                         (244, 126, 254, 136))
    out = join_turned_pieces(pieces)
    assert out[:len(pieces)] == pieces  # the pieces keep their boxes
    assert [_corners(d.box) for d in out[len(pieces):]] == [(242, 60, 255, 136)]


def test_the_line_box_is_read_on_the_view_of_its_tallest_piece():
    pieces = [Detection(TextBox(100, 10, 112, 40, 0.9), 2), Detection(TextBox(100, 43, 112, 60, 0.8), 0)]
    (line,) = join_turned_pieces(pieces)[2:]
    assert _corners(line.box) == (100, 10, 112, 60) and line.view == 2


def test_stacked_level_lines_are_not_joined():
    """Lines of a block (wider than tall), and two glyphs stacked, are not a turned line."""
    block = _detections((10, 10, 90, 22), (10, 24, 70, 36), (10, 38, 95, 50))
    assert join_turned_pieces(block) == block
    markers = _detections((200, 10, 212, 22), (200, 24, 212, 36))  # `L` above `R`: no turned word
    assert join_turned_pieces(markers) == markers


def test_pieces_far_apart_or_of_other_widths_are_not_joined():
    far = _detections((50, 10, 62, 40), (50, 60, 62, 90))  # 20 px apart: another line
    assert join_turned_pieces(far) == far
    wider = _detections((50, 10, 62, 40), (44, 41, 80, 60))  # a level word under a turned one
    assert join_turned_pieces(wider) == wider
    beside = _detections((50, 10, 62, 40), (58, 41, 70, 70))  # off the column
    assert join_turned_pieces(beside) == beside


def test_a_level_word_above_a_turned_line_is_not_joined_to_it():
    """`62` of a large `Img 62` (91 x 55) right above a turned date (67 px wide, second dev
    sample): joined, the line box covered the annotation."""
    stacked = _detections((319, 125, 410, 180), (343, 191, 410, 503))
    assert join_turned_pieces(stacked) == stacked
