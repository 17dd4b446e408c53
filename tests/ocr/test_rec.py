"""The CTC recogniser reads burned-in text; identical crops are read once."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pixelsvc.ocr.rec import LATTICE_CLASSES, Crop, CTCDecoder
from pixelsvc.types import TextBox
from tests.synth import make_frame


def _squash(text: str) -> str:
    return "".join(text.split()).upper()


def test_reads_synthetic_text(engine):
    hits = total = 0
    for seed in (51, 52, 53):
        synth = make_frame(seed, 320, 480, bits=12, sizes=(14, 20))
        view = engine.renderer.render(synth.frame)[0]
        crops = [Crop(TextBox(t.box[0] - 3, t.box[1] - 3, t.box[2] + 3, t.box[3] + 3), view.image)
                 for t in synth.texts]
        reads = engine.recognizer.recognise(crops)
        for text, read in zip(synth.texts, reads, strict=True):
            total += 1
            hits += _squash(read.text) == _squash(text.text)
            assert 0.0 <= read.confidence <= 1.0
    assert hits / total >= 0.9


def test_identical_crops_are_read_once(engine, monkeypatch):
    synth = make_frame(61, 200, 400, bits=8, sizes=(16, 18))
    view = engine.renderer.render(synth.frame)[0]
    t = synth.texts[0]
    crop = Crop(TextBox(t.box[0] - 2, t.box[1] - 2, t.box[2] + 2, t.box[3] + 2), view.image)
    engine.recognizer.clear_cache()
    seen: list[int] = []
    original = engine.recognizer._read_batch
    monkeypatch.setattr(engine.recognizer, "_read_batch", lambda crops: seen.append(len(crops)) or original(crops))
    reads = engine.recognizer.recognise([crop] * 5)
    assert sum(seen) == 1 and len({r.text for r in reads}) == 1 and len(reads) == 5
    seen.clear()
    engine.recognizer.recognise([crop] * 5, dedup=False)
    assert sum(seen) == 5
    seen.clear()
    again = engine.recognizer.recognise([crop] * 2)  # a later call (the next frame of a cine): remembered
    assert sum(seen) == 0 and [(r.text, r.confidence) for r in again] == [(reads[0].text, reads[0].confidence)] * 2


def test_ctc_collapses_repeats_and_drops_blanks():
    charset = ["<blank>", "A", "B", " "]
    steps = [1, 1, 0, 1, 2, 2, 0, 3, 0]  # A A _ A B B _ ' ' _ -> "AAB "
    probs = torch.zeros(1, len(steps), 4)
    for t, c in enumerate(steps):
        probs[0, t, c] = 0.9
    [decoded] = CTCDecoder(charset)(probs)
    assert decoded.text == "AAB " and abs(decoded.confidence - 0.9) < 1e-6
    # each letter where it was first read (A at steps 0 and 3, B at 4); the space is no letter
    assert decoded.marks == (0.0, 3 / 9, 4 / 9)


def test_ctc_keeps_the_ranked_classes_of_every_step():
    charset = ["<blank>", "a", "B", " "]
    probs = torch.full((1, 4, 4), 0.02)
    for t, (best, second) in enumerate([(1, 2), (0, 1), (2, 0), (0, 3)]):  # a _ B _
        probs[0, t, best], probs[0, t, second] = 0.8, 0.1
    [decoded] = CTCDecoder(charset)(probs)
    lat = decoded.lattice
    assert decoded.text == "aB" and lat.chars.shape == lat.probs.shape == (4, min(LATTICE_CLASSES, 4))
    # upper case, "" for the blank, best first
    assert lat.chars[:, 0].tolist() == ["A", "", "B", ""] and lat.chars[0, 1] == "B"
    assert np.allclose(lat.probs[:, :2], [[0.8, 0.1]] * 4)
    assert lat.log_likelihood("AB") > lat.log_likelihood("BB") > -np.inf


def test_the_read_is_the_likeliest_spelling_of_its_crop(engine):
    """On real reads the lattice agrees with the best path: the text read is more likely than the
    same text with one letter changed, and its likelihood is at least that of its best path."""
    synth = make_frame(52, 320, 480, bits=12, sizes=(14, 20))
    view = engine.renderer.render(synth.frame)[0]
    crops = [Crop(TextBox(t.box[0] - 3, t.box[1] - 3, t.box[2] + 3, t.box[3] + 3), view.image) for t in synth.texts]
    checked = 0
    for decoded in engine.recognizer.decode_crops(crops, dedup=False):
        letters = [i for i, ch in enumerate(decoded.text) if ch.isalpha()]
        if not letters:
            continue
        i = letters[0]
        changed = decoded.text[:i] + ("Q" if decoded.text[i].upper() != "Q" else "X") + decoded.text[i + 1:]
        lat = decoded.lattice
        assert lat.log_likelihood(decoded.text) > lat.log_likelihood(changed)
        best_path = float(np.log(lat.probs[:, 0].astype(np.float64)).sum())
        assert lat.log_likelihood(decoded.text) >= best_path - 1e-3
        checked += 1
    assert checked >= 3


def test_empty_prediction_has_zero_confidence():
    probs = torch.zeros(1, 5, 3)
    probs[0, :, 0] = 1.0
    [decoded] = CTCDecoder(["<blank>", "A", " "])(probs)
    assert (decoded.text, decoded.confidence, decoded.marks) == ("", 0.0, ())


def test_text_is_never_in_repr(engine):
    synth = make_frame(71, 200, 400, bits=8, sizes=(16, 18))
    view = engine.renderer.render(synth.frame)[0]
    t = synth.texts[0]
    [read] = engine.recognizer.recognise([Crop(TextBox(*t.box), view.image)])
    assert read.text and read.text not in repr(read)
    assert np.all(view.image >= 0)


def test_reads_do_not_depend_on_what_else_is_in_the_batch(engine):
    synth = make_frame(81, 320, 480, bits=8, sizes=(9, 20))
    view = engine.renderer.render(synth.frame)[0]
    crops = [Crop(TextBox(t.box[0] - 3, t.box[1] - 3, t.box[2] + 3, t.box[3] + 3), view.image)
             for t in synth.texts]
    together = engine.recognizer.recognise(crops, dedup=False)
    alone = [engine.recognizer.recognise([c], dedup=False)[0] for c in crops]
    assert [r.text for r in together] == [r.text for r in alone]
    # the same text; confidences agree to float rounding (a batch's padding can change the
    # order of a convolution's sums on some CPUs' kernels)
    assert [r.confidence for r in together] == pytest.approx([r.confidence for r in alone], abs=1e-5)
