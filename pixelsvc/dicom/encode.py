"""Stage 7, encode: masked frames go back into a dataset's pixel data, changing only what was masked.

* Nothing to change: the pixel data element is left exactly as read (same bytes, same
  transfer syntax).
* Native (uncompressed) data: the masked rectangles are written into a copy of the
  stored bytes, in the stored colour space (YBR_FULL, palette indices, big endian...);
  every other byte stays as it was.
* Lossless compressed data with an encoder here (RLE, JPEG-LS lossless, JPEG 2000
  lossless): masked frames are re-encoded in the same syntax; the other frames keep
  their encoded bytes.
* Anything else (lossy syntaxes, JPEG lossless and HTJ2K without an encoder, JPEG XL,
  1-bit or YBR_FULL_422 native data...): every frame is written as native Explicit VR
  Little Endian in its decoded form (RGB for colour), and the reason is reported. A
  lossy source keeps its Lossy Image Compression history.

Overlay planes kept in unused high bits of the pixel data (an old scanner habit) are
burned-in text too: frames with bits set above Bits Stored are rewritten without them.

Whatever the path, the result is decoded again and checked before it is accepted:
untouched frames equal the input's decoded frames, masked frames equal them outside
the painted rectangles and are uniform inside, and no bit above Bits Stored is set. A
check that fails on a syntax-keeping path falls back to the native conversion; if that
fails too, `PixelWriteError` is raised and nothing is written.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.pixels import apply_color_lut, as_pixel_options, convert_color_space, get_encoder, pack_bits
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from pixelsvc.dicom.decode import FrameInfo, frame_info, iter_frames, pixel_decoder
from pixelsvc.errors import PixelsvcError
from pixelsvc.types import MaskedFrame, TextBox

__all__ = ["PixelEncoding", "PixelWriteError", "encode_pixels"]

_NATIVE = frozenset(map(str, (ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian,
                              DeflatedExplicitVRLittleEndian)))
_REENCODABLE = frozenset(map(str, (RLELossless, JPEGLSLossless, JPEG2000Lossless)))
_EDITABLE_PHOTOMETRICS = ("MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "PALETTE COLOR")
_LOSSY_METHODS = {  # (0028,2114) LossyImageCompressionMethod for syntaxes that may be lossy
    "1.2.840.10008.1.2.4.50": "ISO_10918_1",
    "1.2.840.10008.1.2.4.51": "ISO_10918_1",
    "1.2.840.10008.1.2.4.53": "ISO_10918_1",
    "1.2.840.10008.1.2.4.55": "ISO_10918_1",
    "1.2.840.10008.1.2.4.81": "ISO_14495_1",
    "1.2.840.10008.1.2.4.91": "ISO_15444_1",
    "1.2.840.10008.1.2.4.93": "ISO_15444_1",
    "1.2.840.10008.1.2.4.203": "ISO_15444_15",
    "1.2.840.10008.1.2.4.111": "ISO_18181_1",
    "1.2.840.10008.1.2.4.112": "ISO_18181_1",
}
_PALETTE_KEYWORDS = tuple(
    f"{colour}PaletteColorLookupTable{part}" for colour in ("Red", "Green", "Blue", "Alpha")
    for part in ("Descriptor", "Data")
) + tuple(f"Segmented{c}PaletteColorLookupTableData" for c in ("Red", "Green", "Blue", "Alpha")) + (
    "PaletteColorLookupTableUID",)


class PixelWriteError(PixelsvcError):
    """The masked frames could not be written back in a form that passed the re-decode check."""


@dataclass(frozen=True, slots=True)
class PixelEncoding:
    """How the pixel data was written: safe to report (no pixel values, no header values)."""

    transfer_syntax_uid: str
    method: str
    """'kept' (element untouched), 'edited' (native bytes patched), 'reencoded' (masked frames
    re-encoded in the original syntax) or 'converted' (all frames native Explicit VR LE)."""
    frames_rewritten: int
    """Frames whose pixel bytes changed: masked or cleared of overlay bits."""
    overlay_bit_frames: int = 0
    """Frames that had overlay bits above Bits Stored, now cleared."""
    reason: str = ""
    """Why the syntax was not kept ('converted' only)."""


@dataclass(slots=True)
class _Candidate:
    method: str
    transfer_syntax_uid: str
    pixels: Dataset
    """Group 0028 and the pixel data element, ready to replace the target's."""


def encode_pixels(target: Dataset, masked: Sequence[MaskedFrame], *, rewrite_all: bool = False) -> PixelEncoding:
    """Write the masked frames into `target`'s pixel data, in place.

    Args:
        target: the dataset to write (usually the de-identified copy); its pixel module
            and pixel data are still those of the input the frames were decoded from.
        masked: one `MaskedFrame` per frame, in order, as the pixel step returned them.
        rewrite_all: write every frame from its decoded form (native Explicit VR LE), even
            unchanged ones: for streams whose every byte could not be accounted for.

    Returns:
        What was done, for the report.

    Raises:
        PixelWriteError: no encoding passed the re-decode check; `target` is unchanged.
        ValueError: `masked` does not match the dataset's frames.
    """
    info = frame_info(target, max_frame_pixels=sys.maxsize)
    if len(masked) != info.number_of_frames:
        raise ValueError(f"{len(masked)} masked frames given for {info.number_of_frames} frames")
    overlay_frames = _frames_with_high_bits(target, info)
    rewrite = sorted({i for i, m in enumerate(masked) if m.changed} | set(overlay_frames))
    syntax = info.transfer_syntax_uid
    if rewrite_all:
        return _write_converted(target, info, masked, len(rewrite), len(overlay_frames), "decoded",
                                "every frame is written from its decoded pixels: the stream's end cannot be checked")
    if not rewrite:
        return PixelEncoding(syntax, "kept", 0)

    reason = ""
    candidate = None
    if syntax in _NATIVE and info.bits_allocated > 1 and info.photometric in _EDITABLE_PHOTOMETRICS:
        candidate = _edit_native(target, info, masked, rewrite)
    elif syntax in _REENCODABLE and info.bits_allocated > 1 and get_encoder(UID(syntax)).is_available:
        try:
            candidate = _reencode(target, info, masked, rewrite)
        except Exception as exc:  # an encoder limit (bit depth, colour space): fall back below
            reason = f"{UID(syntax).name} re-encoding failed ({type(exc).__name__})"
    else:
        reason = _why_converted(info)
    if candidate is not None:
        problem = _check(candidate, info, masked)
        if problem is None:
            _apply(target, candidate)
            return PixelEncoding(syntax, candidate.method, len(rewrite), len(overlay_frames))
        reason = f"{UID(syntax).name} output failed the re-decode check ({problem})"

    return _write_converted(target, info, masked, len(rewrite), len(overlay_frames), "masked", reason)


def _write_converted(target: Dataset, info: FrameInfo, masked: Sequence[MaskedFrame], frames: int, overlay: int,
                     what: str, reason: str) -> PixelEncoding:
    """Write every frame from its decoded (and masked) pixels in a syntax the writer can always
    produce (`_convert`), after the re-decode check; the fallback of every other way."""
    syntax = info.transfer_syntax_uid
    candidate = _convert(target, info, masked)
    problem = _check(candidate, info, masked)
    if problem is not None:
        raise PixelWriteError(f"the {what} pixel data could not be written: {problem}")
    _apply(target, candidate)
    _record_lossy_history(target, syntax)
    return PixelEncoding(candidate.transfer_syntax_uid, "converted", frames, overlay, reason)


# --- the three ways of writing -------------------------------------------------------


def _edit_native(target: Dataset, info: FrameInfo, masked: Sequence[MaskedFrame], rewrite: list[int]) -> _Candidate:
    """Patch the masked rectangles into a copy of the native bytes."""
    element = target[info.pixel_keyword]
    buffer = bytearray(element.value)
    view = _native_view(buffer, info, planar=int(target.get("PlanarConfiguration", 0) or 0))
    darkest = _darkest_palette_index(target, info) if info.photometric == "PALETTE COLOR" else None
    for index in rewrite:
        _paint_stored(view[index], masked[index], info.photometric, darkest)
    pixels = _pixel_module(target)
    pixels.add(DataElement(element.tag, element.VR, bytes(buffer)))
    return _Candidate("edited", info.transfer_syntax_uid, pixels)


def _reencode(target: Dataset, info: FrameInfo, masked: Sequence[MaskedFrame], rewrite: list[int]) -> _Candidate:
    """Re-encode the masked frames in the original lossless syntax; the others keep their bytes."""
    syntax = UID(info.transfer_syntax_uid)
    encoded = list(generate_frames(target.PixelData, number_of_frames=info.number_of_frames,
                                   extended_offsets=_extended_offsets(target)))
    if len(encoded) != info.number_of_frames:
        raise ValueError("encapsulated frames do not match NumberOfFrames")
    decoder = pixel_decoder(info)
    options = as_pixel_options(target)
    options.update(number_of_frames=info.number_of_frames, as_rgb=False)
    darkest = _darkest_palette_index(target, info) if info.photometric == "PALETTE COLOR" else None
    encoder = get_encoder(syntax)
    for index in rewrite:
        stored, props = decoder.as_array(target, index=index, **options)
        stored = stored.copy()
        stored_photometric = str(props.get("photometric_interpretation", info.photometric))
        _paint_stored(stored, masked[index], stored_photometric, darkest)
        encoded[index] = encoder.encode(
            stored, rows=info.rows, columns=info.columns, samples_per_pixel=info.samples_per_pixel,
            bits_allocated=info.bits_allocated, bits_stored=info.bits_stored,
            pixel_representation=info.pixel_representation, photometric_interpretation=info.photometric,
            planar_configuration=0, number_of_frames=1,
        )
    pixels = _pixel_module(target)
    pixels.add(DataElement(0x7FE00010, "OB", encapsulate(encoded, has_bot=True)))
    return _Candidate("reencoded", str(syntax), pixels)


def _convert(target: Dataset, info: FrameInfo, masked: Sequence[MaskedFrame]) -> _Candidate:
    """Every frame as decoded (masked where masked), native Explicit VR Little Endian."""
    first = masked[0].frame
    stack = np.stack([m.pixels for m in masked])
    dtype = stack.dtype
    rgb = first.photometric == "RGB"
    pixels = _pixel_module(target)
    for keyword in (*_PALETTE_KEYWORDS, "PlanarConfiguration"):
        if keyword in pixels:
            del pixels[keyword]
    pixels.PhotometricInterpretation = first.photometric
    pixels.SamplesPerPixel = 3 if rgb else 1
    if rgb:
        pixels.PlanarConfiguration = 0
    if info.bits_allocated == 1:
        data, bits_allocated, bits_stored = pack_bits(stack), 1, 1
    else:
        bits_allocated = dtype.itemsize * 8
        bits_stored = min(first.bits_stored, bits_allocated) if first.bits_stored > 0 else bits_allocated
        if np.issubdtype(dtype, np.integer) and not _fits(stack, bits_stored):
            bits_stored = bits_allocated  # lossy decoders can overshoot the stored range: keep every value
        data = stack.astype(dtype.newbyteorder("<"), copy=False).tobytes()
    if len(data) % 2:
        data += b"\0"
    pixels.BitsAllocated = bits_allocated
    if info.pixel_keyword == "PixelData":
        pixels.BitsStored = bits_stored
        pixels.HighBit = bits_stored - 1
        pixels.PixelRepresentation = 1 if np.issubdtype(dtype, np.signedinteger) else 0
        vr = "OB" if bits_allocated <= 8 else "OW"
    else:
        vr = "OF" if info.pixel_keyword == "FloatPixelData" else "OD"
    tag = {"PixelData": 0x7FE00010, "FloatPixelData": 0x7FE00008, "DoubleFloatPixelData": 0x7FE00009}
    pixels.add(DataElement(tag[info.pixel_keyword], vr, data))
    return _Candidate("converted", str(ExplicitVRLittleEndian), pixels)


def _fits(values: np.ndarray, bits: int) -> bool:
    if np.issubdtype(values.dtype, np.signedinteger):
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    return bool(values.min() >= lo and values.max() <= hi)


def _why_converted(info: FrameInfo) -> str:
    syntax = UID(info.transfer_syntax_uid)
    name = syntax.name if syntax.is_transfer_syntax else str(syntax)
    if info.transfer_syntax_uid in _LOSSY_METHODS:
        return f"{name} may be lossy: masked frames are not re-compressed lossily"
    if info.transfer_syntax_uid in _NATIVE:
        return f"{info.photometric} {info.bits_allocated}-bit native data is rewritten in decoded form"
    return f"no encoder for {name} here"


# --- painting in the stored representation ---------------------------------------------


def _paint_stored(stored: np.ndarray, masked: MaskedFrame, photometric: str, darkest: int | None) -> None:
    """Write a masked frame into its stored representation (rows, cols[, samples])."""
    if photometric in ("MONOCHROME1", "MONOCHROME2", "RGB"):
        # the decoded frame is the stored frame (overlay bits cleared): copy it whole
        stored[...] = masked.pixels
        return
    for box in masked.boxes:
        region = (slice(box.y0, box.y1), slice(box.x0, box.x1))
        if photometric == "PALETTE COLOR":
            stored[region] = darkest
        elif photometric == "YBR_FULL":
            stored[region] = convert_color_space(np.ascontiguousarray(masked.pixels[region]), "RGB", "YBR_FULL")
        else:
            raise ValueError(f"cannot paint into {photometric} data")


def _darkest_palette_index(ds: Dataset, info: FrameInfo) -> int:
    """The stored index whose palette colour is darkest: what a masked palette pixel is set to."""
    indices = np.arange(1 << min(info.bits_stored, 16), dtype=np.uint16 if info.bits_allocated > 8 else np.uint8)
    colours = apply_color_lut(indices, ds)[..., :3].astype(np.float64)
    luminance = colours @ np.array([0.299, 0.587, 0.114])
    return int(indices[int(np.argmin(luminance))])


def _native_view(buffer: bytearray, info: FrameInfo, *, planar: int = 0) -> np.ndarray:
    """A writable (frames, rows, cols[, samples]) view of native pixel bytes, in their stored byte order."""
    kind = "f" if info.pixel_keyword != "PixelData" else ("i" if info.pixel_representation else "u")
    order = ">" if info.transfer_syntax_uid == str(ExplicitVRBigEndian) else "<"
    dtype = np.dtype(f"{order}{kind}{info.bits_allocated // 8}")
    count = info.number_of_frames * info.frame_pixels * info.samples_per_pixel
    flat = np.frombuffer(buffer, dtype=dtype, count=count)
    if info.samples_per_pixel == 1:
        return flat.reshape(info.number_of_frames, info.rows, info.columns)
    if planar == 1:
        return flat.reshape(info.number_of_frames, 3, info.rows, info.columns).transpose(0, 2, 3, 1)
    return flat.reshape(info.number_of_frames, info.rows, info.columns, 3)


def _frames_with_high_bits(ds: Dataset, info: FrameInfo) -> list[int]:
    """Frames of unsigned monochrome data with bits set above Bits Stored (overlay planes)."""
    if (info.samples_per_pixel != 1 or info.pixel_representation != 0 or info.pixel_keyword != "PixelData"
            or info.bits_allocated <= 8 or info.bits_stored >= info.bits_allocated
            or info.photometric == "PALETTE COLOR"):
        return []
    if info.transfer_syntax_uid in _NATIVE:
        view = _native_view(bytearray(ds.PixelData), info)
        return [i for i in range(info.number_of_frames) if bool((view[i] >> info.bits_stored).any())]
    if info.transfer_syntax_uid in _LOSSY_METHODS:
        return []  # lossy frames are never kept as they are when anything changes, and are rewritten decoded
    options = as_pixel_options(ds)
    options.update(number_of_frames=info.number_of_frames, as_rgb=False, correct_unused_bits=False)
    found = []
    for index, (arr, _props) in enumerate(pixel_decoder(info).iter_array(ds, **options)):
        if index >= info.number_of_frames:
            break
        if (arr >> info.bits_stored).any():
            found.append(index)
    return found


# --- checking and applying ---------------------------------------------------------------


def _check(candidate: _Candidate, info: FrameInfo, masked: Sequence[MaskedFrame]) -> str | None:
    """Decode the candidate and compare it with what the pixel step produced; None when it passed."""
    trial = Dataset()
    trial.update(candidate.pixels)
    trial.file_meta = FileMetaDataset()
    trial.file_meta.TransferSyntaxUID = candidate.transfer_syntax_uid
    try:
        decoded = iter_frames(trial, "check", max_frame_pixels=sys.maxsize)
        for index, (frame, expected) in enumerate(zip(decoded, masked, strict=True)):
            problem = _compare(frame.pixels, expected)
            if problem:
                return f"frame {index}: {problem}"
            if frame.photometric != expected.frame.photometric:
                return f"frame {index}: decodes as {frame.photometric}, expected {expected.frame.photometric}"
        new_info = frame_info(trial, max_frame_pixels=sys.maxsize)
        leftover = _frames_with_high_bits(trial, new_info)
        if leftover:
            return f"{len(leftover)} frames keep bits above Bits Stored"
    except PixelsvcError as exc:
        return f"{type(exc).__name__}: {exc}"
    except ValueError as exc:  # zip(strict=True): a different number of frames
        return f"{type(exc).__name__}: {exc}"
    return None


def _compare(decoded: np.ndarray, expected: MaskedFrame) -> str | None:
    original = expected.frame.pixels
    if decoded.shape != original.shape:
        return f"shape {decoded.shape}, expected {original.shape}"
    if not expected.changed:
        return None if np.array_equal(decoded, original) else "an unmasked frame changed"
    outside = np.ones(original.shape[:2], dtype=bool)
    for box in expected.boxes:
        outside[box.y0:box.y1, box.x0:box.x1] = False
        inside = decoded[box.y0:box.y1, box.x0:box.x1]
        if inside.size and not (inside == inside.reshape(-1, *inside.shape[2:])[0]).all():
            return f"masked box {_box_text(box)} is not uniform"
    if not np.array_equal(decoded[outside], original[outside]):
        return "pixels outside the masked boxes changed"
    return None


def _box_text(box: TextBox) -> str:
    return f"[{box.x0},{box.y0},{box.x1},{box.y1}]"


def _pixel_module(ds: Dataset) -> Dataset:
    """A new dataset holding the target's group 0028 elements (copied)."""
    out = Dataset()
    for element in ds.group_dataset(0x0028):
        out.add(DataElement(element.tag, element.VR, element.value))
    return out


def _apply(target: Dataset, candidate: _Candidate) -> None:
    for tag in [tag for tag in list(target.keys()) if tag.group in (0x0028, 0x7FE0)]:
        del target[tag]
    target.update(candidate.pixels)
    if getattr(target, "file_meta", None) is None:
        target.file_meta = FileMetaDataset()
    target.file_meta.TransferSyntaxUID = UID(candidate.transfer_syntax_uid)


def _extended_offsets(ds: Dataset) -> tuple[bytes, bytes] | None:
    if "ExtendedOffsetTable" in ds and "ExtendedOffsetTableLengths" in ds:
        return ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths
    return None


def _record_lossy_history(target: Dataset, source_syntax: str) -> None:
    """Keep the fact that the pixels went through lossy compression (PS3.3 C.7.6.1.1.5)."""
    method = _LOSSY_METHODS.get(source_syntax)
    if method is None or str(target.get("LossyImageCompression", "")) == "00":
        return
    target.LossyImageCompression = "01"
    if "LossyImageCompressionMethod" not in target:
        target.LossyImageCompressionMethod = method
