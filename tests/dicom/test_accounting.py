"""Byte accounting (pixelsvc/dicom/accounting.py, codestream.py): what is kept is what decodes.

The decisive property: for every real encapsulated file whose pixel data gets rebuilt (comment
segments, padding, trailing bytes dropped), the rebuilt data decodes to exactly the same pixels.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, JPEGLSLossless, RLELossless

from pixelsvc.config import DecodeLimits
from pixelsvc.dicom import codestream
from pixelsvc.dicom.accounting import account_pixel_data
from pixelsvc.dicom.decode import frame_info, iter_frames, read_dataset
from pixelsvc.errors import DecodeError, InvalidFrameError
from tests.robustness.mutations import (
    PHI_BLOB,
    _compressed,
    _encoded,
    _image,
    _j2k_with_comment,
    _jpeg_with_comment,
    _patch_jpeg_size,
)

LIMITS = DecodeLimits()


def test_jpeg_walk_stops_at_eoi_and_drops_comments() -> None:
    jpeg = _encoded(_image(), JPEGBaseline8Bit)
    walked = codestream.walk_jpeg(_jpeg_with_comment(jpeg, PHI_BLOB) + PHI_BLOB)
    assert (walked.rows, walked.columns, walked.components, walked.precision) == (48, 64, 1, 8)
    assert PHI_BLOB[:10] not in walked.data and walked.data.endswith(b"\xff\xd9")
    assert len(walked.data) <= len(jpeg)
    with pytest.raises(DecodeError):
        codestream.walk_jpeg(jpeg[:-2])


def test_jpeg_ls_and_j2k_sizes_are_read() -> None:
    image = _image(dtype="uint16")
    jls = codestream.walk_jpeg(_encoded(image, JPEGLSLossless) + PHI_BLOB, jpeg_ls=True)
    assert (jls.rows, jls.columns, jls.dropped) == (48, 64, len(PHI_BLOB))
    j2k = _encoded(image, JPEG2000Lossless)
    walked = codestream.walk_j2k(_j2k_with_comment(j2k, PHI_BLOB) + PHI_BLOB)
    assert (walked.rows, walked.columns, walked.components) == (48, 64, 1)
    assert PHI_BLOB[:10] not in walked.data


def test_rle_segments_are_cut_to_what_they_decode() -> None:
    rle = _encoded(_image(dtype="uint16"), RLELossless)
    walked = codestream.walk_rle(rle + PHI_BLOB, segments=2, segment_bytes=48 * 64)
    assert walked.data == rle[:len(walked.data)] and walked.dropped >= len(PHI_BLOB)
    with pytest.raises(DecodeError, match="segments"):
        codestream.walk_rle(rle, segments=3, segment_bytes=48 * 64)
    with pytest.raises(DecodeError):
        codestream.walk_rle(struct.pack("<I", 2) + rle[4:64] + b"\x7f" + rle[65:], segments=2,
                            segment_bytes=48 * 64 * 4)


def test_deflate_is_bounded() -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = bomb.compress(bytes(8 << 20)) + bomb.flush()
    with pytest.raises(DecodeError, match="exactly"):
        codestream.walk_deflate(stream, 3072)


def test_codestream_size_must_match_the_header() -> None:
    image = _image()
    ds = _compressed(image, JPEGBaseline8Bit, [_patch_jpeg_size(_encoded(image, JPEGBaseline8Bit), 60000, 60000)])
    with pytest.raises(InvalidFrameError, match="60000 x 60000"):
        account_pixel_data(ds, frame_info(ds), LIMITS)


def _encapsulated_real_files(root: Path) -> list[Path]:
    names = ("dicom-test-files/WG04/J2KR", "dicom-test-files/WG04/JLSN", "dicom-test-files/WG04/RLE",
             "dicomParser/encapsulated/multi-frame", "pydicom", "pydicom-data", "fo-dicom", "orthanc-tests")
    out = []
    for name in names:
        folder = root / name
        if folder.is_dir():
            out += sorted(p for p in folder.iterdir() if p.is_file() and p.stat().st_size < 3_000_000)
    return out


def test_rebuilt_real_pixel_data_decodes_to_the_same_pixels(real_root: Path) -> None:
    rebuilt = 0
    for path in _encapsulated_real_files(real_root):
        try:
            original = read_dataset(path)
            info = frame_info(original)
            before = [f.pixels for f in iter_frames(original)]
        except Exception:
            continue  # not decodable here: not this test's concern
        accounted = read_dataset(path)
        account = account_pixel_data(accounted, frame_info(accounted), LIMITS)
        if not account.notes or account.rewrite:
            continue
        after = [f.pixels for f in iter_frames(accounted)]
        assert len(after) == len(before) == info.number_of_frames, path.name
        for a, b in zip(before, after, strict=True):
            assert np.array_equal(a, b), path.name
        rebuilt += 1
    assert rebuilt >= 20
