"""Account for every byte of the pixel data before any of it is decoded.

A file may only be written as checked if every byte of its pixel data is decoded and
analysed. `account_pixel_data` runs before decoding and

* refuses files whose decoded frames would pass `DecodeLimits` (memory bombs), judged from
  the header *and* from each codestream's own size fields (JPEG / JPEG-LS SOF, J2K SIZ, RLE
  header), which must agree with (0028,0010) Rows, (0028,0011) Columns and (0028,0002)
  SamplesPerPixel;
* replaces the pixel data element in the dataset by exactly the bytes the decoder will
  analyse: native data cut to the frames' length (one pad byte allowed), encapsulated
  frames cut at the end of their codestream (data after EOI, a second stream, slack in RLE
  segments, padding fragments, JPEG comment/application segments dropped) and
  re-encapsulated with a fresh offset table;
* asks for a rewrite from the decoded frames where a stream's end cannot be found here
  (JPEG XL and syntaxes without a walker), so that nothing unanalysed is kept.

What was dropped is counted in `PixelAccount`, which the report carries; it never quotes
a byte of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pydicom
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import UID

from pixelsvc.config import DecodeLimits
from pixelsvc.dicom import codestream
from pixelsvc.dicom.decode import FrameInfo
from pixelsvc.errors import DecodeError, InvalidFrameError

__all__ = ["PixelAccount", "account_pixel_data", "decoded_frame_bytes"]

_JPEG = frozenset({"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.53",
                   "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"})
_JPEG_LS = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
_J2K = frozenset({"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.92",
                  "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                  "1.2.840.10008.1.2.4.203"})
_RLE = "1.2.840.10008.1.2.5"
_DEFLATED_FRAME = "1.2.840.10008.1.2.8.1"
_NATIVE_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                              "1.2.840.10008.1.2.1.99"})
"""Implicit / explicit VR little endian, explicit big endian, deflated explicit little endian; every
other syntax carries encapsulated frames (a syntax newer than pydicom included)."""
_PIXEL_TAGS = {"PixelData": 0x7FE00010, "FloatPixelData": 0x7FE00008, "DoubleFloatPixelData": 0x7FE00009}


@dataclass(frozen=True, slots=True)
class PixelAccount:
    """What `account_pixel_data` did: safe to report (counts and fixed phrases only)."""

    dropped_bytes: int = 0
    """Bytes of the input's pixel data element that are not in the output: never decoded."""
    notes: tuple[str, ...] = ()
    """Why bytes were dropped or a rewrite is needed."""
    rewrite: bool = False
    """True: the encoder must write every frame from its decoded form (the stream's end is unknown)."""

    def to_json(self) -> dict[str, object]:
        return {"dropped_bytes": self.dropped_bytes, "notes": list(self.notes), "rewrite": self.rewrite}


def decoded_frame_bytes(info: FrameInfo) -> int:
    """Bytes one decoded frame takes in memory (1-bit unpacked to bytes, palette expanded to 16-bit RGB)."""
    if info.photometric == "PALETTE COLOR":
        return info.frame_pixels * 3 * 2
    return info.frame_pixels * info.samples_per_pixel * max(1, info.bits_allocated // 8)


def account_pixel_data(ds: pydicom.Dataset, info: FrameInfo, limits: DecodeLimits) -> PixelAccount:
    """Check sizes and replace `ds`'s pixel data by exactly the bytes that will be decoded.

    Raises:
        InvalidFrameError: the decoded frames would pass a `DecodeLimits` bound, or a
            codestream's own size disagrees with the header.
        DecodeError: the pixel data cannot be mapped onto frames, or a codestream cannot be walked.
    """
    _check_limits(info, limits)
    element = ds[_PIXEL_TAGS[info.pixel_keyword]]
    if info.transfer_syntax_uid in _NATIVE_SYNTAXES:
        return _account_native(ds, element, info)
    return _account_encapsulated(ds, element, info)


def _check_limits(info: FrameInfo, limits: DecodeLimits) -> None:
    frame = decoded_frame_bytes(info)
    if frame > limits.max_frame_decoded_bytes:
        raise InvalidFrameError(
            f"one decoded frame of {info.rows} x {info.columns} x {info.samples_per_pixel} at {info.bits_allocated} "
            f"bits takes {frame} bytes, more than max_frame_decoded_bytes = {limits.max_frame_decoded_bytes}; "
            "raise PIXELSVC_MAX_FRAME_DECODED_BYTES to accept it")
    total = frame * info.number_of_frames
    if total > limits.max_file_decoded_bytes:
        raise InvalidFrameError(
            f"{info.number_of_frames} decoded frames of {frame} bytes take {total} bytes, more than "
            f"max_file_decoded_bytes = {limits.max_file_decoded_bytes}; raise PIXELSVC_MAX_FILE_DECODED_BYTES "
            "to accept it")


def _native_bytes(info: FrameInfo) -> int:
    values = info.frame_pixels * info.number_of_frames
    if info.photometric == "YBR_FULL_422":
        values *= 2
    else:
        values *= info.samples_per_pixel
    return math.ceil(values * info.bits_allocated / 8)


def _account_native(ds: pydicom.Dataset, element: pydicom.DataElement, info: FrameInfo) -> PixelAccount:
    value = element.value
    needed = _native_bytes(info)
    allowed = needed + needed % 2
    if value is None or len(value) <= allowed:
        return PixelAccount()  # a short element fails when it is decoded
    dropped = len(value) - needed
    element.value = bytes(value[:needed]) + (b"\0" if needed % 2 else b"")
    return PixelAccount(dropped, (
        f"native pixel data holds {len(value)} bytes but the pixel module describes {needed} "
        f"({info.number_of_frames} frames of (0028,0010) Rows x (0028,0011) Columns x samples x bits); "
        "the bytes after the last frame were never decoded and are not written",))


def _account_encapsulated(ds: pydicom.Dataset, element: pydicom.DataElement, info: FrameInfo) -> PixelAccount:
    syntax = info.transfer_syntax_uid
    walker = _walker(syntax, info)
    if walker is None:
        return PixelAccount(0, (f"the end of a {_syntax_name(syntax)} stream cannot be checked here: every frame "
                                "is written from its decoded pixels",), rewrite=True)
    extended = None
    if "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
        extended = (ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths)
    try:
        encoded = list(generate_frames(element.value, number_of_frames=info.number_of_frames,
                                       extended_offsets=extended))
    except Exception as exc:
        raise DecodeError(f"encapsulated pixel data cannot be split into {info.number_of_frames} frames "
                          f"({type(exc).__name__}); fragments that map to no frame are not accepted") from None
    if len(encoded) != info.number_of_frames:
        raise DecodeError(f"encapsulated pixel data holds {len(encoded)} frames but (0028,0008) NumberOfFrames is "
                          f"{info.number_of_frames}; fix the header so that every frame can be checked")
    frames: list[bytes] = []
    dropped = 0
    for index, data in enumerate(encoded):
        try:
            stream = walker(data)
        except DecodeError as exc:
            raise DecodeError(f"frame {index}: {exc}") from None
        _check_size(stream, info, index)
        frames.append(stream.data)
        pad = len(data) - len(stream.data)
        if not (pad == 0 or (pad == 1 and data[-1:] in (b"\0", b"\xff") and data.startswith(stream.data))):
            dropped += pad
    original = bytes(element.value)
    rebuilt = encapsulate(frames, has_bot=True)
    if not dropped and (rebuilt == original or encapsulate(frames, has_bot=False) == original):
        return PixelAccount()  # nothing outside the codestreams: the element stays as read
    dropped = max(dropped, len(original) - len(rebuilt))
    element.value = rebuilt
    for keyword in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:
            del ds[keyword]
    return PixelAccount(dropped, (
        f"the encapsulated pixel data was rebuilt from its {len(frames)} decoded codestreams; {dropped} bytes outside "
        "them (data after a stream's end, extra streams or fragments, comment or application segments) are not "
        "written",))


def _walker(syntax: str, info: FrameInfo):
    if syntax in _JPEG:
        return codestream.walk_jpeg
    if syntax in _JPEG_LS:
        return lambda data: codestream.walk_jpeg(data, jpeg_ls=True)
    if syntax in _J2K:
        return codestream.walk_j2k
    if syntax == _RLE:
        one_bit = info.bits_allocated == 1
        segments = info.samples_per_pixel * (1 if one_bit else info.bits_allocated // 8)
        per_segment = math.ceil(info.frame_pixels * info.samples_per_pixel / 8) if one_bit else info.frame_pixels
        return lambda data: codestream.walk_rle(data, segments=segments, segment_bytes=per_segment)
    if syntax == _DEFLATED_FRAME:
        frame = _native_bytes(info) // info.number_of_frames if info.bits_allocated > 1 else \
            math.ceil(info.frame_pixels * info.samples_per_pixel / 8)
        return lambda data: codestream.walk_deflate(data, frame)
    return None


def _check_size(stream: codestream.Codestream, info: FrameInfo, index: int) -> None:
    if stream.rows == 0:  # RLE / deflate: the size is fixed by the header itself
        return
    if (stream.rows, stream.columns) != (info.rows, info.columns):
        raise InvalidFrameError(
            f"frame {index}: the codestream declares {stream.rows} x {stream.columns} pixels but (0028,0010) Rows x "
            f"(0028,0011) Columns is {info.rows} x {info.columns}; the header does not describe the data")
    if stream.components != info.samples_per_pixel:
        raise InvalidFrameError(
            f"frame {index}: the codestream has {stream.components} components but (0028,0002) SamplesPerPixel is "
            f"{info.samples_per_pixel}")
    if stream.precision > max(info.bits_allocated, 8):
        raise InvalidFrameError(
            f"frame {index}: the codestream holds {stream.precision}-bit samples but (0028,0100) BitsAllocated is "
            f"{info.bits_allocated}")


def _syntax_name(syntax: str) -> str:
    try:
        uid = UID(syntax)
        return uid.name if uid.is_transfer_syntax else syntax
    except ValueError:
        return syntax
