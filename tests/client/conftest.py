"""Fixtures for the client tests: the shared data folders and test certificates (shared with other suites)."""

from tests.dicom.conftest import presidio_root, real_file, real_root
from tests.service.test_server import certificates

__all__ = ["certificates", "presidio_root", "real_file", "real_root"]
