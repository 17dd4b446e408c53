"""Write a synthetic series as a DICOM file: display space -> stored values, header variants, encodings.

Pixel formats cover what scanners write: 8/12/16-bit, signed, MONOCHROME1, RGB and
YBR_FULL; encodings native (explicit and implicit VR), RLE, JPEG-LS lossless, JPEG 2000
lossless and JPEG baseline (8-bit), with the encoders installed with the package. An
encoding that fails for a format falls back to native explicit VR little endian, and
the file records the syntax it really has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)

__all__ = ["PixelFormat", "random_format", "to_stored", "write_series"]

_SOP_CLASSES = {
    "CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "CR": "1.2.840.10008.5.1.4.1.1.1",
    "DX": "1.2.840.10008.5.1.4.1.1.1.1", "US": "1.2.840.10008.5.1.4.1.1.6.1", "NM": "1.2.840.10008.5.1.4.1.1.20",
    "XA": "1.2.840.10008.5.1.4.1.1.12.1", "RF": "1.2.840.10008.5.1.4.1.1.12.2",
}
_SC = "1.2.840.10008.5.1.4.1.1.7"
_SC_MULTI = {8: "1.2.840.10008.5.1.4.1.1.7.2", 16: "1.2.840.10008.5.1.4.1.1.7.3", 24: "1.2.840.10008.5.1.4.1.1.7.4"}
_US_MULTI = "1.2.840.10008.5.1.4.1.1.3.1"


@dataclass(frozen=True, slots=True)
class PixelFormat:
    """How pixels are stored."""

    photometric: str
    """'MONOCHROME2', 'MONOCHROME1', 'RGB' or 'YBR_FULL'."""
    bits_allocated: int
    bits_stored: int
    signed: bool
    syntax: str
    """Transfer syntax UID wanted."""

    @property
    def colour(self) -> bool:
        return self.photometric in ("RGB", "YBR_FULL")

    @property
    def range(self) -> tuple[int, int]:
        if self.signed:
            return -(1 << (self.bits_stored - 1)), (1 << (self.bits_stored - 1)) - 1
        return 0, (1 << self.bits_stored) - 1


def random_format(rng: random.Random, colour: bool) -> PixelFormat:
    """A pixel format and encoding, each axis drawn on its own."""
    if colour:
        photometric = rng.choice(["RGB", "RGB", "YBR_FULL"])
        bits = (8, 8, False)
    else:
        photometric = rng.choice(["MONOCHROME2", "MONOCHROME2", "MONOCHROME1"])
        bits = rng.choice([(8, 8, False), (16, 12, False), (16, 16, False), (16, 12, True), (16, 16, True),
                           (16, 10, False)])
    syntaxes = [ExplicitVRLittleEndian] * 5 + [ImplicitVRLittleEndian, RLELossless, RLELossless, JPEGLSLossless,
                                               JPEG2000Lossless]
    if bits[0] == 8 and photometric != "YBR_FULL":
        syntaxes += [JPEGBaseline8Bit, JPEGBaseline8Bit]
    if photometric == "YBR_FULL":  # native only: compressors would want YBR in their own way
        syntaxes = [ExplicitVRLittleEndian]
    return PixelFormat(photometric, bits[0], bits[1], bits[2], str(rng.choice(syntaxes)))


def to_stored(display: np.ndarray, fmt: PixelFormat) -> np.ndarray:
    """Display-space floats -> stored integers of the format (MONOCHROME1 inverted)."""
    lo, hi = fmt.range
    d = np.clip(display, 0.0, 1.0)
    if fmt.photometric == "MONOCHROME1":
        d = 1.0 - d
    stored = np.rint(lo + d * (hi - lo))
    dtype = {(8, False): np.uint8, (8, True): np.int8, (16, False): np.uint16, (16, True): np.int16}[
        (fmt.bits_allocated, fmt.signed)]
    return stored.astype(dtype)


def write_series(path: Path, frames: list[np.ndarray], fmt: PixelFormat, modality: str, header: dict[str, str],
                 uids: tuple[str, str, str]) -> str:
    """Write stored frames (RGB for colour formats) with `header` values; returns the transfer syntax written."""
    ds = Dataset()
    n = len(frames)
    if modality == "US":
        sop_class = _US_MULTI if n > 1 else _SOP_CLASSES["US"]
    elif n > 1:
        sop_class = _SC_MULTI[24 if fmt.colour else fmt.bits_allocated]
    else:
        sop_class = _SOP_CLASSES.get(modality, _SC)
    study_uid, series_uid, sop_uid = uids
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.Modality = modality
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.BurnedInAnnotation = "YES"
    ds.Manufacturer = "pixelsvc synthetic"
    for keyword, value in header.items():
        if value:
            setattr(ds, keyword, value)
    ds.PatientName = header.get("PatientName", "")
    ds.PatientID = header.get("PatientID", "")
    rows, cols = frames[0].shape[:2]
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 3 if fmt.colour else 1
    ds.PhotometricInterpretation = fmt.photometric
    if fmt.colour:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = fmt.bits_allocated, fmt.bits_stored, fmt.bits_stored - 1
    ds.PixelRepresentation = 1 if fmt.signed else 0
    if n > 1:
        ds.NumberOfFrames = n
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = 40.0
    arr = np.stack(frames) if n > 1 else frames[0]
    if fmt.photometric == "YBR_FULL":
        from pydicom.pixels import convert_color_space

        arr = convert_color_space(arr, "RGB", "YBR_FULL")
    syntax = _encode(ds, arr, fmt)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = sop_class, sop_uid
    meta.TransferSyntaxUID = UID(syntax)
    meta.ImplementationClassUID = UID("1.2.826.0.1.3680043.8.498.1")
    ds.file_meta = meta
    ds.preamble = b"\0" * 128
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True, implicit_vr=syntax == ImplicitVRLittleEndian, little_endian=True)
    return syntax


def _encode(ds: Dataset, arr: np.ndarray, fmt: PixelFormat) -> str:
    wanted = fmt.syntax
    if wanted in (ExplicitVRLittleEndian, ImplicitVRLittleEndian):
        ds.PixelData = np.ascontiguousarray(arr).tobytes()
        return wanted
    try:
        if wanted == JPEGBaseline8Bit:
            import imagecodecs

            frames = arr if arr.ndim == (4 if fmt.colour else 3) else arr[None]
            ds.PixelData = encapsulate([imagecodecs.jpeg8_encode(f, level=92) for f in frames])
            ds["PixelData"].VR = "OB"
            if fmt.colour:
                ds.PhotometricInterpretation = "YBR_FULL_422"
            ds.LossyImageCompression = "01"
            return wanted
        ds.PixelData = np.ascontiguousarray(arr).tobytes()
        ds.compress(UID(wanted), arr, generate_instance_uid=False)
        return wanted
    except Exception:  # an encoder missing or refusing this format: store natively
        ds.PixelData = np.ascontiguousarray(arr).tobytes()
        ds["PixelData"].VR = "OW" if fmt.bits_allocated > 8 else "OB"
        ds.PhotometricInterpretation = fmt.photometric
        if "LossyImageCompression" in ds:
            del ds.LossyImageCompression
        return str(ExplicitVRLittleEndian)


def new_uids(rng: random.Random) -> tuple[str, str, str]:
    """Study, series and instance UIDs drawn from the seeded generator (deterministic)."""
    prefix = "1.2.826.0.1.3680043.8.498."
    return tuple(generate_uid(prefix, entropy_srcs=[str(rng.getrandbits(64)), str(k)]) for k in range(3))  # type: ignore[return-value]
