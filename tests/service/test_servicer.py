"""The servicer's request checks on their own (no server, no models): descriptions and chunk order."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from pixelsvc.config import ServiceConfig
from pixelsvc.service import wire
from pixelsvc.service.servicer import StatusError, _FrameAssembler, frame_spec
from pixelsvc.types import Frame
from pixelsvc.v1 import redactor_pb2 as pb

CONFIG = ServiceConfig(plaintext=True, max_chunk_bytes=4096, max_message_bytes=1 << 20)


@pytest.mark.parametrize(("dtype", "photometric"), [
    ("<u1", "MONOCHROME2"), ("<i1", "MONOCHROME1"), ("<u2", "MONOCHROME2"), ("<i2", "MONOCHROME2"),
    ("<u4", "MONOCHROME2"), ("<i4", "MONOCHROME1"), ("<u1", "RGB"), ("<u2", "RGB"),
])
def test_frames_round_trip_through_chunks_in_native_dtype(dtype: str, photometric: str) -> None:
    rng = np.random.default_rng(0)
    shape = (37, 53, 3) if photometric == "RGB" else (37, 53)
    info = np.iinfo(dtype)
    frames = [Frame(("s", i), rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True), photometric,
                    np.dtype(dtype).itemsize * 8) for i in range(2)]
    requests = list(wire.series_requests(frames, chunk_bytes=1000))
    spec = frame_spec(requests[0].header, CONFIG)
    assembler = _FrameAssembler(spec, CONFIG.max_chunk_bytes)
    out = [pixels for r in requests[1:] if (pixels := assembler.add(r.chunk)) is not None]
    assembler.finish()
    assert len(out) == 2
    for got, frame in zip(out, frames, strict=True):
        assert got.dtype == frame.pixels.dtype and got.shape == frame.pixels.shape
        assert np.array_equal(got, frame.pixels)


def test_absurd_size_is_refused_before_allocation() -> None:
    header = pb.SeriesHeader(image=pb.ImageDescription(
        rows=65535, columns=65535, samples_per_pixel=3, bits_allocated=8, bits_stored=8,
        photometric_interpretation=pb.PHOTOMETRIC_INTERPRETATION_RGB, number_of_frames=1))
    with pytest.raises(StatusError) as error:
        frame_spec(header, CONFIG)
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT and "max_frame_pixels" in error.value.message
    header.image.rows = header.image.columns = 8000  # within the pixel limit, over the byte limit at 32 bits
    header.image.bits_allocated = header.image.bits_stored = 32
    with pytest.raises(StatusError, match="max_frame_bytes"):
        frame_spec(header, CONFIG)


def test_out_of_place_chunks() -> None:
    frame = Frame(("s", 0), np.zeros((10, 10), np.uint16), "MONOCHROME2", 12)
    spec = frame_spec(wire.series_header([frame, frame]), CONFIG)
    assembler = _FrameAssembler(spec, CONFIG.max_chunk_bytes)
    assert assembler.add(pb.FrameChunk(frame_index=0, offset=0, data=b"\0" * 100)) is None
    cases = [
        (pb.FrameChunk(frame_index=0, offset=50, data=b"\0"), grpc.StatusCode.OUT_OF_RANGE),
        (pb.FrameChunk(frame_index=0, offset=100, data=b"\0" * 101), grpc.StatusCode.OUT_OF_RANGE),
        (pb.FrameChunk(frame_index=1, offset=0, data=b"\0"), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.FrameChunk(frame_index=2, offset=0, data=b"\0"), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.FrameChunk(frame_index=0, offset=100, data=b""), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.FrameChunk(frame_index=0, offset=100, data=b"\0" * 5000), grpc.StatusCode.INVALID_ARGUMENT),
    ]
    for chunk, code in cases:
        with pytest.raises(StatusError) as error:
            assembler.add(chunk)
        assert error.value.code == code
    with pytest.raises(StatusError, match="incomplete"):
        assembler.finish()


def test_a_cancelled_frame_releases_the_next_only_when_its_finishing_thread_returns() -> None:
    """A frame cancelled while its worker thread classifies and masks (the thread cannot be
    stopped) must not let the next frame's thread start beside it: both touch the stream's
    carried lines (`series`). Nor may a frame cancelled while it waits for the one before."""
    import asyncio
    import threading

    from pixelsvc.service.metrics import ServiceMetrics
    from pixelsvc.service.servicer import RedactorServicer

    gate, running, overlaps = threading.Event(), [], []

    def finish(frame, reads, stream):  # stands in for classify + mask; the test is about order
        if running:
            overlaps.append(frame)
        running.append(frame)
        if frame == "a":
            gate.wait(10)
        running.remove(frame)
        return frame

    async def submit(frame):
        return []

    async def scenario() -> None:
        servicer = RedactorServicer(CONFIG, ServiceMetrics())
        servicer._submit, servicer._engine, servicer._finish = submit, object(), finish
        loop = asyncio.get_running_loop()
        done_a, done_c, done_b = loop.create_future(), loop.create_future(), loop.create_future()
        task_a = asyncio.create_task(servicer._redact("a", None, None, done_a))
        while not running:
            await asyncio.sleep(0.01)
        task_c = asyncio.create_task(servicer._redact("c", None, done_a, done_c))  # waits for a
        await asyncio.sleep(0.05)
        for task in (task_a, task_c):
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert not done_a.done() and not done_c.done()  # a's thread still runs
        task_b = asyncio.create_task(servicer._redact("b", None, done_c, done_b))
        await asyncio.sleep(0.1)
        assert running == ["a"]  # b waits
        gate.set()
        assert await asyncio.wait_for(task_b, 10) == "b"
        assert done_a.done() and done_c.done() and done_b.done() and overlaps == []

    asyncio.run(scenario())
