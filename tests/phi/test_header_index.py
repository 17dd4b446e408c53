"""Header word and id indexes: the matching behind the classifier's `header.*` rules."""

from __future__ import annotations

from pixelsvc.phi.header_index import NAMES, OTHER, IdIndex, ReadForms, WordIndex
from pixelsvc.types import Label


def test_word_index_exact_folded_and_similar() -> None:
    index = WordIndex(frozenset(), cutoff=82.0)
    index.add_single("KOWALSKI", NAMES)
    index.add_sequence(["EUCLID", "PARKWAY"], OTHER)
    index.freeze()
    assert index.match(ReadForms.of("Kowalski")) == (NAMES, "exact")
    assert index.match(ReadForms.of("K0WALSKI")) == (NAMES, "fuzzy")
    assert index.match(ReadForms.of("Kowalsky")) == (NAMES, "fuzzy")
    assert index.match(ReadForms.of("Euclid Parkway 2")) == (OTHER, "exact")
    assert index.match(ReadForms.of("Axial")) is None


def test_id_index_without_separators_and_with_slips() -> None:
    index = IdIndex(cutoff=82.0, min_match_length=3, allow=frozenset({"THYROID"}))
    index.add("12975-20-2", Label.ID)
    index.add("THYROID", Label.ID)
    index.add("42", Label.ID)
    assert index.match("ID 12975202") == (Label.ID, "exact")
    assert index.match("l2975-2O-2") == (Label.ID, "fuzzy")
    assert index.match("Thyroid") is None
    assert index.match("Se 42") is None
