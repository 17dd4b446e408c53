"""Decoder child processes (pixelsvc/client/isolate.py): a crash or an allocation past the limit fails one file."""

from __future__ import annotations

import multiprocessing
import os
import signal
import zlib
from pathlib import Path

import numpy as np
import pytest
from pydicom.encaps import encapsulate

from pixelsvc.client.isolate import DecodeWorkers
from pixelsvc.config import DecodeLimits
from pixelsvc.dicom.decode import iter_frames, read_dataset
from pixelsvc.errors import DecodeError
from tests.robustness.mutations import _dataset, _image, _save, _save_new_syntax


def _children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.name == "pixelsvc-decode"}


def test_frames_from_the_child_equal_in_process_frames(tmp_path: Path) -> None:
    ds = read_dataset(_save(_dataset(_image(dtype="uint16")), tmp_path / "a.dcm"))
    workers = DecodeWorkers(DecodeLimits())
    try:
        got = workers.decode(ds)
    finally:
        workers.close()
    expected = list(iter_frames(ds, "client"))
    assert len(got) == len(expected) == 1
    assert np.array_equal(got[0].pixels, expected[0].pixels) and got[0].key == expected[0].key


def test_a_killed_child_fails_that_file_and_the_next_one_works(tmp_path: Path) -> None:
    ds = read_dataset(_save(_dataset(_image()), tmp_path / "a.dcm"))
    workers = DecodeWorkers(DecodeLimits())
    try:
        before = _children()
        assert len(workers.decode(ds)) == 1
        (child,) = _children() - before
        os.kill(child, signal.SIGSEGV)  # what a crashing codec does
        with pytest.raises(DecodeError, match="died"):
            for _ in range(50):  # the signal may land a moment later
                workers.decode(ds)
        assert len(workers.decode(ds)) == 1  # a fresh child
    finally:
        workers.close()


def test_allocation_past_the_child_limit_fails_that_file(tmp_path: Path) -> None:
    """An 8000 x 8000 16-bit frame (128 MB decoded) in a child limited to 256 MiB of address space."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = deflater.compress(bytes(8000 * 8000 * 2)) + deflater.flush()
    big = _dataset(_image(dtype="uint16"), "1.2.840.10008.1.2.8.1")
    big.Rows = big.Columns = 8000
    big.PixelData = encapsulate([stream], has_bot=True)
    big["PixelData"].VR = "OB"
    ds = read_dataset(_save_new_syntax(big, tmp_path / "big.dcm"))
    small = read_dataset(_save(_dataset(_image()), tmp_path / "small.dcm"))
    workers = DecodeWorkers(DecodeLimits(decode_memory_bytes=256 << 20))
    try:
        with pytest.raises(DecodeError, match=r"allocate|decode_memory_bytes"):
            workers.decode(ds)
        assert len(workers.decode(small)) == 1
    finally:
        workers.close()
