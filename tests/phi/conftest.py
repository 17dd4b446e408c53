"""The classifier fixture and the one-read helper shared by the classifier tests."""

from __future__ import annotations

import pytest

from pixelsvc.config import PhiConfig
from pixelsvc.phi import PhiClassifier
from pixelsvc.types import PhiContext, Policy, TextBox, TextRead, Verdict

BOX = TextBox(10, 10, 200, 30)
EMPTY = PhiContext()


@pytest.fixture(scope="module")
def clf() -> PhiClassifier:
    return PhiClassifier(PhiConfig())


def one(clf: PhiClassifier, text: str, context: PhiContext = EMPTY, policy: Policy = Policy.PHI) -> Verdict:
    """The verdict on one read of `text` (confidence 0.9), alone in its frame."""
    (verdict,) = clf.classify([TextRead(BOX, text, 0.9)], context, policy)
    return verdict
