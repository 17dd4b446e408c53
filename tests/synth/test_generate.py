"""pixelsvc.synth generator: deterministic by seed, truth that covers its ink, held-out splits, decodable DICOM."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset
from pixelsvc.synth.backgrounds import real_sources, split_of
from pixelsvc.synth.dicom import PixelFormat, to_stored
from pixelsvc.synth.fonts import TEST_ONLY_FAMILIES, available_fonts, fonts_for_split
from pixelsvc.synth.generate import generate_split
from pixelsvc.synth.scene import VISIBLE_CHANGE, CaseSpec, _visible, make_case
from pixelsvc.synth.truth import load_masks, load_truth
from pixelsvc.synth.values import _FIRST, _LAST, _PLACE, make_patient, pool

SMALL = CaseSpec(sizes=(256, 384), frame_counts=(1, 3), real_share=0.0)


def _case(seed: str):
    return make_case(random.Random(seed), "dev", fonts_for_split("dev"), [], SMALL)


def test_same_seed_same_case_and_other_seed_differs() -> None:
    a, b, c = _case("s1"), _case("s1"), _case("s2")
    assert [s.text for s in a.strings] == [s.text for s in b.strings]
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames, strict=True))
    assert all(np.array_equal(x, y) for x, y in zip(a.labels, b.labels, strict=True))
    assert [s.text for s in a.strings] != [s.text for s in c.strings]


def test_generated_split_is_deterministic_and_truth_covers_ink(tmp_path: Path) -> None:
    first = generate_split("dev", tmp_path / "a", limit=3, spec=SMALL)
    second = generate_split("dev", tmp_path / "b", limit=3, spec=SMALL)
    assert first == second and first["cases"] == 3
    for json_path in sorted((tmp_path / "a" / "truth").glob("*-h.json")):
        truth = load_truth(json_path)
        other = load_truth(tmp_path / "b" / "truth" / json_path.name)
        assert truth.strings == other.strings
        labels = load_masks(tmp_path / "a" / "truth" / truth.masks)
        assert len(labels) == truth.frames
        assert any(s.is_phi for s in truth.strings) and any(s.category == "DISTRACTOR" for s in truth.strings)
        for s in truth.strings:
            ys, xs = np.nonzero(labels[s.frame] == s.id + 1)
            assert ys.size == s.ink_pixels > 0
            x0, y0, x1, y1 = s.box  # the drawn glyphs' box; the labels are the pixels they visibly changed
            assert x0 <= xs.min() and y0 <= ys.min() and xs.max() < x1 and ys.max() < y1


def test_ink_that_changes_nothing_is_not_labelled() -> None:
    """White glyph pixels over saturated white anatomy show nothing: they are not the string's ink."""
    before = np.zeros((4, 6), np.float32)
    before[:, 3:] = 1.0
    after = np.ones((4, 6), np.float32)  # white text drawn over the whole region
    assert _visible(before, after).tolist() == [[True] * 3 + [False] * 3] * 4
    colour_before = np.repeat(before[..., None], 3, axis=2)
    colour_after = colour_before.copy()
    colour_after[0, 4, 2] -= VISIBLE_CHANGE  # one channel changed enough counts
    colour_after[1, 4, 2] -= VISIBLE_CHANGE / 2
    seen = _visible(colour_before, colour_after)
    assert seen[0, 4] and not seen[1, 4] and seen.sum() == 1


def test_both_header_variants_decode_to_the_same_pixels(tmp_path: Path) -> None:
    generate_split("dev", tmp_path, limit=2, spec=SMALL)
    for with_header in sorted((tmp_path / "dicom").glob("*-h.dcm")):
        ds_h = read_dataset(with_header)
        ds_n = read_dataset(with_header.with_name(with_header.name.replace("-h.dcm", "-n.dcm")))
        frames_h = [f.pixels for f in iter_frames(ds_h)]
        frames_n = [f.pixels for f in iter_frames(ds_n)]
        assert all(np.array_equal(a, b) for a, b in zip(frames_h, frames_n, strict=True))
        truth = load_truth(tmp_path / "truth" / (with_header.stem + ".json"))
        assert len(frames_h) == truth.frames and frames_h[0].shape[:2] == (truth.rows, truth.cols)
        context_h, context_n = phi_context(ds_h), phi_context(ds_n)
        assert context_h.names and context_h.ids and context_h.dates
        assert not context_n.names and not context_n.ids and not context_n.dates


def test_stored_values_follow_the_format() -> None:
    display = np.array([[0.0, 0.5, 1.0]], np.float32)
    mono1 = to_stored(display, PixelFormat("MONOCHROME1", 16, 12, False, "1.2.840.10008.1.2.1"))
    assert mono1.tolist() == [[4095, 2048, 0]]
    signed = to_stored(display, PixelFormat("MONOCHROME2", 16, 16, True, "1.2.840.10008.1.2.1"))
    assert signed.dtype == np.int16 and signed.tolist() == [[-32768, 0, 32767]]


def test_splits_are_held_out() -> None:
    for words in (_FIRST, _LAST, _PLACE):
        assert not set(pool(words, "dev")) & set(pool(words, "test"))
    dev_names = {make_patient(random.Random(k), "dev").last for k in range(200)}
    test_names = {make_patient(random.Random(k), "test").last for k in range(200)}
    assert dev_names and test_names and not dev_names & test_names
    dev_fonts = {f.name for f in fonts_for_split("dev")}
    test_fonts = {f.name for f in fonts_for_split("test")}
    assert dev_fonts <= test_fonts
    if any(f.family in TEST_ONLY_FAMILIES for f in available_fonts()):
        assert test_fonts - dev_fonts
    assert {split_of(f"real/x/{k}.dcm") for k in range(50)} == {"dev", "test"}


def test_real_background_files_are_disjoint(shared_data: Path) -> None:
    dev = {s.path for s in real_sources(shared_data, "dev")}
    test = {s.path for s in real_sources(shared_data, "test")}
    assert dev and test and not dev & test


@pytest.mark.parametrize("split", ["dev", "test"])
def test_fonts_fall_back_to_pillow(split: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pixelsvc.synth import fonts

    monkeypatch.setattr(fonts, "available_fonts", lambda: ())
    chosen = fonts.fonts_for_split(split)
    assert [f.name for f in chosen] == ["pillow-default"]
    case = make_case(random.Random("fallback"), split, chosen, [], SMALL)
    assert case.strings and all(s.font == "pillow-default" for s in case.strings)
