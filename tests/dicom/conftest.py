"""Fixtures for the DICOM stage tests: the shared data folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.reference import MISSING_DATA_REASON, data_root


@pytest.fixture(scope="session")
def real_root() -> Path:
    """``shared/data/real``: the catalogued third-party files."""
    root = data_root() / "real"
    if not (root / "CATALOG.tsv").is_file():
        pytest.skip(MISSING_DATA_REASON)
    return root


@pytest.fixture(scope="session")
def presidio_root() -> Path:
    """``shared/data/presidio``: Presidio's pseudo-PHI files."""
    root = data_root() / "presidio"
    if not root.is_dir():
        pytest.skip(MISSING_DATA_REASON)
    return root


@pytest.fixture(scope="session")
def greyscale_cine(real_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GREYSCALE_CINE.dcm unzipped once per session (RGB_CINE, 104 MB unzipped, is never used)."""
    with zipfile.ZipFile(real_root / "deid-data/ultrasounds/GREYSCALE_CINE.zip") as archive:
        member = next(name for name in archive.namelist() if name.lower().endswith(".dcm"))
        return Path(archive.extract(member, tmp_path_factory.mktemp("cine")))
