"""The stored bytes of each frame, for tests that check which frames kept their original encoding."""

from __future__ import annotations

import pydicom
from pydicom.encaps import generate_frames

from pixelsvc.dicom.decode import frame_info

NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}


def encoded_frames(ds: pydicom.Dataset) -> list[bytes]:
    """Each frame's bytes as stored: a slice of native data, or an encapsulated frame."""
    info = frame_info(ds)
    data = ds[info.pixel_keyword].value
    if str(ds.file_meta.TransferSyntaxUID) in NATIVE_SYNTAXES:
        size = info.frame_pixels * info.samples_per_pixel * info.bits_allocated // 8
        return [bytes(data[i * size:(i + 1) * size]) for i in range(info.number_of_frames)]
    return list(generate_frames(data, number_of_frames=info.number_of_frames))
