"""Stage 1, decode: a DICOM file becomes decoded `Frame`s and the `PhiContext` of its header.

Frames are decoded one at a time with pydicom's pixel `Decoder` (what
:func:`pydicom.pixels.iter_pixels` runs underneath), so an 87-frame cine never sits
decoded in memory. Each frame keeps its native dtype and values:

* MONOCHROME1 / MONOCHROME2 stay monochrome with their stored values; no modality,
  VOI or presentation LUT is applied (the renderer decides how to display them).
* Signed data stays signed; big endian data is returned in native byte order.
* YBR_FULL and YBR_FULL_422 become RGB through pydicom's own conversion
  (``as_rgb``). The JPEG 2000 plug-ins undo YBR_ICT / YBR_RCT themselves and say so,
  so nothing is converted twice: `Frame.photometric` is what the decoder reports.
* PALETTE COLOR is expanded with :func:`pydicom.pixels.apply_color_lut`; palettes
  with 16-bit entries (the usual case) give uint16 RGB and ``bits_stored`` 16.
* Bits above (0028,0101) Bits Stored, where old scanners kept overlay planes, are
  cleared (or sign-extended) by pydicom for native, RLE and JPEG data (its
  ``correct_unused_bits``). JPEG-LS and JPEG 2000 data are returned as the codec gives
  them: a lossy JPEG 2000 frame may overshoot the Bits Stored range slightly. Overlay
  planes in (60xx,3000) are not part of the frame.
* 1-bit data (segmentations) is unpacked to uint8 0/1; float pixel data stays float.

Transfer syntaxes pydicom 3.0.2 cannot decode get extra pydicom decoder plug-ins,
defined at the end of this module, in private `Decoder` instances (pydicom's own
registry is left alone): imagecodecs, when installed, for JPEG processes 6/8 and
10/12, JPEG XL, and 12-bit JPEG Extended streams that libjpeg rejects; zlib for
Deflated Image Frame Compression; and a 1-bit RLE plug-in.

Errors never contain header values of PHI tags nor the file's path: paths may hold
patient names. Pixel-module values (rows, bits, photometric) are quoted because they
are not PHI and tell the caller what to fix.
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pydicom
import pydicom.filereader
from pydicom.charset import convert_encodings, decode_bytes
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, as_pixel_options, get_decoder
from pydicom.pixels.decoders.base import Decoder
from pydicom.tag import BaseTag, Tag
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGExtended12Bit,
    RLELossless,
)
from pydicom.valuerep import TEXT_VR_DELIMS

from pixelsvc.errors import DecodeError, InvalidFrameError, NotDicomError, UnsupportedEncodingError
from pixelsvc.types import Frame, PhiContext

if TYPE_CHECKING:
    from pydicom.pixels.decoders.base import DecodeRunner

__all__ = [
    "SUPPORTED_PHOTOMETRICS",
    "FrameInfo",
    "frame_info",
    "iter_frames",
    "phi_context",
    "pixel_decoder",
    "read_dataset",
]

SUPPORTED_PHOTOMETRICS: tuple[str, ...] = (
    "MONOCHROME1",
    "MONOCHROME2",
    "PALETTE COLOR",
    "RGB",
    "YBR_FULL",
    "YBR_FULL_422",
    "YBR_ICT",
    "YBR_RCT",
)
"""(0028,0004) values iter_frames accepts. Frames come out as MONOCHROME1/2 or RGB."""

_KNOWN_UNSUPPORTED_PHOTOMETRICS = ("YBR_PARTIAL_420", "YBR_PARTIAL_422", "ARGB", "CMYK", "HSV", "XYB")
_SUPPORTED_BITS_ALLOCATED = (1, 8, 16, 32, 64)
_PIXEL_DATA_TAGS = {
    0x7FE00010: "PixelData",
    0x7FE00008: "FloatPixelData",
    0x7FE00009: "DoubleFloatPixelData",
}


# ---------------------------------------------------------------------------------
# Reading


def read_dataset(src: str | os.PathLike[str] | BinaryIO, *, max_inflated_bytes: int | None = None) -> pydicom.Dataset:
    """Read a DICOM file, refusing anything that is not DICOM.

    Files are read with ``force=False``. The one exception is a file with no 128-byte
    preamble and 'DICM' prefix (ACR-NEMA style, still written by some old devices):
    it is read only if its first bytes are a group 0002 or 0008 data element. Its
    transfer syntax is then filled in from the encoding actually read.

    A path is opened under an anonymous name, so that pydicom's warnings ("End of
    file reached ... in file X") and ``ds.filename`` never carry it: paths may hold
    patient names. A caller's own file object keeps whatever name it has.

    A Deflated Explicit VR Little Endian dataset is first inflated in a bounded stream that
    keeps nothing; one that would inflate past `max_inflated_bytes` is refused before pydicom
    inflates it whole.

    Args:
        src: path to the file, or a binary file-like object positioned at its start.
        max_inflated_bytes: see `DecodeLimits.max_inflated_bytes` (its default when None).

    Returns:
        The dataset, pixel data included (decoded lazily by `iter_frames`).

    Raises:
        DecodeError: the input cannot be read, is not DICOM, or is truncated or corrupt.
            The message says why without the path or any header value.
    """
    if max_inflated_bytes is None:
        from pixelsvc.config import DecodeLimits

        max_inflated_bytes = DecodeLimits().max_inflated_bytes
    try:
        if hasattr(src, "read"):
            ds = _read(src, max_inflated_bytes)
        else:
            raw = io.FileIO(os.fspath(src), "r")
            raw.name = _ANONYMOUS_NAME
            with io.BufferedReader(raw) as f:
                ds = _read(f, max_inflated_bytes)
            ds.filename = None
    except DecodeError:
        raise
    except OSError as exc:
        # str(exc) holds the path, and a path may hold a patient's name
        reason = exc.strerror or type(exc).__name__
        raise DecodeError(f"input file could not be read: {reason}") from None
    except Exception as exc:  # pydicom raises many kinds when parsing broken bytes
        raise DecodeError(
            f"input file is truncated or corrupt: DICOM parsing failed ({_exception_name(exc)}); "
            "check that the whole file was transferred"
        ) from None

    if len(ds) == 0:
        raise DecodeError(
            "input file holds no readable data elements after its file meta information: it is truncated "
            "or corrupt; check that the whole file was transferred"
        )
    _check_last_element(ds)

    if not ds.file_meta.get("TransferSyntaxUID"):
        ds.file_meta.TransferSyntaxUID = _inferred_transfer_syntax(ds)

    return ds


_ANONYMOUS_NAME = "<input file>"


def _read(f: BinaryIO, max_inflated_bytes: int) -> pydicom.Dataset:
    start = f.tell()
    _check_inflated_size(f, max_inflated_bytes)
    try:
        return pydicom.dcmread(f, force=False)
    except InvalidDicomError:
        f.seek(start)
        head = f.read(8)
        f.seek(start)
        if not _starts_with_data_element(head):
            raise NotDicomError(
                "input file is not DICOM: it has no 'DICM' prefix at byte 128 and does not start "
                "with a group 0002 or 0008 data element; send a DICOM Part 10 file"
            ) from None
        return pydicom.dcmread(f, force=True)


def _check_inflated_size(f: BinaryIO, limit: int) -> None:
    """Refuse a deflated dataset that inflates past `limit`, counting in 1 MiB steps (nothing is kept)."""
    start = f.tell()
    try:
        pydicom.filereader.read_preamble(f, force=True)
        meta = pydicom.filereader._read_file_meta_info(f)
        deflated = str(meta.get("TransferSyntaxUID", "")) == str(DeflatedExplicitVRLittleEndian)
    except Exception:
        deflated = False  # not a Part 10 file meta: the normal read decides
    if not deflated:
        f.seek(start)
        return
    inflater = zlib.decompressobj(-15)
    total = 0
    try:
        while chunk := f.read(1 << 20):
            while chunk:
                total += len(inflater.decompress(chunk, 1 << 20))
                if total > limit:
                    raise DecodeError(
                        f"deflated dataset inflates to more than max_inflated_bytes = {limit} bytes; refused before "
                        "it is inflated (raise PIXELSVC_MAX_INFLATED_BYTES to accept it)")
                chunk = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        pass  # corrupt: the normal read reports it
    f.seek(start)


def _exception_name(exc: BaseException) -> str:
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _starts_with_data_element(head: bytes) -> bool:
    """Return True if `head` looks like a little endian group 0002 or 0008 element."""
    if len(head) < 8:
        return False
    group = int.from_bytes(head[0:2], "little")
    if group not in (0x0002, 0x0008):
        return False
    vr = head[4:6]
    if vr.isalpha() and vr.isupper():  # explicit VR
        return True
    length = int.from_bytes(head[4:8], "little")  # implicit VR: a plausible length
    return length < 0x01000000


def _check_last_element(ds: pydicom.Dataset) -> None:
    """Raise DecodeError if the last element's value is shorter than its header says.

    pydicom reads a truncated final element without complaint; the pixel data is
    almost always the last element, so a cut-off transfer shows up here.
    """
    # ds.keys(), not ds: iterating a Dataset converts (and validates) every element
    tags = [tag for tag in ds.keys() if tag.group != 0xFFFE]  # noqa: SIM118
    if not tags:
        return
    last = ds.get_item(tags[-1], keep_deferred=True)
    length = getattr(last, "length", None)
    value = getattr(last, "value", None)
    if isinstance(value, (bytes, bytearray)) and length not in (None, 0xFFFFFFFF) and len(value) < length:
        tag = BaseTag(last.tag)
        # an unknown tag may be read from garbage bytes (text after the dataset): never quote it
        name = _tag_name(tag) if keyword_for_tag(tag) else "(an unknown or private element)"
        raise DecodeError(
            f"input file is truncated: element {name} should hold {length} bytes but the file "
            f"ends after {len(value)}; check that the whole file was transferred"
        )


def _inferred_transfer_syntax(ds: pydicom.Dataset) -> UID:
    """The native transfer syntax a preamble-less file was actually read with."""
    implicit, little = ds.original_encoding
    if implicit is None:
        raise DecodeError(
            "dataset has no (0002,0010) TransferSyntaxUID and was not read from a file; "
            "set ds.file_meta.TransferSyntaxUID"
        )
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


# ---------------------------------------------------------------------------------
# Image pixel module


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """The image pixel description of a dataset, checked against what we can decode."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    """Equal to `bits_allocated` for float pixel data, which has no Bits Stored."""
    pixel_representation: int
    photometric: str
    """(0028,0004) as stored; decoded frames may differ (YBR -> RGB, palette -> RGB)."""
    number_of_frames: int
    transfer_syntax_uid: str
    pixel_keyword: str = "PixelData"
    """'PixelData', 'FloatPixelData' or 'DoubleFloatPixelData'."""

    @property
    def frame_pixels(self) -> int:
        return self.rows * self.columns


def frame_info(ds: pydicom.Dataset, *, max_frame_pixels: int | None = None) -> FrameInfo:
    """Read and check the image pixel module before any pixel is decoded.

    Args:
        ds: the dataset.
        max_frame_pixels: refuse frames with more pixels than this; ``None`` uses
            `EngineConfig.max_frame_pixels`' default.

    Returns:
        The checked description.

    Raises:
        DecodeError: there is no pixel data, or a required element is missing.
        UnsupportedEncodingError: the encoding is valid DICOM but has no decoder here
            (e.g. 12-bit packed ACR-NEMA pixels, YBR_PARTIAL_420).
        InvalidFrameError: a value is outside the range DICOM or the engine allows.
    """
    keywords = [kw for tag, kw in _PIXEL_DATA_TAGS.items() if tag in ds]
    if not keywords:
        raise DecodeError(
            "dataset has no (7FE0,0010) PixelData, (7FE0,0008) FloatPixelData or (7FE0,0009) "
            "DoubleFloatPixelData element: there are no pixels to decode"
        )
    if len(keywords) > 1:
        raise InvalidFrameError(
            f"dataset has more than one pixel data element ({', '.join(keywords)}); DICOM allows one"
        )
    pixel_keyword = keywords[0]
    is_float = pixel_keyword != "PixelData"

    rows = _required_int(ds, 0x00280010)
    columns = _required_int(ds, 0x00280011)
    for tag, value in ((0x00280010, rows), (0x00280011, columns)):
        if not 1 <= value <= 0xFFFF:
            raise InvalidFrameError(f"{_tag_name(tag)} is {value}; it must be in the range [1, 65535]")

    bits_allocated = _required_int(ds, 0x00280100)
    if bits_allocated not in _SUPPORTED_BITS_ALLOCATED:
        raise UnsupportedEncodingError(
            f"{_tag_name(0x00280100)} is {bits_allocated}; pixels can be decoded only for "
            f"{', '.join(map(str, _SUPPORTED_BITS_ALLOCATED))} (packed 12-bit ACR-NEMA pixel data "
            "must be converted to 16 bits allocated first)"
        )
    samples = _required_int(ds, 0x00280002)
    if samples not in (1, 3):
        raise InvalidFrameError(f"{_tag_name(0x00280002)} is {samples}; it must be 1 or 3")

    if is_float:
        bits_stored = bits_allocated
        pixel_representation = 0
    else:
        bits_stored = _required_int(ds, 0x00280101)
        if not 1 <= bits_stored <= bits_allocated:
            raise InvalidFrameError(
                f"{_tag_name(0x00280101)} is {bits_stored}; it must be in the range "
                f"[1, {bits_allocated}] ((0028,0100) BitsAllocated)"
            )
        pixel_representation = _required_int(ds, 0x00280103)
        if pixel_representation not in (0, 1):
            raise InvalidFrameError(
                f"{_tag_name(0x00280103)} is {pixel_representation}; it must be 0 (unsigned) or 1 (signed)"
            )

    photometric = str(_required(ds, 0x00280004)).strip()
    if photometric in _KNOWN_UNSUPPORTED_PHOTOMETRICS:
        raise UnsupportedEncodingError(
            f"{_tag_name(0x00280004)} is {photometric!r}, which has no decoder here; "
            f"supported: {', '.join(SUPPORTED_PHOTOMETRICS)}"
        )
    if photometric not in SUPPORTED_PHOTOMETRICS:
        raise InvalidFrameError(
            f"{_tag_name(0x00280004)} is {photometric!r}; it must be one of {', '.join(SUPPORTED_PHOTOMETRICS)}"
        )
    wanted_samples = 1 if photometric in ("MONOCHROME1", "MONOCHROME2", "PALETTE COLOR") else 3
    if samples != wanted_samples:
        raise InvalidFrameError(
            f"{_tag_name(0x00280002)} is {samples} but {_tag_name(0x00280004)} {photometric!r} needs {wanted_samples}"
        )
    if photometric == "PALETTE COLOR":
        _check_palette(ds)

    number_of_frames = _number_of_frames(ds)

    limit = max_frame_pixels if max_frame_pixels is not None else _default_max_frame_pixels()
    if rows * columns > limit:
        raise InvalidFrameError(
            f"frame of {rows} x {columns} pixels ((0028,0010) Rows x (0028,0011) Columns) has more "
            f"than max_frame_pixels = {limit} pixels; raise EngineConfig.max_frame_pixels to accept it"
        )

    file_meta = getattr(ds, "file_meta", None)
    tsyntax = (file_meta.get("TransferSyntaxUID") if file_meta is not None else None) or _inferred_transfer_syntax(ds)

    return FrameInfo(
        rows=rows,
        columns=columns,
        samples_per_pixel=samples,
        bits_allocated=bits_allocated,
        bits_stored=bits_stored,
        pixel_representation=pixel_representation,
        photometric=photometric,
        number_of_frames=number_of_frames,
        transfer_syntax_uid=str(tsyntax),
        pixel_keyword=pixel_keyword,
    )


def _tag_name(tag: int) -> str:
    tag = Tag(tag)
    keyword = keyword_for_tag(tag) or "private or unknown element"
    return f"({tag.group:04X},{tag.element:04X}) {keyword}"


def _required(ds: pydicom.Dataset, tag: int) -> Any:
    if tag not in ds or ds[tag].value in (None, ""):
        raise DecodeError(f"dataset has no {_tag_name(tag)} value; it is required to decode the pixel data")
    return ds[tag].value


def _required_int(ds: pydicom.Dataset, tag: int) -> int:
    value = _required(ds, tag)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidFrameError(f"{_tag_name(tag)} is {value!r}; it must be an integer") from None


def _number_of_frames(ds: pydicom.Dataset) -> int:
    value = ds.get("NumberOfFrames")
    if value in (None, ""):
        return 1
    try:
        # an IS value such as '1.5' reads as a float that int() would silently truncate
        frames = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidFrameError(f"{_tag_name(0x00280008)} is {value!r}; it must be an integer >= 1") from None
    if frames < 1:
        raise InvalidFrameError(f"{_tag_name(0x00280008)} is {frames}; it must be an integer >= 1")
    return frames


def _check_palette(ds: pydicom.Dataset) -> None:
    for colour, index in (("Red", 1), ("Green", 2), ("Blue", 3)):
        descriptor = 0x00281100 + index
        data, segmented = 0x00281200 + index, 0x00281220 + index
        if descriptor not in ds:
            raise DecodeError(
                f"PALETTE COLOR dataset has no {_tag_name(descriptor)}; the {colour.lower()} palette cannot be applied"
            )
        if data not in ds and segmented not in ds:
            raise DecodeError(
                f"PALETTE COLOR dataset has neither {_tag_name(data)} nor {_tag_name(segmented)}; "
                f"the {colour.lower()} palette cannot be applied"
            )


def _default_max_frame_pixels() -> int:
    from pixelsvc.config import EngineConfig

    return EngineConfig().max_frame_pixels


# ---------------------------------------------------------------------------------
# Frames


def iter_frames(ds: pydicom.Dataset, stream_id: str = "0", *, max_frame_pixels: int | None = None) -> Iterator[Frame]:
    """Yield the dataset's frames one at a time, decoded to native values.

    The header is checked and a decoder chosen when this is called, so a file that
    cannot be decoded fails here; pixels are decoded only as the iterator advances.

    Args:
        ds: a dataset from `read_dataset` (or any dataset with file meta).
        stream_id: first half of each `Frame.key`; the second half is the frame index.
        max_frame_pixels: see `frame_info`.

    Returns:
        A generator of `Frame`; ``pixels`` is (rows, columns) for MONOCHROME1/2 and
        (rows, columns, 3) for RGB, in the dtype pydicom decodes to (uint8/16/32,
        int8/16/32, float32/64).

    Raises:
        DecodeError, UnsupportedEncodingError, InvalidFrameError: see `frame_info`;
            DecodeError also while iterating, when a frame's bytes fail to decode.
    """
    info = frame_info(ds, max_frame_pixels=max_frame_pixels)
    decoder = _decoder_for(info.transfer_syntax_uid, info.bits_allocated)
    return _generate_frames(ds, info, decoder, stream_id)


def _generate_frames(ds: pydicom.Dataset, info: FrameInfo, decoder: Decoder, stream_id: str) -> Iterator[Frame]:
    opts = as_pixel_options(ds)
    opts["number_of_frames"] = info.number_of_frames
    # we checked the header ourselves; transfer syntax may have been inferred
    arrays = decoder.iter_array(ds, **opts)
    syntax = UID(info.transfer_syntax_uid).name
    index = 0
    try:
        while index < info.number_of_frames:
            try:
                arr, props = next(arrays)
            except StopIteration:
                raise DecodeError(
                    f"pixel data holds {index} frames but {_tag_name(0x00280008)} is {info.number_of_frames}; "
                    "the file is truncated or its header is wrong"
                ) from None
            except (DecodeError, MemoryError):
                raise
            except Exception as exc:
                raise _frame_error(index, syntax, exc) from exc
            yield _make_frame(ds, info, arr, props, (stream_id, index))
            index += 1

        if decoder.is_encapsulated:
            # Fail closed: a frame the header does not announce would pass unchecked. Without
            # an offset table pydicom splits fragments at JPEG EOI markers, so extra data
            # (decodable or not) can also mean a frame was split where it should not be.
            try:
                extra = next(arrays, None) is not None
            except Exception:
                extra = True
            if extra:
                raise DecodeError(
                    f"pixel data holds more frames than {_tag_name(0x00280008)} = {info.number_of_frames}; "
                    "fix the header so that every frame can be checked"
                )
    finally:
        arrays.close()


def _frame_error(index: int, syntax: str, exc: Exception) -> DecodeError:
    text = str(exc).replace("\n", " ").strip()
    return DecodeError(f"frame {index} of the {syntax} pixel data could not be decoded: {text}")


def _make_frame(
    ds: pydicom.Dataset, info: FrameInfo, arr: np.ndarray, props: dict[str, str | int], key: tuple[str, int]
) -> Frame:
    photometric = str(props.get("photometric_interpretation", info.photometric))
    bits_stored = int(props.get("bits_stored", info.bits_stored))

    if photometric == "PALETTE COLOR":
        try:
            arr = apply_color_lut(arr, ds)
        except Exception as exc:
            raise DecodeError(
                f"frame {key[1]}: the PALETTE COLOR lookup tables (0028,1101-1103 and 0028,1201-1203 or "
                f"0028,1221-1223) could not be applied: {exc}"
            ) from exc
        arr = arr[..., :3]  # drop an alpha palette, if any
        photometric = "RGB"
        bits_stored = 8 if arr.dtype.itemsize == 1 else 16

    if photometric not in ("MONOCHROME1", "MONOCHROME2", "RGB"):
        raise UnsupportedEncodingError(
            f"frame {key[1]} decoded as {photometric!r} ((0028,0004) is {info.photometric!r}) and no "
            "conversion to RGB is available; convert the file to RGB or YBR_FULL"
        )

    if not arr.dtype.isnative:  # Explicit VR Big Endian
        arr = arr.astype(arr.dtype.newbyteorder("="))

    expected = (info.rows, info.columns) + ((3,) if photometric == "RGB" else ())
    if arr.shape != expected:
        raise DecodeError(
            f"frame {key[1]} decoded to shape {arr.shape} but the header describes {expected}; "
            "the pixel data does not match (0028,0010) Rows, (0028,0011) Columns and (0028,0002) SamplesPerPixel"
        )

    return Frame(key=key, pixels=arr, photometric=photometric, bits_stored=bits_stored)


# ---------------------------------------------------------------------------------
# Decoders: pydicom's, extended by the plug-ins below


def pixel_decoder(info: FrameInfo) -> Decoder:
    """The decoder `iter_frames` uses for a dataset (the encoder re-decodes what it wrote with it)."""
    return _decoder_for(info.transfer_syntax_uid, info.bits_allocated)


def _decoder_for(transfer_syntax_uid: str, bits_allocated: int) -> Decoder:
    """Return a decoder for the transfer syntax, or raise UnsupportedEncodingError."""
    decoder = _extended_decoder(transfer_syntax_uid, bits_allocated == 1)
    if decoder is None:
        try:
            decoder = get_decoder(UID(transfer_syntax_uid))
        except NotImplementedError:
            raise UnsupportedEncodingError(
                f"(0002,0010) TransferSyntaxUID {transfer_syntax_uid} ({UID(transfer_syntax_uid).name}) "
                "has no pixel data decoder; convert the file to a supported transfer syntax"
            ) from None

    if not decoder.is_available:
        missing = "; ".join(decoder.missing_dependencies) or "a decoder plug-in"
        raise UnsupportedEncodingError(
            f"(0002,0010) TransferSyntaxUID {transfer_syntax_uid} ({decoder.UID.name}) needs packages that "
            f"are not installed: {missing}"
        )
    return decoder


class _NewTransferSyntax(UID):
    """A transfer syntax added to DICOM after pydicom 3.0's UID dictionary was made."""

    @property
    def is_transfer_syntax(self) -> bool:
        return True

    @property
    def name(self) -> str:
        return _NEW_SYNTAX_NAMES.get(str(self), str(self))


_JPEG_PROCESS_6_8 = "1.2.840.10008.1.2.4.53"
_JPEG_PROCESS_10_12 = "1.2.840.10008.1.2.4.55"
_JPEGXL_SYNTAXES = ("1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112")
_DEFLATED_IMAGE_FRAME = "1.2.840.10008.1.2.8.1"
_IMAGECODECS_JPEG_SYNTAXES = (str(JPEGExtended12Bit), _JPEG_PROCESS_6_8, _JPEG_PROCESS_10_12)
_NEW_SYNTAX_NAMES = {
    "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
    "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
    "1.2.840.10008.1.2.4.112": "JPEG XL",
    _DEFLATED_IMAGE_FRAME: "Deflated Image Frame Compression",
}
_PLUGIN_MODULE = __name__


@cache
def _extended_decoder(transfer_syntax_uid: str, one_bit: bool) -> Decoder | None:
    """Our own Decoder instance for syntaxes we extend; pydicom's registry is left alone.

    JPEG Extended keeps pydicom's plug-ins first and adds imagecodecs (libjpeg-turbo)
    last, for the 12-bit streams libjpeg rejects. 1-bit RLE (segmentations) gets its
    own plug-in. The other syntaxes have no decoder in pydicom 3.0 at all.
    """
    if transfer_syntax_uid == str(RLELossless):
        if not one_bit:
            return None
        decoder = Decoder(RLELossless)
        decoder.add_plugin("pylibjpeg-rle-1bit", (_PLUGIN_MODULE, "_decode_frame_rle_1bit"))
        return decoder
    if transfer_syntax_uid == str(JPEGExtended12Bit):
        decoder = Decoder(JPEGExtended12Bit)
        decoder.add_plugins(
            [
                ("gdcm", ("pydicom.pixels.decoders.gdcm", "_decode_frame")),
                ("pylibjpeg", ("pydicom.pixels.decoders.pylibjpeg", "_decode_frame")),
                ("pillow", ("pydicom.pixels.decoders.pillow", "_decode_frame")),
                ("imagecodecs", (_PLUGIN_MODULE, "_decode_frame_imagecodecs")),
            ]
        )
        return decoder
    if transfer_syntax_uid in (_JPEG_PROCESS_6_8, _JPEG_PROCESS_10_12):
        decoder = Decoder(UID(transfer_syntax_uid))
        decoder.add_plugin("imagecodecs", (_PLUGIN_MODULE, "_decode_frame_imagecodecs"))
        return decoder
    if transfer_syntax_uid in _JPEGXL_SYNTAXES:
        decoder = Decoder(_NewTransferSyntax(transfer_syntax_uid))
        decoder.add_plugin("imagecodecs", (_PLUGIN_MODULE, "_decode_frame_imagecodecs"))
        return decoder
    if transfer_syntax_uid == _DEFLATED_IMAGE_FRAME:
        decoder = Decoder(_NewTransferSyntax(transfer_syntax_uid))
        decoder.add_plugin("zlib", (_PLUGIN_MODULE, "_decode_frame_deflate"))
        return decoder
    return None


# pydicom decoder plug-in contract (doc/guides/decoding/decoder_plugins.rst): the
# module exposes DECODER_DEPENDENCIES and is_available(uid); each plug-in function
# takes one encoded frame and the DecodeRunner and returns the decoded bytes.

DECODER_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    uid: ("numpy", "imagecodecs") for uid in (*_IMAGECODECS_JPEG_SYNTAXES, *_JPEGXL_SYNTAXES)
}
DECODER_DEPENDENCIES[_DEFLATED_IMAGE_FRAME] = ("numpy",)
DECODER_DEPENDENCIES[str(RLELossless)] = ("numpy", "pylibjpeg-rle>=2.0")


def is_available(uid: str) -> bool:
    """pydicom plug-in hook: True if this module can decode `uid` here."""
    if uid == _DEFLATED_IMAGE_FRAME:
        return True
    if uid == RLELossless:
        return importlib.util.find_spec("rle") is not None
    if uid in _IMAGECODECS_JPEG_SYNTAXES:
        return _imagecodecs_has("JPEG8")
    if uid in _JPEGXL_SYNTAXES:
        return _imagecodecs_has("JPEGXL")
    return False


def _imagecodecs_has(codec: str) -> bool:
    try:
        import imagecodecs
    except ImportError:
        return False
    return bool(getattr(getattr(imagecodecs, codec, None), "available", False))


def _decode_frame_imagecodecs(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode one JPEG (processes 1-12) or JPEG XL frame with imagecodecs."""
    import imagecodecs

    if runner.transfer_syntax in _JPEGXL_SYNTAXES:
        arr = imagecodecs.jpegxl_decode(src)
        if arr.ndim == 3:
            # libjxl always returns colour as RGB, whatever the stored photometric
            runner.set_option("photometric_interpretation", "RGB")
    else:
        # Ask libjpeg-turbo for the components as stored (no YCbCr -> RGB), like
        # pydicom's own JPEG plug-ins, so that pydicom's as_rgb step converts once.
        colorspace = "RGB" if runner.samples_per_pixel == 3 else None
        arr = imagecodecs.jpeg8_decode(src, colorspace=colorspace, outcolorspace=colorspace)

    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    runner.set_option("bits_allocated", arr.dtype.itemsize * 8)
    if runner.samples_per_pixel > 1:
        runner.set_option("planar_configuration", 0)
    return arr.tobytes()


def _decode_frame_rle_1bit(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode one 1-bit RLE frame: a single segment holding the packed bits.

    pylibjpeg-rle 2.2 expects one byte per pixel in the segment for 1-bit data and
    fails on the packed segments that the standard (and highdicom) write, so the
    segment is decoded as 8-bit bytes and unpacked here.
    """
    from rle import decode_pixel_data

    count = runner.rows * runner.columns * runner.samples_per_pixel
    packed = decode_pixel_data(src, version=2, rows=1, columns=math.ceil(count / 8), bits_allocated=8)
    return _unpack_bits(bytes(packed), count)


def _unpack_bits(packed: bytes, count: int) -> bytes:
    """DICOM 1-bit packing: eight pixels a byte, the first in the least significant bit."""
    bits = np.unpackbits(np.frombuffer(packed, dtype=np.uint8), bitorder="little")
    if bits.size < count:
        raise ValueError(f"frame holds {bits.size} 1-bit pixels, expected {count}")
    return bits[:count].tobytes()


def _decode_frame_deflate(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode one Deflated Image Frame Compression frame (raw deflate of native bytes)."""
    count = runner.rows * runner.columns * runner.samples_per_pixel
    expected = math.ceil(count / 8) if runner.bits_allocated == 1 else count * (runner.bits_allocated // 8)
    inflater = zlib.decompressobj(-15)
    data = inflater.decompress(src, expected + 1)  # bounded: a deflate bomb stops at one frame's size
    if len(data) > expected:
        raise ValueError(f"deflated frame inflates to more than the {expected} bytes a frame holds")
    if runner.bits_allocated == 1:
        return _unpack_bits(data, runner.rows * runner.columns * runner.samples_per_pixel)
    return data


# ---------------------------------------------------------------------------------
# Header values for the PHI classifier

_ID_KEYWORDS = frozenset(
    {
        "PatientID",
        "OtherPatientIDs",
        "IssuerOfPatientID",
        "AccessionNumber",
        "StudyID",
        "AdmissionID",
        "ServiceEpisodeID",
        "RequestedProcedureID",
        "ScheduledProcedureStepID",
        "PerformedProcedureStepID",
        "FillerOrderNumberImagingServiceRequest",
        "PlacerOrderNumberImagingServiceRequest",
        "FillerOrderNumberProcedure",
        "PlacerOrderNumberProcedure",
        "MedicalRecordLocator",
        "InsurancePlanIdentification",
        "ClinicalTrialSubjectID",
        "ClinicalTrialSubjectReadingID",
        "ClinicalTrialProtocolID",
        "ClinicalTrialSiteID",
        "IssuerOfClinicalTrialSubjectID",
        "LocalNamespaceEntityID",
        "UniversalEntityID",
        "TrackingID",
        "StudyIDIssuer",
        "InterpretationID",
        "ResultsID",
    }
)
"""Identifier elements (LO/SH/...). Equipment, RT and file-set IDs are left out on purpose."""

_INSTITUTION_KEYWORDS = frozenset(
    {
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "StationName",
        "ReferringPhysicianAddress",
        "PatientAddress",
        "PersonAddress",
        "ResponsibleOrganization",
        "CurrentPatientLocation",
        "PatientInstitutionResidence",
        "ScheduledProcedureStepLocation",
        "PerformedLocation",
        "PerformedStationName",
        "ScheduledStationName",
        "RequestingService",
    }
)

_OTHER_KEYWORDS = frozenset(
    {
        "PatientTelephoneNumbers",
        "PatientTelecomInformation",
        "ReferringPhysicianTelephoneNumbers",
        "PersonTelephoneNumbers",
        "PersonTelecomInformation",
        "MilitaryRank",
        "BranchOfService",
        "Occupation",
        "RegionOfResidence",
        "CountryOfResidence",
    }
)

_TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC", "PN", "CS"})
_SINGLE_VALUE_VRS = frozenset({"LT", "ST", "UT"})
_ASCII_VRS = frozenset({"DA", "DT", "TM", "AS"})


def phi_context(ds: pydicom.Dataset) -> PhiContext:
    """Collect the header values that identify the patient, for the pixel classifier.

    Every element of the dataset, sequences included, is visited:

    * ``names``: every PN value (patient, other and birth names, physicians,
      operators...), one entry per component group (alphabetic, ideographic, phonetic);
    * ``ids``: patient, other patient, accession, study, admission, order and
      procedure IDs and their issuers (see ``_ID_KEYWORDS``);
    * ``dates``/``times``/``ages``: every DA or DT, TM and AS value;
    * ``institutions``: institution, department, station, location and addresses;
    * ``other``: telephone numbers, telecom, military rank, occupation, residence.

    Values are stripped and deduplicated, empty ones dropped; placeholders such as
    'ANONYMOUS' are kept. Raw values are decoded with the dataset's character set but
    without pydicom's value validation, whose warnings quote the value.

    Args:
        ds: the dataset.

    Returns:
        The values as stored (PN ``DOE^JOHN``, DA ``YYYYMMDD``...); never log them.

    Raises:
        DecodeError: an element's value could not be read (names the tag only).
    """
    found: dict[str, dict[str, None]] = {
        name: {} for name in ("names", "ids", "dates", "times", "ages", "institutions", "other")
    }
    _collect(ds, _encodings_of(ds, ["iso8859"]), found)
    return PhiContext(**{name: tuple(values) for name, values in found.items()})


def _encodings_of(ds: pydicom.Dataset, inherited: list[str]) -> list[str]:
    if 0x00080005 not in ds:
        return inherited
    value = ds[0x00080005].value
    return convert_encodings(value) if value else inherited


def _collect(ds: pydicom.Dataset, encodings: list[str], found: dict[str, dict[str, None]]) -> None:
    for tag in list(ds.keys()):
        if tag.group in (0x7FE0, 0xFFFE) or (tag.group & 0xFF00) == 0x6000:
            continue
        elem = ds.get_item(tag, keep_deferred=True)  # never converts: see _text_values
        vr = _vr_of(elem, tag)
        if vr is None:
            continue
        if vr == "SQ":
            try:
                items = ds[tag].value
            except Exception as exc:
                raise DecodeError(
                    f"header sequence {_tag_name(tag)} could not be read ({type(exc).__name__})"
                ) from None
            for item in items:
                _collect(item, _encodings_of(item, encodings), found)
            continue

        keyword = keyword_for_tag(tag) if not tag.is_private else ""
        category = _category(vr, keyword)
        if category is None:
            continue
        try:
            values = _text_values(elem, vr, encodings)
        except Exception as exc:
            raise DecodeError(f"header element {_tag_name(tag)} could not be read ({type(exc).__name__})") from None
        bucket = found[category]
        for value in values:
            if vr == "PN":
                for group in value.split("="):
                    group = group.strip().rstrip("^").strip()
                    if group.strip("^ "):
                        bucket.setdefault(group)
            else:
                value = value.strip(" \x00")
                if value:
                    bucket.setdefault(value)


def _vr_of(elem: Any, tag: BaseTag) -> str | None:
    vr = getattr(elem, "VR", None)
    if vr:
        return str(vr)
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return None  # private element read with implicit VR: its type is unknown


def _category(vr: str, keyword: str) -> str | None:
    if vr == "PN":
        return "names"
    if vr in ("DA", "DT"):
        return "dates"
    if vr == "TM":
        return "times"
    if vr == "AS":
        return "ages"
    if vr not in _TEXT_VRS:
        return None
    if keyword in _ID_KEYWORDS:
        return "ids"
    if keyword in _INSTITUTION_KEYWORDS:
        return "institutions"
    if keyword in _OTHER_KEYWORDS:
        return "other"
    return None


def _text_values(elem: Any, vr: str, encodings: list[str]) -> list[str]:
    """The element's values as strings, decoded from raw bytes without validation."""
    value = elem.value
    if value is None:
        return []
    if isinstance(elem, DataElement) and not isinstance(value, (bytes, bytearray)):
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            return [str(v) for v in value if v is not None]
        return [str(value)]
    raw = bytes(value)
    # DA, DT, TM and AS are ASCII whatever the character set
    text = raw.decode("latin-1") if vr in _ASCII_VRS else decode_bytes(raw.rstrip(b"\x00 "), encodings, TEXT_VR_DELIMS)
    if vr in _SINGLE_VALUE_VRS:
        return [text]
    return text.split("\\")
