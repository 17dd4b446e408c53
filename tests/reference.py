"""The real test files of ``shared/data/real/CATALOG.tsv``, one small frozen object per row.

Like pydicom's ``tests/pixels/pixels_reference.py``: each file is described once and the
decode, encode and recall tests are parametrized by these objects. Nothing here imports
pixelsvc or pytest, so any test module can use it.

The data folder is ``$PIXELSVC_TEST_DATA`` or ``<repo>/../shared/data``; `load_catalog`
returns an empty tuple when it is absent, and tests skip with `MISSING_DATA_REASON`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DECODED_HERE",
    "MISSING_DATA_REASON",
    "CatalogFile",
    "data_root",
    "load_catalog",
]

REPO = Path(__file__).resolve().parents[1]

MISSING_DATA_REASON = "shared test data not found; set PIXELSVC_TEST_DATA to the folder holding real/CATALOG.tsv"

DECODED_HERE: dict[str, str] = {
    "pydicom/JPEG-lossy.dcm": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/SC1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/XA1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "dicom-test-files/WG04/JPLY/MR1_JPLY": "imagecodecs (libjpeg-turbo) 12-bit JPEG Extended",
    "pydicom-data/liver_rle.dcm": "pixelsvc's 1-bit RLE plug-in (pylibjpeg-rle segments, unpacked here)",
    "pydicom-data/liver_deflate.dcm": "pixelsvc's Deflated Image Frame Compression plug-in (zlib)",
}
"""Rows the catalog marks FAIL that pixelsvc decodes, and with what."""


def data_root() -> Path:
    """The shared test data folder: ``$PIXELSVC_TEST_DATA``, else ``../shared/data`` beside the repo."""
    return Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))


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
    """Every row of ``real/CATALOG.tsv``, or ``()`` when the data folder is absent."""
    catalog = (root or data_root()) / "real" / "CATALOG.tsv"
    if not catalog.is_file():
        return ()
    with catalog.open(newline="", encoding="utf-8") as f:
        return tuple(_row_to_file(row) for row in csv.DictReader(f, delimiter="\t"))
