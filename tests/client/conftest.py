"""Fixtures for the client tests: the shared data folders (the same fixtures as the DICOM tests)."""

from tests.dicom.conftest import presidio_root, real_root

__all__ = ["presidio_root", "real_root"]
