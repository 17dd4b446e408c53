"""Keep freed CPU memory in the process heap for the next frame (glibc only).

torch's CPU tensors come from plain malloc. glibc serves every block above its mmap threshold
(128 KiB, rising to at most 32 MiB) with a fresh `mmap` and unmaps it on free, so every detector
forward faults in its 30-60 MB activations page by page again: about a third of the time of a
960x1280 forward on one thread (bench/RESULTS.md). With mmap off and a high trim threshold malloc
reuses those pages. The process then stays near its peak memory between frames instead of falling
back, keeping at most `limit_bytes` free at the top of the heap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

__all__ = ["retain_freed_memory"]

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
_M_MMAP_MAX = -4


def retain_freed_memory(limit_bytes: int) -> bool:
    """Ask glibc's malloc to reuse freed blocks instead of returning them to the OS.

    Process-wide and idempotent. Returns False (and changes nothing) where the C library is not
    glibc or `limit_bytes` is 0.
    """
    if limit_bytes <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        gnu_libc = bool(getattr(libc, "gnu_get_libc_version", None))
    except (OSError, AttributeError):
        return False
    if not gnu_libc:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, min(limit_bytes, 2**31 - 1)) == 1
    log.debug("malloc keeps freed memory", extra={"limit_bytes": limit_bytes, "applied": done})
    return done
