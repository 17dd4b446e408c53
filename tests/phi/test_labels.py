"""PHI labels and their values on one line."""

from __future__ import annotations

from pixelsvc.phi.labels import find_label, label_value_ok
from pixelsvc.phi.lexicon import DEFAULT_ALLOWLIST
from pixelsvc.types import Label

ALLOW = frozenset(DEFAULT_ALLOWLIST)


def test_labels_with_ocr_slips() -> None:
    hit = find_label("Narne: Smith", ALLOW)
    assert hit is not None and (hit.label, hit.name, hit.value) == (Label.NAME, "Name", "Smith")
    hit = find_label("D0B 01/02/1960", ALLOW)
    assert hit is not None and hit.label is Label.DATE


def test_label_exclusions_and_bare_labels() -> None:
    assert find_label("Protocol Name: Head", ALLOW) is None
    assert find_label("Patient Position HFS", ALLOW) is None
    bare = find_label("Patient ID:", ALLOW)
    assert bare is not None and bare.value == ""


def test_label_value_ok() -> None:
    """A PHI label masks its value whatever it reads as, except settings that share a label's spelling."""
    assert label_value_ok(Label.NAME, "Smith", ALLOW)
    assert label_value_ok(Label.NAME, "Long", ALLOW)  # a surname that is a clinical word
    assert label_value_ok(Label.NAME, "J@hn D0e", ALLOW)
    assert not label_value_ok(Label.NAME, "60", ALLOW)  # `DR: 60` is a dynamic range
    assert label_value_ok(Label.DATE, "1?/0?/19..", ALLOW)
    assert label_value_ok(Label.ID, "?", ALLOW)
    assert not label_value_ok(Label.ID, "", ALLOW)
    assert not label_value_ok(Label.ID, " : ", ALLOW)
