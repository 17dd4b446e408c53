"""The real test files of ``shared/data/real/CATALOG.tsv``, one small frozen object per row.

Like pydicom's ``tests/pixels/pixels_reference.py``: each file is described once and the
decode, encode and recall tests are parametrized by these objects. Nothing here imports
pixelsvc or pytest, so any test module can use it.

The data folder is ``$PIXELSVC_TEST_DATA`` or ``<repo>/../shared/data`` (the shared corpus,
160 files). Where neither holds ``real/CATALOG.tsv`` the suite runs on its own corpus
(`tests/data/CATALOG.tsv`, 43 files): pydicom's and deid-data's bundled test files, which
the ``test`` extra installs, and a few small MIT files vendored under ``tests/data/real``.
`own_corpus_root` lays them out like the shared folder (symbolic links under a temporary
folder), so every test reads ``<root>/real/<path>`` either way; a test whose file is only
in the shared corpus skips with `shared_only_reason`.
"""

from __future__ import annotations

import atexit
import csv
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DECODED_HERE",
    "MISSING_DATA_REASON",
    "OWN_CATALOG",
    "CatalogFile",
    "corpus_name",
    "data_root",
    "load_catalog",
    "own_corpus_root",
    "shared_only_reason",
    "using_own_corpus",
]

REPO = Path(__file__).resolve().parents[1]

MISSING_DATA_REASON = "shared test data not found; set PIXELSVC_TEST_DATA to the folder holding real/CATALOG.tsv"

OWN_CATALOG = REPO / "tests" / "data" / "CATALOG.tsv"
"""The own corpus: rows of the shared catalog whose files ship in an installed package or under tests/data/real."""

DECODED_HERE: dict[str, str] = {
    "pydicom/JPEG-lossy.dcm": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/SC1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/XA1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/MR1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "pydicom-data/liver_rle.dcm": "pixelsvc's 1-bit RLE plug-in (pylibjpeg-rle segments, unpacked here)",
    "pydicom-data/liver_deflate.dcm": "pixelsvc's Deflated Image Frame Compression plug-in (zlib)",
}
"""Rows the catalog marks FAIL that pixelsvc decodes, and with what."""


def _shared_root() -> Path:
    return Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))


def using_own_corpus() -> bool:
    """True where no shared corpus is found: the suite then runs on `OWN_CATALOG`."""
    return not (_shared_root() / "real" / "CATALOG.tsv").is_file()


def corpus_name() -> str:
    return "own corpus (tests/data/CATALOG.tsv)" if using_own_corpus() else f"shared corpus ({_shared_root()})"


def data_root() -> Path:
    """The test data folder: ``$PIXELSVC_TEST_DATA``, else ``../shared/data``, else `own_corpus_root`."""
    return own_corpus_root() if using_own_corpus() else _shared_root()


def shared_only_reason(path: str) -> str:
    return f"{path} is only in the shared corpus (set PIXELSVC_TEST_DATA or clone beside ../shared/data)"


def _package_folder(package: str) -> Path:
    """Where an installed package keeps its data files (imported only here, and only when needed)."""
    if package == "pydicom":
        import pydicom.data

        return Path(pydicom.data.__file__).parent / "test_files"
    if package == "deid-data":
        try:
            import deid_data.data
        except ImportError as error:
            raise RuntimeError("the own test corpus needs deid-data: pip install -e '.[test]'") from error
        return Path(deid_data.data.__file__).parent
    if package == "vendored":
        return REPO / "tests" / "data" / "real"
    raise ValueError(f"unknown package {package!r} in {OWN_CATALOG}")


_OWN_ROOT: list[Path] = []


def own_corpus_root() -> Path:
    """A folder laid out like ``shared/data``: ``real/CATALOG.tsv`` and one link per own-corpus file.

    Built once per process in a temporary folder and removed at exit. Each file's SHA-256 is
    checked against the catalog, so a changed package release cannot pass for the catalogued file.
    """
    if _OWN_ROOT:
        return _OWN_ROOT[0]
    root = Path(tempfile.mkdtemp(prefix="pixelsvc-own-corpus-"))
    atexit.register(shutil.rmtree, root, True)
    real = root / "real"
    real.mkdir()
    with OWN_CATALOG.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        source = _package_folder(row["package"]) / row["package_path"]
        if hashlib.sha256(source.read_bytes()).hexdigest() != row["sha256"]:
            raise RuntimeError(f"{source} differs from the file {OWN_CATALOG.name} describes (sha256)")
        link = real / row["path"]
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    shutil.copyfile(OWN_CATALOG, real / "CATALOG.tsv")
    _OWN_ROOT.append(root)
    return root


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """One row of CATALOG.tsv: what the file is and what decoding it should give."""

    path: str
    """Relative to ``real/``; also the test id."""
    transfer_syntax: str
    photometric: str
    """(0028,0004) as stored; '' for files without pixel data or ACR-NEMA files without it."""
    rows: int | None
    cols: int | None
    frames: int | None
    samples_per_pixel: int | None
    bits_allocated: int | None
    bits_stored: int | None
    """None for float pixel data, which has no Bits Stored."""
    pixel_representation: int | None
    modality: str
    decodes: bool
    """Expected to decode with pixelsvc's decoders (catalog status, plus `DECODED_HERE`)."""
    needs_imagecodecs: bool
    """Decodes only with the optional imagecodecs package."""
    has_pixels: bool
    decode_note: str = field(repr=False)
    text_read: str = field(repr=False)
    """The visual transcription of burned-in text: may be (synthetic) PHI, never print it."""

    @property
    def is_zip(self) -> bool:
        """The deid-data CINEs are kept as the upstream zip archives."""
        return self.path.endswith(".zip")

    @property
    def is_signed(self) -> bool:
        return self.pixel_representation == 1

    @property
    def is_colour(self) -> bool:
        return self.photometric not in ("MONOCHROME1", "MONOCHROME2", "")

    @property
    def decoded_photometric(self) -> str:
        """What `Frame.photometric` should be: monochrome stays, colour becomes RGB."""
        return "RGB" if self.is_colour else self.photometric

    def absolute(self, root: Path | None = None) -> Path:
        return (root or data_root()) / "real" / self.path


def _row_to_file(row: dict[str, str]) -> CatalogFile:
    status = row["decode_status"]
    path = row["path"]
    needs_imagecodecs = "imagecodecs only" in status or "imagecodecs" in DECODED_HERE.get(path, "")
    return CatalogFile(
        path=path,
        transfer_syntax=row["transfer_syntax_uid"],
        photometric=row["photometric"],
        rows=_int(row["rows"]),
        cols=_int(row["cols"]),
        frames=_int(row["frames"]),
        samples_per_pixel=_int(row["samples_per_pixel"]),
        bits_allocated=_int(row["bits_allocated"]),
        bits_stored=_int(row["bits_stored"]),
        pixel_representation=_int(row["pixel_representation"]),
        modality=row["modality"],
        decodes=status.startswith("ok") or path in DECODED_HERE,
        needs_imagecodecs=needs_imagecodecs,
        has_pixels=status != "no pixel data",
        decode_note=row["decode_note"],
        text_read=row["text_read"],
    )


def load_catalog(root: Path | None = None) -> tuple[CatalogFile, ...]:
    """Every row of ``real/CATALOG.tsv`` (shared or own corpus), or ``()`` when `root` has none."""
    catalog = (root or data_root()) / "real" / "CATALOG.tsv"
    if not catalog.is_file():
        return ()
    with catalog.open(newline="", encoding="utf-8") as f:
        return tuple(_row_to_file(row) for row in csv.DictReader(f, delimiter="\t"))
