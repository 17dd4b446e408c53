"""Misread annotations: an unknown line is kept only when the recogniser found an annotation's
spelling of it nearly as likely as what it read (`ReadLattice`, `pixelsvc.phi.readings`)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from pixelsvc.config import PhiConfig
from pixelsvc.phi import PhiClassifier
from pixelsvc.types import Label, PhiContext, Policy, ReadLattice, TextRead
from tests.phi.conftest import BOX, EMPTY


def lattice(*steps: dict[str, float], k: int = 3) -> ReadLattice:
    """A lattice from per-step class probabilities (`""` is the blank), best first, `k` per step."""
    chars, probs = [], []
    for step in steps:
        ranked = sorted(step.items(), key=lambda item: -item[1])[:k]
        ranked += [("", 0.0)] * (k - len(ranked))
        chars.append([c.upper() for c, _ in ranked])
        probs.append([p for _, p in ranked])
    return ReadLattice(np.array(chars), np.array(probs, dtype=np.float32))


BLANK = {"": 0.98, "T": 0.01}


def misread_left(e_prob: float) -> ReadLattice:
    """`LSFT` as read, with `E` ranked second at the step that read `S` (or not ranked at all)."""
    middle = {"S": 0.9 - e_prob, "E": e_prob, "5": 0.05} if e_prob else {"S": 0.9, "5": 0.05, "B": 0.04}
    return lattice(BLANK, {"L": 0.95, "I": 0.03}, BLANK, middle, BLANK, {"F": 0.9, "E": 0.05}, BLANK,
                   {"T": 0.97, "I": 0.01}, BLANK)


def test_likelihood_sums_every_alignment():
    lat = lattice({"A": 0.6, "": 0.3, "B": 0.1}, {"": 0.5, "A": 0.4, "B": 0.1}, {"B": 0.7, "": 0.2, "A": 0.1})
    classes = ["", "A", "B"]
    for text in ("AB", "A", "B", "AA", "BA"):
        brute = 0.0
        for path in itertools.product(classes, repeat=3):
            collapsed = "".join(c for i, c in enumerate(path) if c and (i == 0 or path[i - 1] != c))
            if collapsed == text:
                brute += math.prod(float(lat.probs[t][list(lat.chars[t]).index(c)]) for t, c in enumerate(path))
        assert math.isclose(lat.log_likelihood(text), math.log(brute), rel_tol=1e-6)


def test_likelihood_ignores_case_and_floors_unranked_characters():
    lat = misread_left(0.3)
    assert lat.log_likelihood("left") == lat.log_likelihood("LEFT")
    assert lat.log_likelihood("LSFT") > lat.log_likelihood("LEFT") > lat.log_likelihood("LZFT")
    assert lat.log_likelihood("LZFT") > -math.inf  # `Z` is unranked: a floor, not impossible
    many = lat.log_likelihoods(["LSFT", "LEFT", "", "LEFTS"])
    assert many.tolist() == [lat.log_likelihood(t) for t in ("LSFT", "LEFT", "", "LEFTS")]


def classify(text: str, lat: ReadLattice | None, config: PhiConfig | None = None,
             context: PhiContext = EMPTY, confidence: float = 0.85):
    clf = PhiClassifier(config or PhiConfig())
    (verdict,) = clf.classify([TextRead(BOX, text, confidence, lattice=lat)], context, Policy.PHI)
    return verdict


def test_a_likely_annotation_spelling_is_kept():
    verdict = classify("LSFT", misread_left(0.3))
    assert (verdict.label, verdict.mask, verdict.rule) == (Label.SAFE, False, "allowlist.misread")


def test_an_unlikely_or_unranked_spelling_stays_unknown_and_masked():
    for lat in (misread_left(0.0), misread_left(0.01), None):
        verdict = classify("LSFT", lat)
        assert (verdict.label, verdict.mask) == (Label.UNKNOWN, True)
    off = classify("LSFT", misread_left(0.3), PhiConfig(misread_likelihood=0.0))
    assert (off.label, off.mask) == (Label.UNKNOWN, True)


def test_an_unsure_read_is_never_respelled():
    verdict = classify("LSFT", misread_left(0.3), confidence=0.4)
    assert verdict.mask


def test_phi_is_never_respelled_into_an_annotation():
    # `LEFF` is the patient's name: PHI by the header, whatever `LEFT` the recogniser also saw
    leff = lattice(BLANK, {"L": 0.95, "I": 0.02}, BLANK, {"E": 0.9, "S": 0.05}, BLANK, {"F": 0.9, "E": 0.05},
                   BLANK, {"F": 0.55, "T": 0.4}, BLANK)
    assert classify("LEFF", leff).label is Label.SAFE  # no header: an annotation the recogniser also saw
    verdict = classify("LEFF", leff, context=PhiContext(names=("LEFF^ANNA",)))
    assert verdict.label is Label.NAME and verdict.mask
    # a respelling must be safe as a whole line: a date beside the word keeps the line PHI
    date = classify("LSFT 12/03/2021", None)
    assert date.label is Label.DATE


@pytest.mark.parametrize("text", ["LSFT", "Lsft"])
def test_the_respelled_line_is_judged_whole(text):
    lat = misread_left(0.3)
    assert classify(text, lat).label is Label.SAFE
    # more unsafe tokens than one misread explains: not respelled
    many = classify(f"{text} XQZV WPLK KZZQ", lat)
    assert many.mask


def test_a_misread_time_is_never_respelled():
    # `12:383 PM` is unknown text (no valid time); `PM` is one edit from `PW`, and `12:383 PW` would be safe
    steps = [BLANK, {"1": 0.95}, BLANK, {"2": 0.95}, BLANK, {":": 0.9}, BLANK, {"3": 0.9}, BLANK, {"8": 0.9},
             BLANK, {"3": 0.9}, BLANK, {" ": 0.9}, BLANK, {"P": 0.9}, BLANK, {"M": 0.5, "W": 0.45}, BLANK]
    verdict = classify("12:383 PM", lattice(*steps))
    assert verdict.mask and verdict.label is not Label.SAFE


def test_digit_soup_and_lone_glyphs_are_never_respelled():
    # a garbled phone number (`Tel: +38 764 149 8441` read `T <3 7í4 t49 344r`): its codes and
    # numbers look safe one by one, and the lone `T` could become `CT`; the digits decide
    steps = [BLANK, {"T": 0.7, "7": 0.2}, {"": 0.5, "C": 0.3, "E": 0.1}, BLANK]
    for ch in " <3 7Í4 T49 344R":
        steps += [{ch: 0.9, "": 0.05}, BLANK]
    verdict = classify("T <3 7í4 t49 344r", lattice(*steps))
    assert verdict.mask and verdict.label is not Label.SAFE
    # a lone glyph before a short number: `T 12` could become `CT 12`, but one glyph is no misread word
    short = [BLANK, {"T": 0.6, "": 0.3}, {"": 0.5, "C": 0.4}, BLANK, {" ": 0.9}, BLANK, {"1": 0.9}, BLANK,
             {"2": 0.9}, BLANK]
    assert classify("T 12", lattice(*short)).mask
