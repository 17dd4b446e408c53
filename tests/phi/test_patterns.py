"""Ages, contact details and identifier shapes."""

from __future__ import annotations

from pixelsvc.phi.lexicon import DEFAULT_ALLOWLIST
from pixelsvc.phi.normalise import numeric_view
from pixelsvc.phi.patterns import find_ages, has_contact, has_id_shape

ALLOW = frozenset(DEFAULT_ALLOWLIST)


def test_ages() -> None:
    assert {(a.value, a.unit, a.explicit) for a in find_ages(numeric_view("067Y"))} == {(67, "Y", True)}
    assert any(not a.explicit for a in find_ages("AGE: 67"))


def test_contacts() -> None:
    assert has_contact("TEL (216) 444-2200", ALLOW)
    assert has_contact("J.DOE@EXAMPLE.ORG", ALLOW)
    assert has_contact("9500 EUCLID AVENUE", ALLOW)
    assert not has_contact("WWW.GEHEALTHCARE.COM", ALLOW)


def test_id_shapes() -> None:
    assert has_id_shape("00079241539", 5, 6, 4, ALLOW)
    assert has_id_shape("0545234234325V", 5, 6, 4, ALLOW)
    assert not has_id_shape("12000HZ", 5, 6, 4, ALLOW)
    assert not has_id_shape("512X512", 5, 6, 4, ALLOW)
    assert not has_id_shape("20DB/DR60", 5, 6, 4, ALLOW)
