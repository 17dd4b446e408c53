"""Stage 7, encode: masked frames written back into every kind of pixel data in the shared corpus.

No OCR here: the masks are drawn at fixed places (a box on every even frame), so each
transfer syntax, colour space and bit depth is exercised quickly and deterministically.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_frames
from pydicom.pixels import as_pixel_options

import pixelsvc.dicom.encode as encode_module
from pixelsvc.client.redact import write_dataset
from pixelsvc.config import MaskConfig
from pixelsvc.dicom.decode import frame_info, iter_frames, pixel_decoder, read_dataset
from pixelsvc.dicom.encode import PixelEncoding, encode_pixels
from pixelsvc.mask import FrameMasker
from pixelsvc.types import Frame, MaskedFrame, TextBox
from tests.dicom.conftest import RealFile
from tests.dicom.pixel_bytes import NATIVE_SYNTAXES, encoded_frames
from tests.reference import CatalogFile, load_catalog

REENCODED = {"1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90"}
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.55",
         "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.111"}

IMAGES = [f for f in load_catalog() if f.decodes and f.has_pixels and not f.is_zip]
MASKER = FrameMasker(MaskConfig())


def _masks(frames: list[Frame]) -> list[MaskedFrame]:
    """A box on every even frame (an odd frame count leaves the last one masked too)."""
    out = []
    for index, frame in enumerate(frames):
        rows, cols = frame.pixels.shape[:2]
        boxes = [TextBox(cols // 4, rows // 4, max(cols // 4 + 1, cols // 2), max(rows // 4 + 1, rows // 3))]
        out.append(MASKER.mask(frame, boxes if index % 2 == 0 else []))
    return out


def _round_trip(target: pydicom.Dataset, tmp_path: Path) -> pydicom.Dataset:
    """Write with the client's writer and read back: what a user gets."""
    for tag in [tag for tag in list(target.keys()) if tag.group == 0xFFFE]:
        del target[tag]  # stray delimiters (DIRW0007): the header step removes them in real runs
    target.file_meta.MediaStorageSOPInstanceUID = target.get("SOPInstanceUID") or "2.25.1"
    if "SOPClassUID" in target:
        target.file_meta.MediaStorageSOPClassUID = target.SOPClassUID
    path = tmp_path / "out.dcm"
    write_dataset(target, path)
    return read_dataset(path)


@pytest.mark.parametrize("entry", IMAGES, ids=lambda f: f.path)
def test_masked_frames_written_back(entry: CatalogFile, tmp_path: Path) -> None:
    source = read_dataset(entry.absolute())
    frames = list(iter_frames(source))
    masked = _masks(frames)
    target = copy.deepcopy(source)
    result = encode_pixels(target, masked)
    syntax = entry.transfer_syntax

    # the syntax is kept wherever it can be: edited in place or re-encoded, else converted with a reason
    if syntax in NATIVE_SYNTAXES and entry.bits_allocated != 1 and entry.photometric != "YBR_FULL_422":
        assert result.method == "edited"
    elif syntax in REENCODED and entry.bits_allocated not in (1, 32):
        assert result.method == "reencoded"
    else:
        assert result.method == "converted" and result.reason
        assert result.transfer_syntax_uid == pydicom.uid.ExplicitVRLittleEndian
    if syntax in LOSSY and str(source.get("LossyImageCompression", "")) != "00":
        assert target.LossyImageCompression == "01" and "LossyImageCompressionMethod" in target

    written = _round_trip(target, tmp_path)
    decoded = list(iter_frames(written))
    assert len(decoded) == len(frames)
    for index, (out, mask) in enumerate(zip(decoded, masked, strict=True)):
        original = frames[index].pixels
        # colour stays colour, without a tint: identical decoded values outside the masks
        assert out.photometric == frames[index].photometric
        outside = np.ones(original.shape[:2], dtype=bool)
        for box in mask.boxes:
            outside[box.y0:box.y1, box.x0:box.x1] = False
            inside = out.pixels[box.y0:box.y1, box.x0:box.x1].reshape(-1, *original.shape[2:])
            assert (inside == inside[0]).all(), f"frame {index}: masked box not uniform"
        assert np.array_equal(out.pixels[outside], original[outside]), f"frame {index} changed outside its mask"

    if result.method in ("edited", "reencoded") and result.overlay_bit_frames == 0:
        # frames without a mask keep their original encoded bytes
        before, after = encoded_frames(source), encoded_frames(written)
        for index, mask in enumerate(masked):
            if not mask.changed:
                assert after[index] == before[index], f"frame {index} was re-encoded though nothing was masked"


@pytest.mark.parametrize("rel", ["pydicom/MR_small_RLE.dcm", "pydicom/examples_ybr_color.dcm",
                                 "pydicom/SC_rgb_jpeg_dcmtk.dcm", "dcm4che/US-PAL-8-10x-echo"])
def test_nothing_masked_keeps_the_element(real_file: RealFile, rel: str) -> None:
    source = read_dataset(real_file(rel))
    frames = list(iter_frames(source))
    target = copy.deepcopy(source)
    result = encode_pixels(target, [MASKER.mask(f, []) for f in frames])
    assert result == PixelEncoding(str(source.file_meta.TransferSyntaxUID), "kept", 0)
    assert target.PixelData == source.PixelData
    assert target.file_meta.TransferSyntaxUID == source.file_meta.TransferSyntaxUID


def test_overlay_bits_in_pixel_data_are_cleared(real_file: RealFile, tmp_path: Path) -> None:
    """dcm4che/ovly_p01.dcm keeps an overlay plane in bit 15 of its 12-bit pixels: text, so it goes."""
    source = read_dataset(real_file("dcm4che/ovly_p01.dcm"))
    info = frame_info(source)
    raw = np.frombuffer(source.PixelData, dtype="<u2")
    assert (raw >> info.bits_stored).any(), "test file should carry overlay bits"
    frames = list(iter_frames(source))
    target = copy.deepcopy(source)
    result = encode_pixels(target, [MASKER.mask(f, []) for f in frames])  # nothing masked by OCR
    assert result.method == "edited" and result.overlay_bit_frames == 1 and result.frames_rewritten == 1
    written = _round_trip(target, tmp_path)
    out = np.frombuffer(written.PixelData, dtype="<u2", count=info.frame_pixels)
    assert not (out >> info.bits_stored).any()
    assert np.array_equal(out, frames[0].pixels.ravel())


def test_overlay_plane_moved_into_high_bits_is_cleared(real_file: RealFile, tmp_path: Path) -> None:
    """pydicom's examples_overlay.dcm: its (6000,3000) plane written into bit 15, as old scanners stored it."""
    source = read_dataset(real_file("pydicom/examples_overlay.dcm"))
    plane = source.overlay_array(0x6000).astype(np.uint16)
    assert plane.sum() > 100 and source.BitsStored == 12
    stored = np.frombuffer(source.PixelData, dtype="<u2").reshape(source.Rows, source.Columns)
    source.PixelData = (stored | (plane << 15)).astype("<u2").tobytes()
    frames = list(iter_frames(source))
    np.testing.assert_array_equal(frames[0].pixels, stored)  # the decoder drops the overlay bit
    target = copy.deepcopy(source)
    result = encode_pixels(target, [MASKER.mask(f, []) for f in frames])
    assert result.method == "edited" and result.overlay_bit_frames == 1
    out = np.frombuffer(_round_trip(target, tmp_path).PixelData, dtype="<u2")
    assert not (out >> 12).any() and np.array_equal(out, stored.ravel())


def test_overlay_bits_cleared_in_rle(real_file: RealFile, tmp_path: Path) -> None:
    """The same overlay bits inside RLE data: found by a raw decode, the frame re-encoded without them."""
    source = read_dataset(real_file("dcm4che/ovly_p01.dcm"))
    source.PixelData = pydicom.encaps.encapsulate([pydicom.pixels.get_encoder(pydicom.uid.RLELossless).encode(
        np.frombuffer(source.PixelData, dtype="<u2").reshape(source.Rows, source.Columns),
        rows=source.Rows, columns=source.Columns, samples_per_pixel=1, bits_allocated=16, bits_stored=16,
        pixel_representation=0, photometric_interpretation="MONOCHROME2", number_of_frames=1)])
    source["PixelData"].VR = "OB"
    source.file_meta.TransferSyntaxUID = pydicom.uid.RLELossless
    frames = list(iter_frames(source))
    target = copy.deepcopy(source)
    result = encode_pixels(target, [MASKER.mask(f, []) for f in frames])
    assert result.method == "reencoded" and result.overlay_bit_frames == 1
    info = frame_info(target)
    options = as_pixel_options(target)
    options.update(correct_unused_bits=False)
    raw, _ = pixel_decoder(info).as_array(target, index=0, **options)
    assert not (raw >> info.bits_stored).any()


def test_failed_check_falls_back_to_native(real_file: RealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    """A re-encoded frame that does not decode to the masked pixels is never accepted."""
    source = read_dataset(real_file("pydicom-data/emri_small_RLE.dcm"))
    frames = list(iter_frames(source))
    real_reencode = encode_module._reencode

    def corrupting(*args: object) -> object:
        candidate = real_reencode(*args)  # type: ignore[arg-type]
        frames_bytes = list(generate_frames(candidate.pixels.PixelData, number_of_frames=len(frames)))
        frames_bytes[0] = frames_bytes[2]  # frame 0 now decodes as frame 2
        candidate.pixels.PixelData = pydicom.encaps.encapsulate(frames_bytes)
        return candidate

    monkeypatch.setattr(encode_module, "_reencode", corrupting)
    target = copy.deepcopy(source)
    result = encode_pixels(target, _masks(frames))
    assert result.method == "converted" and "re-decode check" in result.reason
    decoded = list(iter_frames(target))
    assert np.array_equal(decoded[1].pixels, frames[1].pixels)


def test_no_encoding_passes_raises_and_leaves_target(real_file: RealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    source = read_dataset(real_file("pydicom/CT_small.dcm"))
    frames = list(iter_frames(source))
    monkeypatch.setattr(encode_module, "_check", lambda *args: "simulated mismatch")
    target = copy.deepcopy(source)
    with pytest.raises(encode_module.PixelWriteError, match="simulated mismatch"):
        encode_pixels(target, _masks(frames))
    assert target.PixelData == source.PixelData


def test_mismatched_frame_count_is_refused(real_file: RealFile) -> None:
    source = read_dataset(real_file("pydicom-data/emri_small_RLE.dcm"))
    frames = list(iter_frames(source))
    with pytest.raises(ValueError, match="masked frames given"):
        encode_pixels(copy.deepcopy(source), _masks(frames)[:3])


def test_written_file_is_valid_part10(real_file: RealFile, tmp_path: Path) -> None:
    source = read_dataset(real_file("pydicom/SC_rgb_rle_2frame.dcm"))
    target = copy.deepcopy(source)
    encode_pixels(target, _masks(list(iter_frames(source))))
    _round_trip(target, tmp_path)
    raw = (tmp_path / "out.dcm").read_bytes()
    assert raw[128:132] == b"DICM"
    assert pydicom.dcmread(io.BytesIO(raw)).file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
