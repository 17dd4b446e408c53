"""Classification of recognised text lines as PHI (see `PhiClassifier`)."""

from pixelsvc.phi.classify import PhiClassifier

__all__ = ["PhiClassifier"]
