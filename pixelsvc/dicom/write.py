"""Write a dataset whatever its transfer syntax, one rule for every writer in pixelsvc.

pydicom's writer refuses transfer syntaxes it does not know (JPEG XL, Deflated Image Frame
Compression are newer than pydicom 3.0). Their datasets are explicit VR little endian,
which is what `dcmwrite` writes when told the encoding.
"""

from __future__ import annotations

from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID

__all__ = ["write_any_syntax"]


def write_any_syntax(f: Any, ds: Dataset, *, enforce_file_format: bool) -> None:
    """`pydicom.dcmwrite(f, ds)` for the syntax in `ds.file_meta`, also when pydicom does not know it.

    Args:
        f: a path or a writable binary file.
        ds: the dataset, with file meta holding its transfer syntax.
        enforce_file_format: passed to pydicom for known syntaxes (a complete file meta is
            required and checked); an unknown syntax is always written with the meta as given.
    """
    syntax = UID(str(ds.file_meta.TransferSyntaxUID))
    try:
        known = syntax.is_transfer_syntax
    except ValueError:  # not a UID pydicom can classify
        known = False
    if known:
        pydicom.dcmwrite(f, ds, enforce_file_format=enforce_file_format)
    else:
        pydicom.dcmwrite(f, ds, implicit_vr=False, little_endian=True, force_encoding=True)
