"""Fixtures for the DICOM stage tests: the data folders (shared corpus, else the own corpus)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reference import data_root, shared_only_reason

RealFile = Callable[[str], Path]
"""The `real_file` fixture: a catalog path to a file, or a skip."""


@pytest.fixture(scope="session")
def real_root() -> Path:
    """``<data>/real``: the catalogued third-party files (all 160, or the 43 of the own corpus)."""
    return data_root() / "real"


@pytest.fixture(scope="session")
def real_file(real_root: Path) -> RealFile:
    """``real_file("pydicom/CT_small.dcm")``: the file's path, or a skip where only the shared corpus has it."""

    def path(rel: str) -> Path:
        found = real_root / rel
        if not found.is_file():
            pytest.skip(shared_only_reason(rel))
        return found

    return path


@pytest.fixture(scope="session")
def presidio_root() -> Path:
    """``shared/data/presidio``: Presidio's pseudo-PHI files (not in the own corpus)."""
    root = data_root() / "presidio"
    if not root.is_dir():
        pytest.skip(shared_only_reason("presidio/"))
    return root


@pytest.fixture(scope="session")
def greyscale_cine(real_file: RealFile, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GREYSCALE_CINE.dcm unzipped once per session (RGB_CINE, 104 MB unzipped, is never used)."""
    with zipfile.ZipFile(real_file("deid-data/ultrasounds/GREYSCALE_CINE.zip")) as archive:
        member = next(name for name in archive.namelist() if name.lower().endswith(".dcm"))
        return Path(archive.extract(member, tmp_path_factory.mktemp("cine")))
