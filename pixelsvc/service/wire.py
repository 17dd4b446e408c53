"""Client-side helpers for the pixelsvc.v1 wire format: frames -> requests, responses -> results.

The servicer is the reference for what the server accepts; these helpers write exactly that
(header first, then each frame's little-endian bytes in in-order chunks) and read the answer
back (one FrameResult per frame, then masked chunks for changed frames). Tests, the load
benchmark and the future `pixelsvc.client` use them, so no caller hand-builds chunk offsets.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from pixelsvc.types import Frame, PhiContext, Policy
from pixelsvc.v1 import redactor_pb2 as pb

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "RedactedFrame",
    "SeriesReader",
    "collect_series",
    "frame_request",
    "image_description",
    "phi_context_message",
    "read_series",
    "series_header",
    "series_requests",
]

DEFAULT_CHUNK_BYTES = 1 << 20
"""Chunk size the helpers send (1 MiB): well under the server's 4 MiB chunk limit."""

_PHOTOMETRIC = {
    "MONOCHROME1": pb.PHOTOMETRIC_INTERPRETATION_MONOCHROME1,
    "MONOCHROME2": pb.PHOTOMETRIC_INTERPRETATION_MONOCHROME2,
    "RGB": pb.PHOTOMETRIC_INTERPRETATION_RGB,
}
_POLICY = {Policy.PHI: pb.POLICY_PHI, Policy.ALL_TEXT: pb.POLICY_ALL_TEXT, Policy.DETECT_ONLY: pb.POLICY_DETECT_ONLY}


def image_description(frame: Frame, number_of_frames: int = 1) -> pb.ImageDescription:
    """Describe frames shaped like `frame` (its dtype gives bits allocated and signedness)."""
    dtype = frame.pixels.dtype
    return pb.ImageDescription(
        rows=frame.pixels.shape[0], columns=frame.pixels.shape[1],
        samples_per_pixel=frame.pixels.shape[2] if frame.pixels.ndim == 3 else 1,
        bits_allocated=dtype.itemsize * 8, bits_stored=frame.bits_stored, signed=dtype.kind == "i",
        photometric_interpretation=_PHOTOMETRIC[frame.photometric], number_of_frames=number_of_frames)


def phi_context_message(context: PhiContext | None) -> pb.PhiContext:
    c = context or PhiContext()
    return pb.PhiContext(names=c.names, ids=c.ids, dates=c.dates, times=c.times, ages=c.ages,
                         institutions=c.institutions, other=c.other)


def series_header(frames: Sequence[Frame], context: PhiContext | None = None, policy: Policy | None = None,
                  return_text: bool = False) -> pb.SeriesHeader:
    return pb.SeriesHeader(image=image_description(frames[0], len(frames)), phi_context=phi_context_message(context),
                           policy=_POLICY[policy] if policy else pb.POLICY_UNSPECIFIED, return_text=return_text)


def _little_endian(pixels: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<"))).cast("B")


def series_requests(frames: Sequence[Frame], context: PhiContext | None = None, policy: Policy | None = None,
                    return_text: bool = False, chunk_bytes: int = DEFAULT_CHUNK_BYTES
                    ) -> Iterator[pb.RedactSeriesRequest]:
    """A RedactSeries request stream: the header, then every frame in chunks of at most `chunk_bytes`."""
    yield pb.RedactSeriesRequest(header=series_header(frames, context, policy, return_text))
    for index, frame in enumerate(frames):
        data = _little_endian(frame.pixels)
        for offset in range(0, len(data), chunk_bytes):
            yield pb.RedactSeriesRequest(chunk=pb.FrameChunk(frame_index=index, offset=offset,
                                                             data=bytes(data[offset:offset + chunk_bytes])))


def frame_request(frame: Frame, context: PhiContext | None = None, policy: Policy | None = None,
                  return_text: bool = False) -> pb.RedactFrameRequest:
    """A RedactFrame request for one frame."""
    return pb.RedactFrameRequest(header=series_header([frame], context, policy, return_text),
                                 pixels=_little_endian(frame.pixels).tobytes())


@dataclass
class RedactedFrame:
    """One frame's answer: the result message and, for changed frames, the masked pixels."""

    result: pb.FrameResult
    pixels: np.ndarray | None = field(default=None, repr=False)
    """Masked pixels (native dtype and shape) when result.changed; None for unchanged frames."""


class SeriesReader:
    """Turns RedactSeries responses into one RedactedFrame per frame, checking order and byte counts."""

    def __init__(self, frames: Sequence[Frame]) -> None:
        self.frames = frames
        self.results: list[RedactedFrame] = []
        self._buffer = bytearray()

    def add(self, response: pb.RedactSeriesResponse) -> RedactedFrame | None:
        """Take one response; returns the previous frame when this response starts the next one."""
        body = response.WhichOneof("body")
        if body == "result":
            done = self._close()
            if response.result.frame_index != len(self.results):
                raise ValueError(f"result for frame {response.result.frame_index} arrived, "
                                 f"expected {len(self.results)}")
            self.results.append(RedactedFrame(response.result))
            return done
        if body == "chunk":
            chunk = response.chunk
            if not self.results or chunk.frame_index != self.results[-1].result.frame_index \
                    or chunk.offset != len(self._buffer):
                raise ValueError(f"unexpected chunk for frame {chunk.frame_index} at offset {chunk.offset}")
            self._buffer.extend(chunk.data)
        return None

    def finish(self) -> list[RedactedFrame]:
        self._close()
        return self.results

    def _close(self) -> RedactedFrame | None:
        if not self.results:
            return None
        last = self.results[-1]
        if last.result.changed and last.pixels is None:
            reference = self.frames[last.result.frame_index].pixels
            if len(self._buffer) != reference.nbytes:
                raise ValueError(f"frame {last.result.frame_index}: got {len(self._buffer)} masked bytes, "
                                 f"expected {reference.nbytes}")
            last.pixels = np.frombuffer(bytes(self._buffer), dtype=reference.dtype.newbyteorder("<")).reshape(
                reference.shape)
            self._buffer.clear()
        return last


def read_series(responses: Iterable[pb.RedactSeriesResponse], frames: Sequence[Frame]) -> list[RedactedFrame]:
    """Read a whole RedactSeries answer from a synchronous call."""
    reader = SeriesReader(frames)
    for response in responses:
        reader.add(response)
    return reader.finish()


async def collect_series(responses: AsyncIterable[pb.RedactSeriesResponse],
                         frames: Sequence[Frame]) -> list[RedactedFrame]:
    """Read a whole RedactSeries answer from a grpc.aio call."""
    reader = SeriesReader(frames)
    async for response in responses:
        reader.add(response)
    return reader.finish()
