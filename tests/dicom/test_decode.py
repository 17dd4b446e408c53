"""Tests for pixelsvc.dicom.decode: real files from CATALOG.tsv, colour checks, errors, PHI context."""

from __future__ import annotations

import inspect
import io
import itertools
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.pixels import apply_color_lut
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from pixelsvc.dicom import decode
from pixelsvc.dicom.decode import FrameInfo, frame_info, iter_frames, phi_context, read_dataset
from pixelsvc.errors import DecodeError, InvalidFrameError, PixelsvcError, UnsupportedEncodingError
from pixelsvc.types import Frame, PhiContext
from tests.dicom.conftest import RealFile
from tests.reference import MISSING_DATA_REASON, CatalogFile, load_catalog, own_corpus_root, using_own_corpus

try:
    import imagecodecs  # noqa: F401

    HAVE_IMAGECODECS = True
except ImportError:
    HAVE_IMAGECODECS = False
CATALOG = load_catalog()
LOSSY_J2K = ("1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.203")
"""Lossy JPEG 2000 reconstructions may overshoot Bits Stored; pydicom does not clip them."""


def _params(select: Callable[[CatalogFile], bool]) -> list[Any]:
    """pytest params for the catalog rows `select` accepts, or one skipped param without data."""
    rows = [f for f in CATALOG if select(f)]
    if not CATALOG:
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING_DATA_REASON))]
    return [pytest.param(f, id=f.path) for f in rows]


def _dicom_path(entry: CatalogFile, real_root: Path, cine: Path) -> Path:
    if entry.is_zip:
        if "GREYSCALE_CINE" not in entry.path:
            pytest.skip("RGB_CINE.zip unzips to 104 MB; GREYSCALE_CINE covers the zipped cines")
        return cine
    return real_root / entry.path


def _skip_without_imagecodecs(entry: CatalogFile) -> None:
    if entry.needs_imagecodecs and not HAVE_IMAGECODECS:
        pytest.skip("needs the optional imagecodecs package (pip install imagecodecs)")


def _frames(path: Path) -> list[Frame]:
    return list(iter_frames(read_dataset(path)))


def _make_dataset(
    pixels: np.ndarray | None = None,
    *,
    photometric: str = "MONOCHROME2",
    bits_stored: int | None = None,
    frames: int | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
) -> Dataset:
    """A small valid image dataset holding `pixels` natively: (rows, cols[, 3]), or (frames, ...)."""
    arr = np.arange(20, dtype=np.uint16).reshape(4, 5) if pixels is None else pixels
    samples = 3 if photometric in ("RGB", "YBR_FULL") else 1
    shape = arr.shape[1:] if frames else arr.shape
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = "DOE^JANE"
    ds.PatientID = "PID-0001"
    ds.Rows, ds.Columns = shape[0], shape[1]
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = bits_stored or arr.dtype.itemsize * 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == "i" else 0
    if frames:
        ds.NumberOfFrames = frames
    ds.PixelData = arr.tobytes()
    ds["PixelData"].VR = "OW" if arr.dtype.itemsize > 1 else "OB"
    return ds


def _to_bytes(ds: Dataset) -> bytes:
    """The dataset as a DICOM Part 10 file, in its file meta transfer syntax."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int64) - b.astype(np.int64)).mean())


def _header_values(ds: Dataset) -> list[str]:
    """PHI-ish header values long enough to be recognisable inside an error message."""
    ctx = phi_context(ds)
    values = (*ctx.names, *ctx.ids, *ctx.dates, *ctx.institutions, *ctx.other)
    return [v for v in values if len(v) >= 5]


# ---------------------------------------------------------------------------------
# Every catalogued file


@pytest.mark.parametrize("entry", _params(lambda f: f.decodes))
def test_catalog_file_decodes(entry: CatalogFile, real_root: Path, greyscale_cine: Path) -> None:
    """Frame count, shape, dtype, photometric and value range match the catalog row."""
    _skip_without_imagecodecs(entry)
    ds = read_dataset(_dicom_path(entry, real_root, greyscale_cine))
    info = frame_info(ds)
    assert (info.rows, info.columns, info.number_of_frames) == (entry.rows, entry.cols, entry.frames)

    frames = iter_frames(ds, "s1")
    assert inspect.isgenerator(frames)
    count = 0
    for index, frame in enumerate(frames):
        count += 1
        assert frame.key == ("s1", index)
        assert frame.photometric == entry.decoded_photometric
        expected_shape = (entry.rows, entry.cols, 3) if entry.is_colour else (entry.rows, entry.cols)
        assert frame.shape == expected_shape
        assert frame.pixels.dtype.isnative

        if entry.bits_stored is None:  # float pixel data
            assert frame.pixels.dtype.kind == "f"
            continue
        if entry.photometric == "PALETTE COLOR":
            assert frame.pixels.dtype in (np.uint8, np.uint16)
            assert frame.bits_stored == frame.pixels.dtype.itemsize * 8
            continue
        kind = "i" if entry.is_signed else "u"
        assert frame.pixels.dtype == np.dtype(f"{kind}{max(1, entry.bits_allocated // 8)}")
        assert frame.bits_stored == entry.bits_stored
        if not entry.is_colour and entry.transfer_syntax not in LOSSY_J2K:
            # unused high bits (old overlay planes) are cleared or sign-extended by pydicom
            bits = entry.bits_stored
            low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if entry.is_signed else (0, 2**bits - 1)
            assert low <= int(frame.pixels.min()) and int(frame.pixels.max()) <= high
    assert count == entry.frames


@pytest.mark.parametrize("entry", _params(lambda f: not f.decodes))
def test_catalog_file_fails_cleanly(entry: CatalogFile, real_root: Path) -> None:
    """Files nothing here can decode raise a pixelsvc error that names neither path nor PHI."""
    path = real_root / entry.path
    with pytest.raises(PixelsvcError) as caught:
        ds = read_dataset(path)
        for _ in iter_frames(ds):
            pass
    assert isinstance(caught.value, (DecodeError, InvalidFrameError))
    message = str(caught.value)
    assert str(path) not in message and path.name not in message
    for value in _header_values(read_dataset(path)):
        assert value not in message


SHARED_SYNTAXES = {
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.55",
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.201",
    "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.8.1",
}
"""Every transfer syntax of the shared corpus."""


def test_own_corpus_covers_the_decoders(real_root: Path) -> None:
    """The corpus a fresh clone installs: every syntax but JPEG XL, colour, palette, overlays, cines, text."""
    own = load_catalog(own_corpus_root())
    assert len(own) == 43 and all((own_corpus_root() / "real" / f.path).is_file() for f in own)
    assert all(f.decodes for f in own)
    # the only JPEG XL sample (dcm4che) is MPL-1.1, not a licence we vendor under
    assert {f.transfer_syntax for f in own} == SHARED_SYNTAXES - {"1.2.840.10008.1.2.4.111"}
    photometrics = {f.photometric for f in own}
    assert {"MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "PALETTE COLOR"} <= photometrics
    assert max(f.frames or 1 for f in own) >= 27 and any(f.is_signed for f in own)
    assert {f.bits_allocated for f in own} >= {1, 8, 16, 32}
    assert "pydicom/examples_overlay.dcm" in {f.path for f in own}
    burned_in = [f for f in own if f.text_read and f.path.startswith("deid-data/ultrasounds/")]
    assert len(burned_in) == 4


def test_catalog_is_complete(real_root: Path) -> None:
    if using_own_corpus():
        pytest.skip("the shared corpus's own count; test_own_corpus_covers_the_decoders checks the own corpus")
    assert len(CATALOG) == 160
    assert {f.transfer_syntax for f in CATALOG} == SHARED_SYNTAXES
    undecodable = {f.path for f in CATALOG if not f.decodes}
    assert undecodable == {
        "fo-dicom/GH340.dcm",  # ACR-NEMA, 12 bits allocated (packed)
        "pylibjpeg-data/JPEG2000Lossless/966.dcm",  # broken J2K codestream (966_fixed.dcm decodes)
        "weasis-dicom-tools/prOverlay.dcm",  # a presentation state: no pixel data
    }


def test_unsupported_reasons(real_file: RealFile) -> None:
    with pytest.raises(UnsupportedEncodingError, match=r"\(0028,0100\) BitsAllocated is 12"):
        frame_info(read_dataset(real_file("fo-dicom/GH340.dcm")))
    with pytest.raises(DecodeError, match=r"\(7FE0,0010\) PixelData"):
        iter_frames(read_dataset(real_file("weasis-dicom-tools/prOverlay.dcm")))
    frames = iter_frames(read_dataset(real_file("pylibjpeg-data/JPEG2000Lossless/966.dcm")))
    with pytest.raises(DecodeError, match="frame 0 of the JPEG 2000"):
        next(frames)


# ---------------------------------------------------------------------------------
# Colour: converted once, to RGB


@pytest.mark.parametrize(
    ("reference", "other", "max_mad"),
    [
        ("pydicom-data/US1_UNCR.dcm", "dicom-test-files/WG04/RLE/US1_RLE", 0.0),
        ("pydicom-data/US1_UNCR.dcm", "dicom-test-files/WG04/J2KR/US1_J2KR", 0.0),  # YBR_RCT
        ("pydicom-data/US1_UNCR.dcm", "dicom-test-files/WG04/J2KI/US1_J2KI", 3.0),  # YBR_ICT, lossy
        ("dicom-test-files/WG04/RLE/VL1_RLE", "dicom-test-files/WG04/J2KR/VL1_J2KR", 0.0),
        ("dicom-test-files/WG04/RLE/VL2_RLE", "dicom-test-files/WG04/J2KI/VL2_J2KI", 3.0),
        ("dicom-test-files/WG04/RLE/VL3_RLE", "dicom-test-files/WG04/J2KI/VL3_J2KI", 3.0),
        ("pydicom/SC_rgb_rle_2frame.dcm", "pydicom/SC_rgb_jpeg_dcmtk.dcm", 1.5),  # YBR_FULL JPEG
        ("pydicom/SC_rgb_rle_2frame.dcm", "pydicom/SC_rgb_jpeg_gdcm.dcm", 0.0),  # RGB JPEG lossless
        ("pydicom/SC_rgb_rle_2frame.dcm", "pydicom/SC_ybr_full_422_uncompressed.dcm", 1.5),
        ("pydicom/SC_rgb_rle_2frame.dcm", "pydicom-data/SC_ybr_full_uncompressed.dcm", 1.5),
        ("fo-dicom/GH538-jpeg14sv1.dcm", "fo-dicom/GH538-jpeg1.dcm", 1.5),  # RGB lossless vs YBR_FULL
    ],
)
def test_colour_matches_reference(real_file: RealFile, reference: str, other: str, max_mad: float) -> None:
    """The same image in different colour encodings decodes to the same RGB: no tint."""
    ref = _frames(real_file(reference))[0]
    got = _frames(real_file(other))[0]
    assert ref.photometric == got.photometric == "RGB"
    assert ref.shape == got.shape
    assert _mad(ref.pixels, got.pixels) <= max_mad
    # a missed or doubled YCbCr conversion shifts whole channels
    channel_shift = np.abs((got.pixels.astype(float) - ref.pixels).reshape(-1, 3).mean(axis=0))
    assert channel_shift.max() < 1.0


@pytest.mark.parametrize(
    "entry", _params(lambda f: f.decodes and f.modality == "US" and f.photometric.startswith("YBR") and not f.is_zip)
)
def test_ybr_ultrasound_is_grey_where_grey(entry: CatalogFile, real_root: Path) -> None:
    """Ultrasound is mostly grey: after one YBR -> RGB conversion most pixels have R == G == B."""
    _skip_without_imagecodecs(entry)
    frame = next(iter_frames(read_dataset(real_root / entry.path)))
    spread = frame.pixels.max(axis=-1).astype(int) - frame.pixels.min(axis=-1)
    assert (spread <= 8).mean() > 0.7


def test_jpeg_xl_is_rgb(real_file: RealFile) -> None:
    if not HAVE_IMAGECODECS:
        pytest.skip("needs the optional imagecodecs package")
    ds = read_dataset(real_file("dcm4che/will-jxl.dcm"))
    assert ds.PhotometricInterpretation == "YBR_FULL_422"
    frame = next(iter_frames(ds))
    assert frame.photometric == "RGB" and frame.pixels.dtype == np.uint8
    spread = frame.pixels.max(axis=-1).astype(int) - frame.pixels.min(axis=-1)
    assert (spread <= 8).mean() > 0.8


def test_palette_is_expanded(real_file: RealFile) -> None:
    ds = read_dataset(real_file("pydicom-data/OBXXXX1A.dcm"))
    frame = next(iter_frames(ds))
    # the palette holds 16-bit entries ((0028,1101) descriptor [256, 0, 16]): RGB stays 16-bit
    assert frame.photometric == "RGB" and frame.pixels.dtype == np.uint16 and frame.bits_stored == 16
    np.testing.assert_array_equal(frame.pixels, apply_color_lut(ds.pixel_array, ds))
    rle = next(iter_frames(read_dataset(real_file("pydicom-data/OBXXXX1A_rle.dcm"))))
    np.testing.assert_array_equal(frame.pixels, rle.pixels)


def test_16_bit_palette_stays_16_bit(real_file: RealFile) -> None:
    """16-bit indices into a 65536-entry palette (gdcm-US-ALOKA-16) expand without loss."""
    ds = read_dataset(real_file("pydicom-data/gdcm-US-ALOKA-16.dcm"))
    frame = next(iter_frames(ds))
    assert frame.photometric == "RGB" and frame.pixels.dtype == np.uint16 and frame.bits_stored == 16
    np.testing.assert_array_equal(frame.pixels, apply_color_lut(ds.pixel_array, ds))


# ---------------------------------------------------------------------------------
# Monochrome: native values


def test_monochrome1_is_not_inverted(real_file: RealFile) -> None:
    ds = read_dataset(real_file("pydicom-data/RG3_J2KR.dcm"))
    frame = next(iter_frames(ds))
    assert frame.photometric == "MONOCHROME1"
    jls = next(iter_frames(read_dataset(real_file("dicom-test-files/WG04/JLSN/RG3_JLSN"))))
    assert jls.photometric == "MONOCHROME1"
    assert _mad(frame.pixels, jls.pixels) < 4  # near-lossless JPEG-LS of the same stored values


def test_signed_stays_signed_and_native(real_file: RealFile) -> None:
    little = next(iter_frames(read_dataset(real_file("pydicom/MR_small.dcm"))))
    big = next(iter_frames(read_dataset(real_file("pydicom/MR_small_bigendian.dcm"))))
    assert little.pixels.dtype == big.pixels.dtype == np.int16
    assert big.pixels.dtype.isnative
    np.testing.assert_array_equal(little.pixels, big.pixels)


def test_signed_ct_has_negative_values(real_file: RealFile) -> None:
    ct = next(iter_frames(read_dataset(real_file("orthanc-tests/SignedCT.dcm"))))
    assert ct.pixels.dtype == np.int16 and int(ct.pixels.min()) < 0


def test_no_lut_is_applied(real_file: RealFile) -> None:
    """Rescale, VOI and modality LUTs are the renderer's business: values are the stored ones."""
    ds = read_dataset(real_file("fo-dicom/CR-ModalitySequenceLUT.dcm"))
    frame = next(iter_frames(ds))
    np.testing.assert_array_equal(frame.pixels, ds.pixel_array)


def test_one_bit_frames(real_file: RealFile) -> None:
    reference = _frames(real_file("pydicom/liver_1frame.dcm"))[0]
    assert reference.pixels.dtype == np.uint8 and reference.bits_stored == 1
    rle = _frames(real_file("pydicom-data/liver_rle.dcm"))
    deflate = _frames(real_file("pydicom-data/liver_deflate.dcm"))
    assert len(rle) == len(deflate) == 3
    np.testing.assert_array_equal(rle[0].pixels, reference.pixels)
    for a, b in zip(rle, deflate, strict=True):
        np.testing.assert_array_equal(a.pixels, b.pixels)


def test_12_bit_jpeg_extended_matches_lossless(real_file: RealFile) -> None:
    """libjpeg rejects these WG04 streams; the imagecodecs fallback reads them correctly."""
    if not HAVE_IMAGECODECS:
        pytest.skip("needs the optional imagecodecs package")
    lossy = _frames(real_file("dicom-test-files/WG04/JPLY/MR1_JPLY"))[0]
    lossless = _frames(real_file("dicom-test-files/WG04/JPLL/MR1_JPLL"))[0]
    assert abs(float(lossy.pixels.mean()) - float(lossless.pixels.mean())) < 2
    assert _mad(lossy.pixels, lossless.pixels) < 20  # lossy, values up to 4095


# ---------------------------------------------------------------------------------
# Frame by frame


def test_iter_frames_is_lazy_and_frame_by_frame(real_file: RealFile) -> None:
    ds = read_dataset(real_file("pydicom/examples_ybr_color.dcm"))  # 30 JPEG frames
    encoded = list(generate_frames(ds.PixelData, number_of_frames=30))
    encoded[2] = b"\xff\xd8\xff\xdb" + b"\x00" * 64  # frame 2 is broken
    ds.PixelData = encapsulate(encoded, has_bot=True)

    frames = iter_frames(ds, "lazy")
    assert inspect.isgenerator(frames)
    assert next(frames).key == ("lazy", 0)
    assert next(frames).key == ("lazy", 1)
    with pytest.raises(DecodeError, match="frame 2 of the JPEG Baseline"):
        next(frames)


def _peak_bytes(ds: Dataset, count: int) -> int:
    """Peak traced memory while decoding and dropping the first `count` frames."""
    tracemalloc.start()
    try:
        decoded = sum(1 for _ in itertools.islice(iter_frames(ds), count))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoded == count
    return peak


def test_cine_never_sits_decoded_in_memory(real_file: RealFile) -> None:
    """Decoding all 65 frames of a cine needs no more memory than decoding 3 of them."""
    ds = read_dataset(real_file("fo-dicom/DIRW0007"))  # 65 frames of 456 x 576 x 3
    frame_bytes = 456 * 576 * 3
    few, all_frames = _peak_bytes(ds, 3), _peak_bytes(ds, 65)
    assert all_frames < few + 2 * frame_bytes
    assert all_frames < 65 * frame_bytes / 4  # YBR -> RGB needs float temporaries for one frame


def test_zipped_cine(greyscale_cine: Path) -> None:
    frames = _frames(greyscale_cine)
    assert len(frames) == 27
    assert {f.shape for f in frames} == {(600, 800)}
    assert len({f.pixels.tobytes() for f in frames}) > 1


def test_more_frames_than_header_fails_closed(real_file: RealFile) -> None:
    ds = read_dataset(real_file("pylibjpeg-data/JPEGBaseline/JPEGBaseline_1s_1f_u_08_08.dcm"))
    jpeg = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([jpeg, jpeg], has_bot=True)
    ds.NumberOfFrames = 1
    with pytest.raises(DecodeError, match=r"more frames than \(0028,0008\) NumberOfFrames"):
        list(iter_frames(ds))
    ds.NumberOfFrames = 3
    with pytest.raises(DecodeError, match="holds 2 frames"):
        list(iter_frames(ds))


def test_corrupt_compressed_pixels_raise_decode_error(real_file: RealFile) -> None:
    ds = read_dataset(real_file("pydicom/MR_small_jp2klossless.dcm"))
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(range(256)) * 4])
    with pytest.raises(DecodeError, match="could not be decoded"):
        list(iter_frames(ds))


def test_unknown_transfer_syntax(synthetic_file: bytes) -> None:
    ds = read_dataset(io.BytesIO(synthetic_file))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2
    with pytest.raises(UnsupportedEncodingError, match=r"\(0002,0010\) TransferSyntaxUID 1.2.840.10008.1.2.4.100"):
        iter_frames(ds)


def test_missing_imagecodecs_is_reported(real_file: RealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "_imagecodecs_has", lambda codec: False)
    decode._extended_decoder.cache_clear()
    try:
        with pytest.raises(UnsupportedEncodingError, match="imagecodecs"):
            iter_frames(read_dataset(real_file("dcm4che/will-jxl.dcm")))
    finally:
        monkeypatch.undo()
        decode._extended_decoder.cache_clear()


# ---------------------------------------------------------------------------------
# Reading


@pytest.fixture
def synthetic_file() -> bytes:
    return _to_bytes(_make_dataset())


def test_read_from_bytes_and_path(synthetic_file: bytes, tmp_path: Path) -> None:
    path = tmp_path / "image.dcm"
    path.write_bytes(synthetic_file)
    for src in (io.BytesIO(synthetic_file), path, str(path)):
        frame = next(iter_frames(read_dataset(src)))
        np.testing.assert_array_equal(frame.pixels, np.arange(20, dtype=np.uint16).reshape(4, 5))


@pytest.mark.parametrize(
    "content",
    [b"", b"not a dicom file at all" * 10, bytes(range(256)) * 8, b"\x00" * 128 + b"DICM" + b"\xff" * 40],
    ids=["empty", "text", "noise", "broken-meta"],
)
def test_not_dicom_raises_decode_error(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "DOE^JOHN 19700101.dcm"  # paths may hold PHI
    path.write_bytes(content)
    with pytest.raises(DecodeError) as caught:
        read_dataset(path)
    assert "DOE" not in str(caught.value) and "19700101" not in str(caught.value)
    # no chained exception either: pydicom's and the OS's messages may quote the path
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_missing_file_does_not_leak_path(tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="could not be read: No such file") as caught:
        read_dataset(tmp_path / "SMITH^ANNA.dcm")
    assert "SMITH" not in str(caught.value) and caught.value.__suppress_context__
    with pytest.raises(DecodeError):
        read_dataset(tmp_path)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.999])
def test_truncated_file_raises_decode_error(synthetic_file: bytes, real_file: RealFile, keep: float) -> None:
    for data in (
        synthetic_file,
        (real_file("pydicom/CT_small.dcm")).read_bytes(),
        (real_file("pydicom/MR_small_RLE.dcm")).read_bytes(),
    ):
        cut = data[: int(len(data) * keep)]
        with pytest.raises(DecodeError):
            list(iter_frames(read_dataset(io.BytesIO(cut))))


def test_preamble_less_file_is_read(real_file: RealFile) -> None:
    """ACR-NEMA style files (no preamble, no file meta) are read; the syntax is inferred."""
    ds = read_dataset(real_file("orthanc-tests/TransferSyntaxes/1.2.840.10008.1.2.dcm"))
    assert ds.file_meta.TransferSyntaxUID == ImplicitVRLittleEndian
    assert next(iter_frames(ds)).shape == (256, 256)


def test_big_endian_and_implicit_round_trip() -> None:
    pixels = np.array([[-3, 0, 7], [1000, -1000, 5]], dtype=np.int16)
    ds = _make_dataset(pixels)
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    ds.PixelData = pixels.astype(">i2").tobytes()  # pydicom writes OW bytes as given
    big = read_dataset(io.BytesIO(_to_bytes(ds)))
    assert big.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.PixelData = pixels.tobytes()
    implicit = read_dataset(io.BytesIO(_to_bytes(ds)))
    for read in (big, implicit):
        frame = next(iter_frames(read))
        assert frame.pixels.dtype == np.int16 and frame.pixels.dtype.isnative
        np.testing.assert_array_equal(frame.pixels, pixels)


# ---------------------------------------------------------------------------------
# Header checks


def test_frame_info_describes_dataset() -> None:
    info = frame_info(_make_dataset(bits_stored=12))
    assert info == FrameInfo(
        rows=4,
        columns=5,
        samples_per_pixel=1,
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=0,
        photometric="MONOCHROME2",
        number_of_frames=1,
        transfer_syntax_uid=ExplicitVRLittleEndian,
    )
    with pytest.raises(AttributeError):
        info.rows = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("keyword", "value", "error", "pattern"),
    [
        ("Rows", 0, InvalidFrameError, r"\(0028,0010\) Rows is 0; it must be in the range \[1, 65535\]"),
        ("Columns", 0, InvalidFrameError, r"\(0028,0011\) Columns is 0"),
        ("BitsAllocated", 12, UnsupportedEncodingError, r"\(0028,0100\) BitsAllocated is 12; .* 1, 8, 16, 32, 64"),
        ("BitsStored", 17, InvalidFrameError, r"\(0028,0101\) BitsStored is 17; it must be in the range \[1, 16\]"),
        ("PixelRepresentation", 2, InvalidFrameError, r"\(0028,0103\) PixelRepresentation is 2"),
        ("SamplesPerPixel", 2, InvalidFrameError, r"\(0028,0002\) SamplesPerPixel is 2; it must be 1 or 3"),
        ("SamplesPerPixel", 3, InvalidFrameError, r"SamplesPerPixel is 3 but .*MONOCHROME2.* needs 1"),
        ("PhotometricInterpretation", "YBR_PARTIAL_420", UnsupportedEncodingError, r"\(0028,0004\).*YBR_PARTIAL"),
        (
            "PhotometricInterpretation",
            "BOGUS",
            InvalidFrameError,
            r"\(0028,0004\) PhotometricInterpretation is 'BOGUS'",
        ),
        ("NumberOfFrames", 0, InvalidFrameError, r"\(0028,0008\) NumberOfFrames is 0"),
        ("PixelData", None, DecodeError, r"no \(7FE0,0010\) PixelData"),
        ("Rows", None, DecodeError, r"no \(0028,0010\) Rows value"),
        ("PhotometricInterpretation", "PALETTE COLOR", DecodeError, r"\(0028,1101\) RedPaletteColorLookupTable"),
    ],
)
def test_frame_info_rejects(keyword: str, value: object, error: type[Exception], pattern: str) -> None:
    ds = _make_dataset()
    if value is None:
        del ds[keyword]
    else:
        setattr(ds, keyword, value)
    with pytest.raises(error, match=pattern):
        frame_info(ds)
    with pytest.raises(error):
        iter_frames(ds)  # checked on the call, before any frame is decoded


def test_frame_pixel_limit() -> None:
    ds = _make_dataset()
    with pytest.raises(InvalidFrameError, match="max_frame_pixels = 19"):
        frame_info(ds, max_frame_pixels=19)
    assert frame_info(ds, max_frame_pixels=20).frame_pixels == 20


def test_one_bit_allowed_and_multi_frame_synthetic() -> None:
    frames = np.arange(2 * 4 * 5, dtype=np.uint8).reshape(2, 4, 5)
    got = list(iter_frames(_make_dataset(frames, frames=2), "x"))
    assert [f.key for f in got] == [("x", 0), ("x", 1)]
    np.testing.assert_array_equal(got[1].pixels, frames[1])


def test_rgb_synthetic() -> None:
    pixels = np.random.default_rng(0).integers(0, 255, (4, 5, 3), dtype=np.uint8)
    frame = next(iter_frames(_make_dataset(pixels, photometric="RGB")))
    assert frame.photometric == "RGB"
    np.testing.assert_array_equal(frame.pixels, pixels)


# ---------------------------------------------------------------------------------
# PHI context


def _expected_identity(ds: Dataset) -> dict[str, str]:
    expected = {}
    if ds.get("PatientName"):
        expected["names"] = str(ds.PatientName).split("=")[0].strip().rstrip("^").strip()
    if ds.get("PatientID"):
        expected["ids"] = str(ds.PatientID).strip()
    if ds.get("PatientBirthDate"):
        expected["dates"] = str(ds.PatientBirthDate).strip()
    return {k: v for k, v in expected.items() if v}


@pytest.mark.parametrize(
    "name",
    [
        "2_ORIGINAL.dcm",
        "0_ORIGINAL_compressed.dcm",
        "0_ORIGINAL_no_pixels.dcm",
        "RGB_ORIGINAL.dcm",
        "derived/1_ORIGINAL_from_png.dcm",
        "derived/3_ORIGINAL_from_png.dcm",
    ],
)
def test_phi_context_presidio(presidio_root: Path, name: str) -> None:
    ds = read_dataset(presidio_root / name)
    ctx = phi_context(ds)
    expected = _expected_identity(ds)
    assert expected.keys() >= {"names", "ids"}
    for category, value in expected.items():
        assert value in getattr(ctx, category)


def test_phi_context_presidio_known_values(presidio_root: Path) -> None:
    """The pseudo-PHI burned into 0_ORIGINAL (Presidio's ground truth) is in the header context."""
    ctx = phi_context(read_dataset(presidio_root / "0_ORIGINAL_compressed.dcm"))
    assert "DAVIDSON^DOUGLAS" in ctx.names
    assert "19760616" in ctx.dates
    assert "292821506" in ctx.ids
    assert ctx.ages and ctx.institutions and ctx.times


@pytest.mark.parametrize("entry", _params(lambda f: not f.is_zip))
def test_phi_context_real_files(entry: CatalogFile, real_root: Path) -> None:
    ds = read_dataset(real_root / entry.path)
    ctx = phi_context(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _expected_identity(ds)
    for category, value in expected.items():
        assert value in getattr(ctx, category)
    for values in (ctx.names, ctx.ids, ctx.dates, ctx.times, ctx.ages, ctx.institutions, ctx.other):
        assert len(values) == len(set(values))
        assert all(v and v == v.strip() for v in values)


def test_phi_context_walks_sequences_and_all_categories() -> None:
    ds = _make_dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "MÜLLER^JÜRGEN^^^=ミュラー^ユルゲン"
    ds.OtherPatientNames = ["ALIAS^ONE", "ALIAS^TWO"]
    ds.ReferringPhysicianName = "WHO^DOCTOR"
    ds.PatientBirthDate = "19450102"
    ds.StudyDate = "20200304"
    ds.AcquisitionDateTime = "20200304101112"
    ds.StudyTime = "101112"
    ds.PatientAge = "075Y"
    ds.AccessionNumber = "ACC123"
    ds.StudyID = "STUDY9"
    ds.InstitutionName = "General Hospital"
    ds.StationName = "US-ROOM-2"
    ds.PatientAddress = "1 Main Street"
    ds.PatientTelephoneNumbers = "555-0100"
    ds.StudyDescription = "CHEST PA"  # not identifying
    ds.DeviceSerialNumber = "SN-42"  # technical
    item = Dataset()
    item.PatientID = "OTHER-ID-7"
    item.IssuerOfPatientID = "HOSP-B"
    ds.OtherPatientIDsSequence = Sequence([item])
    physician = Dataset()
    physician.PersonName = "NESTED^NAME"
    physician.InstitutionName = "Nested Clinic"
    ds.ReferringPhysicianIdentificationSequence = Sequence([physician])
    ds.add_new(0x00090010, "LO", "PRIVATE CREATOR")
    ds.add_new(0x00091001, "PN", "PRIVATE^PERSON")
    ds.OperatorsName = ""  # empty values are dropped
    ds.PerformingPhysicianName = "WHO^DOCTOR"  # duplicates are dropped

    for source in (ds, read_dataset(io.BytesIO(_to_bytes(ds)))):
        ctx = phi_context(source)
        assert set(ctx.names) == {
            "MÜLLER^JÜRGEN",
            "ミュラー^ユルゲン",
            "ALIAS^ONE",
            "ALIAS^TWO",
            "WHO^DOCTOR",
            "PRIVATE^PERSON",
            "NESTED^NAME",
        }
        assert len(ctx.names) == 7
        assert {"PID-0001", "ACC123", "STUDY9", "OTHER-ID-7", "HOSP-B"} <= set(ctx.ids)
        assert "SN-42" not in ctx.ids
        assert {"19450102", "20200304", "20200304101112"} <= set(ctx.dates)
        assert "101112" in ctx.times
        assert ctx.ages == ("075Y",)
        assert {"General Hospital", "US-ROOM-2", "1 Main Street", "Nested Clinic"} <= set(ctx.institutions)
        assert ctx.other == ("555-0100",)
        assert "CHEST PA" not in str(ctx) and "MÜLLER" not in repr(ctx)


def test_phi_context_decodes_character_sets(real_file: RealFile) -> None:
    ctx = phi_context(read_dataset(real_file("orthanc-tests/Encodings/DavidClunie/SCSARAB")))
    assert ctx.names == ("قباني^لنزار",)


def test_phi_context_does_not_echo_invalid_values() -> None:
    """pydicom's value validation warns with the value itself; phi_context never triggers it."""
    ds = _make_dataset()
    name = "VERYLONGFAMILYNAME" * 5 + "^X"  # a PN component longer than 64 characters
    ds.add_new(0x00100010, "PN", name.encode())  # raw bytes: stored without validation
    data = _to_bytes(ds)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = phi_context(read_dataset(io.BytesIO(data)))
    assert name in ctx.names
    assert not [w for w in caught if "VERYLONG" in str(w.message)]


def test_phi_context_is_empty_for_bare_dataset() -> None:
    ds = _make_dataset()
    del ds.PatientName
    del ds.PatientID
    assert phi_context(ds) == PhiContext()
    assert phi_context(ds).is_empty()


def test_pydicom_warnings_never_name_the_path(real_file: RealFile, tmp_path: Path) -> None:
    """pydicom warns "End of file reached ... in file <name>": the name must not be the path."""
    data = (real_file("pydicom/MR_small_RLE.dcm")).read_bytes()
    path = tmp_path / "ROE^RICHARD.dcm"
    path.write_bytes(data[: int(len(data) * 0.9)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DecodeError):
            read_dataset(path)
    assert caught and not [w for w in caught if "ROE" in str(w.message)]
    assert read_dataset(real_file("pydicom/CT_small.dcm")).filename is None
