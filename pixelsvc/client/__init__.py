"""Thin pydicom client: header de-identification (PS3.15 Annex E) before writing outputs."""

from pixelsvc.client.headers import DeidReport, HeaderDeidentifier

__all__ = ["DeidReport", "HeaderDeidentifier"]
