"""Decode pixel data in child processes: a codec that crashes, hangs or over-allocates fails one file.

Codecs are native code fed with untrusted bytes. Each decode runs in a spawned child that
imports only pydicom, numpy and the decode stage (no torch), under ``RLIMIT_AS`` =
`DecodeLimits.decode_memory_bytes`, and is given `DecodeLimits.decode_timeout_s`. A child
that segfaults, is killed, runs out of its address space or overruns the time is replaced,
and only that file fails, with a PHI-free reason; the run goes on.

The child is sent the parent's own pixel module and pixel data element (after
`account_pixel_data`), serialised as a small DICOM file: it decodes exactly the bytes the
parent will write, even if the input file changes on disk meanwhile.
"""

from __future__ import annotations

import io
import multiprocessing
import queue
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

from pixelsvc.config import DecodeLimits
from pixelsvc.dicom.write import write_any_syntax
from pixelsvc.errors import DecodeError, PixelsvcError
from pixelsvc.types import Frame

__all__ = ["DecodeWorkers"]


@dataclass(slots=True)
class _Child:
    process: Any
    conn: Connection


class DecodeWorkers:
    """A small pool of decoder processes, each used by one caller at a time."""

    def __init__(self, limits: DecodeLimits, *, max_frame_pixels: int | None = None) -> None:
        self.limits = limits
        self.max_frame_pixels = max_frame_pixels
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.SimpleQueue[_Child] = queue.SimpleQueue()

    def decode(self, ds: Dataset) -> list[Frame]:
        """Decode every frame of `ds` in a child; raises DecodeError for anything that goes wrong."""
        blob = pixel_file(ds)
        try:
            child = self._idle.get_nowait()
        except queue.Empty:
            child = self._start()
        frames: list[Frame] = []
        deadline = time.monotonic() + self.limits.decode_timeout_s
        try:
            child.conn.send_bytes(blob)
            del blob
            while True:  # one message per frame: neither side ever holds a pickled copy of every frame
                if not child.conn.poll(max(0.0, deadline - time.monotonic())):
                    self._stop(child)
                    raise DecodeError(f"decoding the pixel data took longer than decode_timeout_s = "
                                      f"{self.limits.decode_timeout_s} s; the decoder process was stopped")
                kind, value = child.conn.recv()
                if kind != "frame":
                    break
                frames.append(value)
        except (EOFError, OSError):
            child.process.join(5)
            code = child.process.exitcode
            self._stop(child)
            how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
            raise DecodeError(f"the decoder process died while decoding the pixel data ({how}): a codec crashed "
                              f"or passed decode_memory_bytes = {self.limits.decode_memory_bytes}") from None
        self._idle.put(child)
        if kind == "done":
            return frames
        if kind == "memory":
            raise DecodeError(f"decoding the pixel data needs more than decode_memory_bytes = "
                              f"{self.limits.decode_memory_bytes} bytes")
        raise DecodeError(value)

    def close(self) -> None:
        while True:
            try:
                self._stop(self._idle.get_nowait())
            except queue.Empty:
                return

    def _start(self) -> _Child:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self.limits, self.max_frame_pixels),
                                        name="pixelsvc-decode", daemon=True)
        process.start()
        child.close()
        return _Child(process, parent)

    @staticmethod
    def _stop(child: _Child) -> None:
        if child.process.is_alive():
            child.process.kill()
        child.process.join(5)
        child.conn.close()


def pixel_file(ds: Dataset) -> bytes:
    """A minimal DICOM file of `ds`'s file meta transfer syntax, group 0028 and pixel data element."""
    sub = Dataset()
    for element in ds.group_dataset(0x0028):
        sub.add(element)
    for tag in (0x7FE00008, 0x7FE00009, 0x7FE00010):
        if tag in ds:
            sub.add(ds[tag])
    syntax = UID(str(ds.file_meta.TransferSyntaxUID))
    sub.file_meta = FileMetaDataset()
    sub.file_meta.TransferSyntaxUID = syntax
    sub.preamble = b"\0" * 128
    buffer = io.BytesIO()
    write_any_syntax(buffer, sub, enforce_file_format=False)
    return buffer.getvalue()


def _serve(conn: Connection, limits: DecodeLimits, max_frame_pixels: int | None) -> None:
    """The child's loop: a path in, ("frames", list) or (kind, PHI-free message) out."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = limits.decode_memory_bytes if hard == resource.RLIM_INFINITY else min(limits.decode_memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which then closes the pipe
    import warnings

    warnings.filterwarnings("ignore")  # pydicom's value warnings quote header values
    import logging

    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)
    from pixelsvc.dicom.decode import iter_frames, read_dataset

    while True:
        try:
            blob = conn.recv_bytes()
        except EOFError:
            return
        try:
            ds = read_dataset(io.BytesIO(blob), max_inflated_bytes=limits.max_inflated_bytes)
            del blob
            count = 0
            for frame in iter_frames(ds, "client", max_frame_pixels=max_frame_pixels):
                conn.send(("frame", frame))
                count += 1
                del frame
            del ds
            answer: tuple[str, Any] = ("done", count)
        except MemoryError:
            answer = ("memory", "")
        except PixelsvcError as exc:  # our own messages carry no PHI
            answer = ("error", str(exc))
        except BaseException as exc:  # a codec's PanicException too; its message may quote data
            answer = ("error", f"unexpected {type(exc).__name__} while decoding the pixel data")
        conn.send(answer)
