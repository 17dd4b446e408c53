"""malloc keeps freed memory for the next frame (pixelsvc.heap), in a child process: it is process-wide."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from pixelsvc.heap import retain_freed_memory

_CHILD = r"""
import ctypes, sys
import numpy as np
from pixelsvc.heap import retain_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2

def mapped_by_a_large_block():
    before = libc.mallinfo2().hblkhd
    block = np.ones(64 << 20, np.uint8)
    during = libc.mallinfo2().hblkhd
    del block
    return during - before

print(mapped_by_a_large_block(), retain_freed_memory(1 << 30), mapped_by_a_large_block())
"""


def _glibc() -> bool:
    try:
        return bool(getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), "mallinfo2", None))
    except OSError:
        return False


def test_zero_leaves_malloc_alone():
    assert retain_freed_memory(0) is False


@pytest.mark.skipif(not _glibc(), reason="glibc >= 2.33 only (mallinfo2)")
def test_a_large_block_comes_from_the_heap_once_retention_is_on():
    out = subprocess.run([sys.executable, "-c", _CHILD], check=True, capture_output=True, text=True).stdout.split()
    mapped_before, applied, mapped_after = int(out[0]), out[1], int(out[2])
    assert mapped_before >= 64 << 20  # glibc's default: a fresh mmap, unmapped again on free
    assert applied == "True"
    assert mapped_after == 0  # now served from the heap, whose pages are reused
