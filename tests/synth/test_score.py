"""pixelsvc.synth.score on hand-made frames: masked, unmasked, flat-filled, distractors, collateral, false masks."""

from __future__ import annotations

import numpy as np

from pixelsvc.synth.score import covered_pixels, score_file, summarize
from pixelsvc.synth.truth import FileTruth, TruthString


def _string(sid: int, box: tuple[int, int, int, int], category: str, glyph: int = 10) -> TruthString:
    return TruthString(id=sid, frame=0, box=box, category=category, glyph_px=glyph, contrast="high",
                       contrast_value=0.9, opacity=1.0, polarity="light-on-dark", rotation=0.0, font="f",
                       font_style="sans", antialias=True, region="air", layout="single", anchor="tl",
                       changing=False, ink_pixels=0)


def _frame_with_three_strings() -> tuple[FileTruth, list[np.ndarray], np.ndarray]:
    """A 100x100 frame: a NAME at top left, a DATE at top right, a DISTRACTOR at the bottom."""
    before = np.full((100, 100), 100, np.uint16)
    labels = np.zeros((100, 100), np.uint16)
    boxes = [(5, 5, 35, 15), (60, 5, 95, 15), (30, 80, 60, 90)]
    strings = []
    for sid, (box, category) in enumerate(zip(boxes, ("NAME", "DATE", "DISTRACTOR"), strict=True)):
        x0, y0, x1, y1 = box
        labels[y0:y1:2, x0:x1] = sid + 1  # striped "glyphs"
        before[labels == sid + 1] = 4095
        strings.append(_string(sid, box, category))
    truth = FileTruth(file="x-h.dcm", case="x", split="dev", header="with-header", frames=1, rows=100, cols=100,
                      photometric="MONOCHROME2", bits_stored=12, signed=False, transfer_syntax="", background="p",
                      modality="CT", masks="x.npz", strings=strings)
    return truth, [labels], before


def test_masked_and_unmasked_strings_give_half_recall() -> None:
    truth, labels, before = _frame_with_three_strings()
    after = before.copy()
    after[3:17, 3:37] = 0  # the NAME box painted black (with a margin); the DATE is left alone
    score = score_file(truth, labels, [before], [after])
    assert score.covered_share[0] == 1.0 and score.covered_share[1] == 0.0 and score.covered_share[2] == 0.0
    result = summarize([score])
    assert result["recall"] == 0.5 and result["phi_boxes"] == 2
    assert result["recall_by"]["category"]["NAME"]["recall"] == 1.0
    assert result["recall_by"]["category"]["DATE"]["recall"] == 0.0
    assert result["distractors_kept"] == 1.0
    assert result["collateral"] == 0.0 and result["largest_false_mask_pct"] == 0.0


def test_fill_equal_to_the_ink_still_counts_as_masked() -> None:
    truth, labels, before = _frame_with_three_strings()
    after = before.copy()
    after[3:17, 58:97] = 4095  # the DATE's box filled with its own ink value: ink unchanged but flat
    changed, covered = covered_pixels(before, after)
    ink = labels[0] == 2
    assert not changed[ink].any() and covered[ink].all()
    assert summarize([score_file(truth, labels, [before], [after])])["recall"] == 0.5


def test_thick_strokes_at_the_fill_value_count_inside_a_painted_box() -> None:
    """Bold 40 px text drawn at the fill value: stroke centres lie far from any changed pixel."""
    before = np.zeros((80, 120), np.uint16)
    before[20:60, 20:40] = 1023  # a stroke 20 px wide
    before[20:60, 70:90] = 1023  # a second one, left unmasked below
    after = before.copy()
    after[15:65, 15:45] = 1023  # the first stroke's box painted with the ink's own value
    changed, covered = covered_pixels(before, after)
    assert covered[20:60, 20:40].all() and not changed[30:50, 25:35].any()
    assert not covered[20:60, 70:90].any()  # untouched text of the same value stays uncovered


def test_partly_masked_string_is_a_miss_and_distractor_masked_is_lost() -> None:
    truth, labels, before = _frame_with_three_strings()
    after = before.copy()
    after[3:17, 3:20] = 0  # about half of the NAME
    after[78:92, 28:62] = 0  # the distractor
    result = summarize([score_file(truth, labels, [before], [after])])
    assert result["recall"] == 0.0 and result["distractors_kept"] == 0.0
    assert [(d["id"], d["covered"]) for d in result["distractors_lost"]] == [(2, 1.0)]


def test_collateral_and_false_mask_away_from_text() -> None:
    truth, labels, before = _frame_with_three_strings()
    after = before.copy()
    after[40:60, 40:60] = 0  # 400 px of anatomy blacked out, far from any text
    result = summarize([score_file(truth, labels, [before], [after])])
    assert result["largest_false_mask_pct"] == 4.0
    nontext = 100 * 100 - ((30 + 8) * (10 + 8) + (35 + 8) * 18 + 38 * 18)
    assert abs(result["collateral"] - 400 / nontext) < 1e-6
    assert result["collateral_away"] == result["collateral"]  # all of it touches no text zone
    assert result["recall"] == 0.0


def test_collateral_next_to_text_is_not_counted_away() -> None:
    """A mask margin spilling past the text zone is collateral, but not a false box."""
    truth, labels, before = _frame_with_three_strings()
    after = before.copy()
    after[0:25, 0:45] = 0  # the NAME's box with a wide margin: it reaches past the 4 px zone
    result = summarize([score_file(truth, labels, [before], [after])])
    assert result["collateral"] > 0 and result["collateral_away"] == 0.0
    assert result["largest_false_mask_pct"] == 0.0


def test_failed_file_counts_as_misses() -> None:
    truth, labels, _before = _frame_with_three_strings()
    result = summarize([score_file(truth, labels, None, None)])
    assert result["failed_files"] == 1 and result["recall"] == 0.0 and result["distractors"] == 0


def test_colour_frames_compare_every_sample() -> None:
    before = np.zeros((20, 20, 3), np.uint8)
    after = before.copy()
    after[5, 5, 2] = 1
    changed, _ = covered_pixels(before, after)
    assert changed.sum() == 1 and changed[5, 5]


def test_side_by_side_table_has_one_column_per_run() -> None:
    from pixelsvc.synth.score import compare_markdown

    truth, labels, before = _frame_with_three_strings()
    masked = before.copy()
    masked[3:17, 3:37] = 0
    runs = {"before": summarize([score_file(truth, labels, [before], [before])]),
            "after": summarize([score_file(truth, labels, [before], [masked])])}
    table = compare_markdown(runs)
    assert table.splitlines()[0] == "| metric | before | after |"
    assert "| category: NAME | 0.0 % (1) | 100.0 % (1) |" in table
