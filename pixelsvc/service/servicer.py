"""The pixelsvc.v1 RedactorService: protobuf <-> stage types, the batcher, and status codes.

The servicer has no pixel logic of its own. It checks the image description before it
allocates anything, reassembles each frame from its chunks into the native dtype
(``np.frombuffer``, little-endian), submits it to the shared `FrameBatcher` (render,
detect, recognise: batched with other streams' frames), runs `Engine.finish` (classify,
mask) in a worker thread, and streams the result back, with masked bytes only for frames
that changed.

Each stream keeps up to ``window_frames`` frames in the batcher at once, so its own frames
can share a batch, while results still leave in frame order. Cancelling the RPC (client
cancel, deadline, server shutdown after the grace period) cancels the stream's tasks, which
drops its queued frames from the batcher.

Errors map to one status code each (`status_of`): malformed requests to INVALID_ARGUMENT or
OUT_OF_RANGE, a full queue to RESOURCE_EXHAUSTED, a stopping batcher or a server still
loading its models to UNAVAILABLE, anything else to INTERNAL with a message that carries
no PHI. Messages name fields, sizes and frame indices, never header values or text.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import numpy as np

from pixelsvc.config import ServiceConfig
from pixelsvc.dedup import RecentFrames, frame_digest, reuse_result
from pixelsvc.errors import BatcherStoppedError, InvalidFrameError, QueueFullError
from pixelsvc.pipeline import Engine, validate_frame
from pixelsvc.service.guards import MALFORMED, BudgetExceededError, ByteBudget
from pixelsvc.service.metrics import HOST_STAGES, ServiceMetrics
from pixelsvc.static_text import StaticText
from pixelsvc.types import Frame, FrameResult, PhiContext, Policy, TextBox, TextRead
from pixelsvc.v1 import redactor_pb2 as pb
from pixelsvc.v1 import redactor_pb2_grpc as pb_grpc

__all__ = ["FrameSpec", "RedactorServicer", "StatusError", "frame_spec", "pixel_bytes", "status_of"]

log = logging.getLogger(__name__)

_PHOTOMETRIC = {
    pb.PHOTOMETRIC_INTERPRETATION_MONOCHROME1: "MONOCHROME1",
    pb.PHOTOMETRIC_INTERPRETATION_MONOCHROME2: "MONOCHROME2",
    pb.PHOTOMETRIC_INTERPRETATION_RGB: "RGB",
}
_POLICY = {
    pb.POLICY_PHI: Policy.PHI,
    pb.POLICY_ALL_TEXT: Policy.ALL_TEXT,
    pb.POLICY_DETECT_ONLY: Policy.DETECT_ONLY,
}
_DTYPES = {  # (bits allocated, signed) -> little-endian dtype of the bytes on the wire
    (8, False): np.dtype("<u1"), (8, True): np.dtype("<i1"),
    (16, False): np.dtype("<u2"), (16, True): np.dtype("<i2"),
    (32, False): np.dtype("<u4"), (32, True): np.dtype("<i4"),
}
_HASH_IN_THREAD_BYTES = 1 << 20
"""Frames larger than this are hashed (for dedup) in a worker thread, off the event loop."""


class StatusError(Exception):
    """A request problem with the gRPC status code it is answered with. The message carries no PHI."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> StatusError:
    return StatusError(grpc.StatusCode.INVALID_ARGUMENT, message)


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and PHI-free message a failure is answered with."""
    if isinstance(exc, StatusError):
        return exc.code, exc.message
    if isinstance(exc, InvalidFrameError):
        return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, QueueFullError):
        return grpc.StatusCode.RESOURCE_EXHAUSTED, f"server busy: {exc}"
    if isinstance(exc, BudgetExceededError):
        return grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc)
    if isinstance(exc, BatcherStoppedError):
        return grpc.StatusCode.UNAVAILABLE, str(exc)
    error_id = uuid.uuid4().hex[:12]
    # the exception's own message could quote data: log the type and the stack, never str(exc)
    log.error("internal error", extra={"error_id": error_id, "error_type": type(exc).__name__,
                                       "stack": "".join(traceback.format_tb(exc.__traceback__))})
    return grpc.StatusCode.INTERNAL, (f"internal error ({type(exc).__name__}) while redacting; the server "
                                      f"logged it as error id {error_id}")


# --- the image description -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameSpec:
    """What every frame of a stream looks like, checked against the server's limits."""

    rows: int
    columns: int
    samples: int
    dtype: np.dtype
    bits_stored: int
    photometric: str
    number_of_frames: int

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.rows, self.columns) if self.samples == 1 else (self.rows, self.columns, self.samples)

    @property
    def frame_bytes(self) -> int:
        return self.rows * self.columns * self.samples * self.dtype.itemsize


def frame_spec(header: pb.SeriesHeader, config: ServiceConfig, *, single_frame: bool = False) -> FrameSpec:
    """Check a header's image description; nothing is allocated before it passes.

    Raises:
        StatusError: INVALID_ARGUMENT, naming the field, its value and what is accepted.
    """
    if not header.HasField("image"):
        raise _invalid("SeriesHeader.image is missing: describe the pixels (rows, columns, samples_per_pixel, "
                       "bits_allocated, bits_stored, photometric_interpretation, number_of_frames)")
    image = header.image
    if image.rows < 1 or image.columns < 1:
        raise _invalid(f"image.rows x image.columns = {image.rows}x{image.columns}: both must be at least 1")
    photometric = _PHOTOMETRIC.get(image.photometric_interpretation)
    if photometric is None:
        raise _invalid(f"image.photometric_interpretation = {image.photometric_interpretation} is not supported; "
                       f"send MONOCHROME1, MONOCHROME2 or RGB (convert YBR to RGB and expand palettes first)")
    samples = 3 if photometric == "RGB" else 1
    if image.samples_per_pixel != samples:
        raise _invalid(f"image.samples_per_pixel = {image.samples_per_pixel} does not match {photometric}, which "
                       f"has {samples}")
    dtype = _DTYPES.get((image.bits_allocated, image.signed))
    if dtype is None:
        raise _invalid(f"image.bits_allocated = {image.bits_allocated} is not supported; use 8, 16 or 32")
    if not 1 <= image.bits_stored <= image.bits_allocated:
        raise _invalid(f"image.bits_stored = {image.bits_stored} must be between 1 and bits_allocated "
                       f"({image.bits_allocated})")
    pixels = image.rows * image.columns
    if pixels > config.max_frame_pixels:
        raise _invalid(f"image {image.rows}x{image.columns} has {pixels} pixels per frame, more than this server "
                       f"accepts ({config.max_frame_pixels}, max_frame_pixels)")
    frame_bytes = pixels * samples * dtype.itemsize
    if frame_bytes > config.max_frame_bytes:
        raise _invalid(f"image {image.rows}x{image.columns}x{samples} at {image.bits_allocated} bits is "
                       f"{frame_bytes} bytes per frame, more than this server accepts ({config.max_frame_bytes}, "
                       f"max_frame_bytes)")
    frames = image.number_of_frames
    if single_frame:
        if frames > 1:
            raise _invalid(f"image.number_of_frames = {frames}: RedactFrame takes one frame; stream multi-frame "
                           f"images with RedactSeries")
        frames = 1
    elif frames < 1:
        raise _invalid("image.number_of_frames = 0: a stream must declare at least 1 frame")
    if header.policy != pb.POLICY_UNSPECIFIED and header.policy not in _POLICY:
        raise _invalid(f"policy = {header.policy} is not a known Policy value")
    return FrameSpec(image.rows, image.columns, samples, dtype, image.bits_stored, photometric, frames)


def _phi_context(header: pb.SeriesHeader) -> PhiContext:
    c = header.phi_context
    return PhiContext(names=tuple(c.names), ids=tuple(c.ids), dates=tuple(c.dates), times=tuple(c.times),
                      ages=tuple(c.ages), institutions=tuple(c.institutions), other=tuple(c.other))


# --- frames in and out ------------------------------------------------------------------


class _FrameAssembler:
    """Reassembles frames from in-order chunks into native arrays, refusing anything out of place.

    A frame's buffer grows with the chunks that arrive (a header alone allocates nothing), and
    each chunk's bytes are reserved from `reserve` (the server's `ByteBudget`) before they are kept.
    """

    def __init__(self, spec: FrameSpec, max_chunk_bytes: int, reserve: Callable[[int], None] | None = None) -> None:
        self.spec = spec
        self.max_chunk_bytes = max_chunk_bytes
        self._reserve = reserve or (lambda _size: None)
        self.index = 0
        """The frame being received (= frames completed so far)."""
        self._buffer: bytearray | None = None
        self._filled = 0

    def add(self, chunk: pb.FrameChunk) -> np.ndarray | None:
        """Take one chunk; returns the frame's pixels when this chunk completed it."""
        size, index, spec = len(chunk.data), chunk.frame_index, self.spec
        if size > self.max_chunk_bytes:
            raise _invalid(f"chunk of frame {index} carries {size} bytes, more than this server accepts per chunk "
                           f"({self.max_chunk_bytes}, max_chunk_bytes); split frames into smaller chunks")
        if size == 0:
            raise _invalid(f"chunk of frame {index} carries no bytes")
        if index >= spec.number_of_frames:
            raise _invalid(f"chunk for frame_index {index}, but the header declared number_of_frames = "
                           f"{spec.number_of_frames} (indices 0 to {spec.number_of_frames - 1})")
        if index < self.index:
            raise _invalid(f"chunk for frame_index {index}, which was already complete; send each frame once, in "
                           f"index order")
        if index > self.index:
            if self._filled:
                raise _invalid(f"chunk for frame_index {index} while frame {self.index} is incomplete "
                               f"({self._filled} of {spec.frame_bytes} bytes); send frames whole, in index order")
            raise _invalid(f"chunk for frame_index {index}, expected frame {self.index}; send frames in index order")
        if chunk.offset != self._filled:
            raise StatusError(grpc.StatusCode.OUT_OF_RANGE,
                              f"chunk of frame {index} starts at offset {chunk.offset}, expected {self._filled}: "
                              f"send a frame's chunks in order, without gaps or overlaps")
        end = self._filled + size
        if end > spec.frame_bytes:
            raise StatusError(grpc.StatusCode.OUT_OF_RANGE,
                              f"chunk of frame {index} ends at byte {end}, beyond the frame's {spec.frame_bytes} "
                              f"bytes (rows x columns x samples_per_pixel x bits_allocated/8)")
        self._reserve(size)
        if self._buffer is None:
            self._buffer = bytearray()
        self._buffer += chunk.data
        self._filled = end
        if end < spec.frame_bytes:
            return None
        pixels = np.frombuffer(self._buffer, dtype=spec.dtype).reshape(spec.shape)
        self._buffer, self._filled = None, 0
        self.index += 1
        return pixels

    def finish(self) -> None:
        """The client closed its side: every declared frame must have arrived."""
        if self.index < self.spec.number_of_frames:
            partial = f"; frame {self.index} had {self._filled} of {self.spec.frame_bytes} bytes" if self._filled \
                else ""
            raise _invalid(f"stream ended incomplete after {self.index} of {self.spec.number_of_frames} frames"
                           f"{partial}; send every frame declared in number_of_frames")


def pixel_bytes(pixels: np.ndarray, dtype: np.dtype) -> memoryview:
    """Little-endian bytes of a frame in the stream's dtype, without a copy when already so."""
    return memoryview(np.ascontiguousarray(pixels, dtype=dtype)).cast("B")


def _box(box: TextBox, spec: FrameSpec) -> pb.Box:
    """A box clamped to the frame (uint32 on the wire)."""
    return pb.Box(x0=min(max(box.x0, 0), spec.columns), y0=min(max(box.y0, 0), spec.rows),
                  x1=min(max(box.x1, 0), spec.columns), y1=min(max(box.y1, 0), spec.rows))


def _result_message(result: FrameResult, spec: FrameSpec, return_text: bool) -> pb.FrameResult:
    regions = [
        pb.Region(box=_box(v.region, spec), label=v.label.value, confidence=float(v.read.confidence),
                  masked=v.mask, rule=v.rule, text=v.read.text if return_text else "")
        for v in result.verdicts
    ]
    return pb.FrameResult(frame_index=result.key[1], regions=regions, changed=result.masked.changed,
                          mask_boxes=[_box(b, spec) for b in result.masked.boxes],
                          deduplicated=result.deduplicated)


# --- one stream ----------------------------------------------------------------------------


_END = object()


@dataclass(eq=False)
class _Stream:
    """The state of one RedactSeries call."""

    id: str
    spec: FrameSpec
    context: PhiContext = field(repr=False)
    policy: Policy
    return_text: bool
    slots: asyncio.Semaphore = field(repr=False)
    """One per frame in flight (started and not yet answered): at most window_frames."""
    tasks: set[asyncio.Task[FrameResult]] = field(default_factory=set)
    recent: RecentFrames[asyncio.Task[FrameResult]] = field(default_factory=RecentFrames)
    """Tasks of recent distinct frames by digest; its window is set when the stream starts."""
    pending: int = 0
    """Frames received and not yet answered (the stream's share of pixelsvc_pending_frames)."""
    answered: int = 0
    held_bytes: int = 0
    """Pixel bytes this stream holds in the server's ByteBudget (released as frames are answered)."""
    series: StaticText | None = None
    """The PHI lines masked so far (`Engine.static_text`), carried to the next frames in order."""
    last_finished: asyncio.Future[None] | None = None
    """Done when the latest started frame has been finished: each frame is finished after the one
    before it, so lines are carried in series order, as the engine does."""


class RedactorServicer(pb_grpc.RedactorServiceServicer):
    """Serves RedactSeries and RedactFrame on a shared engine and batcher.

    Until `attach` gives it an engine and a started batcher (models still loading), every call is
    answered UNAVAILABLE.
    """

    def __init__(self, config: ServiceConfig, metrics: ServiceMetrics) -> None:
        self._config = config
        self._metrics = metrics
        self._engine: Engine | None = None
        self._submit: Callable[[Frame], Awaitable[list[TextRead]]] | None = None
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:6]
        self._budget = ByteBudget(config.max_bytes_in_flight)

    def attach(self, engine: Engine, submit: Callable[[Frame], Awaitable[list[TextRead]]]) -> None:
        """Start serving with this engine; `submit` is the batcher's (``FrameBatcher.submit``)."""
        self._engine = engine
        self._submit = submit

    @property
    def ready(self) -> bool:
        return self._engine is not None

    # --- RPCs -------------------------------------------------------------------------

    async def RedactSeries(self, request_iterator: AsyncIterator[pb.RedactSeriesRequest],
                           context: grpc.aio.ServicerContext) -> AsyncIterator[pb.RedactSeriesResponse]:
        started = time.perf_counter()
        stream_id = f"{self._prefix}-{next(self._ids)}"
        outcome = grpc.StatusCode.OK
        stream: _Stream | None = None
        self._metrics.streams_in_flight.inc()
        try:
            self._require_ready()
            iterator = aiter(request_iterator)
            first = await anext(iterator, None)
            if first is MALFORMED:
                raise _invalid("the first RedactSeries message is not a valid RedactSeriesRequest (protobuf)")
            if first is None or first.WhichOneof("body") != "header":
                got = "nothing" if first is None else (first.WhichOneof("body") or "an empty message")
                raise _invalid(f"the first message of RedactSeries must be a SeriesHeader describing the image; got "
                               f"{'a frame chunk' if got == 'chunk' else got}")
            header = first.header
            spec = frame_spec(header, self._config)
            stream = _Stream(stream_id, spec, _phi_context(header), self._policy(header), header.return_text,
                             asyncio.Semaphore(self._config.window_frames))
            stream.series = self._require_ready().static_text()
            context.add_done_callback(lambda _ctx, s=stream: self._cancel(s))
            async for response in self._serve_stream(iterator, stream):
                yield response
        except (asyncio.CancelledError, GeneratorExit):
            outcome = grpc.StatusCode.CANCELLED
            raise
        except Exception as exc:
            outcome, message = status_of(exc)
            await context.abort(outcome, message)
        finally:
            self._metrics.streams_in_flight.dec()
            if stream is not None:
                self._cancel(stream)
                self._budget.release(stream.held_bytes)
                stream.held_bytes = 0
            self._metrics.observe_request("RedactSeries", outcome.name.lower())
            log.info("stream finished", extra={
                "stream": stream_id, "outcome": outcome.name, "seconds": round(time.perf_counter() - started, 4),
                "frames": stream.answered if stream else 0,
                "frames_declared": stream.spec.number_of_frames if stream else 0})

    async def RedactFrame(self, request: pb.RedactFrameRequest,
                          context: grpc.aio.ServicerContext) -> pb.RedactFrameResponse:
        started = time.perf_counter()
        outcome = grpc.StatusCode.OK
        reserved = 0
        try:
            engine = self._require_ready()
            if request is MALFORMED:
                raise _invalid("the request is not a valid RedactFrameRequest (protobuf)")
            spec = frame_spec(request.header, self._config, single_frame=True)
            if len(request.pixels) != spec.frame_bytes:
                raise _invalid(f"pixels carries {len(request.pixels)} bytes; the image description needs "
                               f"{spec.frame_bytes} (rows x columns x samples_per_pixel x bits_allocated/8)")
            self._budget.reserve(spec.frame_bytes)
            reserved = spec.frame_bytes
            pixels = np.frombuffer(request.pixels, dtype=spec.dtype).reshape(spec.shape)
            frame = Frame((f"{self._prefix}-{next(self._ids)}", 0), pixels, spec.photometric, spec.bits_stored)
            validate_frame(frame, engine.config.max_frame_pixels)
            stream = _Stream(frame.key[0], spec, _phi_context(request.header), self._policy(request.header),
                             request.header.return_text, asyncio.Semaphore(1))
            self._metrics.pending_frames.inc()
            try:
                result = await self._redact(frame, stream)
            finally:
                self._metrics.pending_frames.dec()
            self._metrics.observe_frame(result)
            response = pb.RedactFrameResponse(result=_result_message(result, spec, stream.return_text))
            if result.masked.changed:
                response.pixels = pixel_bytes(result.masked.pixels, spec.dtype).tobytes()
            return response
        except asyncio.CancelledError:
            outcome = grpc.StatusCode.CANCELLED
            self._metrics.frames.labels("cancelled").inc()
            raise
        except Exception as exc:
            outcome, message = status_of(exc)
            if not isinstance(exc, StatusError):
                self._metrics.frames.labels("rejected" if isinstance(exc, QueueFullError) else "failed").inc()
            await context.abort(outcome, message)
        finally:
            self._budget.release(reserved)
            self._metrics.observe_request("RedactFrame", outcome.name.lower())
            log.info("frame finished", extra={"outcome": outcome.name,
                                              "seconds": round(time.perf_counter() - started, 4)})

    # --- the stream's pipeline ---------------------------------------------------------

    async def _serve_stream(self, requests: AsyncIterator[pb.RedactSeriesRequest],
                            stream: _Stream) -> AsyncIterator[pb.RedactSeriesResponse]:
        """Read frames in a task, keep up to window_frames in flight, answer in frame order."""
        window: asyncio.Queue[object] = asyncio.Queue()
        reader = asyncio.create_task(self._read(requests, stream, window), name=f"pixelsvc-read-{stream.id}")
        try:
            while True:
                item = await window.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, asyncio.Task)
                try:
                    result = await item
                except Exception as exc:
                    stream.pending -= 1
                    self._metrics.pending_frames.dec()
                    self._metrics.frames.labels("rejected" if isinstance(exc, QueueFullError) else "failed").inc()
                    raise
                stream.pending -= 1
                stream.answered += 1
                self._budget.release(stream.spec.frame_bytes)
                stream.held_bytes -= stream.spec.frame_bytes
                self._metrics.pending_frames.dec()
                self._metrics.observe_frame(result)
                for response in self._responses(result, stream):
                    yield response
                stream.slots.release()
        finally:
            reader.cancel()

    async def _read(self, requests: AsyncIterator[pb.RedactSeriesRequest], stream: _Stream,
                    window: asyncio.Queue[object]) -> None:
        """Reassemble frames and start each one when a window slot is free.

        Errors travel through the window queue behind the frames already started, so those are
        still answered before the stream fails. Waiting for a slot stops reading, which lets gRPC
        flow control push back on a client that sends faster than the server redacts.
        """
        engine = self._require_ready()
        def reserve(size: int) -> None:
            self._budget.reserve(size)
            stream.held_bytes += size

        assembler = _FrameAssembler(stream.spec, self._config.max_chunk_bytes, reserve)
        try:
            async for request in requests:
                if request is MALFORMED:
                    raise _invalid("a RedactSeries message is not a valid RedactSeriesRequest (protobuf)")
                body = request.WhichOneof("body")
                if body == "header":
                    raise _invalid("a second SeriesHeader arrived; send one header per stream, then only chunks")
                if body is None:
                    raise _invalid("empty RedactSeriesRequest: set header (first message) or chunk")
                pixels = assembler.add(request.chunk)
                if pixels is None:
                    continue
                frame = Frame((stream.id, assembler.index - 1), pixels, stream.spec.photometric,
                              stream.spec.bits_stored)
                validate_frame(frame, engine.config.max_frame_pixels)
                await stream.slots.acquire()
                window.put_nowait(await self._start_frame(frame, stream))
            assembler.finish()
            window.put_nowait(_END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            window.put_nowait(exc)

    async def _start_frame(self, frame: Frame, stream: _Stream) -> asyncio.Task[FrameResult]:
        """Start one frame's task: a duplicate of a recent frame waits for that frame's result instead."""
        earlier: asyncio.Task[FrameResult] | None = None
        digest = b""
        window = self._config.dedup_window if self._engine and self._engine.config.dedup_frames else 0
        stream.recent.window = window
        if window:
            digest = (await asyncio.to_thread(frame_digest, frame) if frame.pixels.nbytes > _HASH_IN_THREAD_BYTES
                      else frame_digest(frame))
            earlier = stream.recent.get(digest)
        if earlier is not None:
            task = asyncio.create_task(self._duplicate(frame, earlier))
        else:
            # chained in frame order here, where frames start in order
            before, finished = stream.last_finished, asyncio.get_running_loop().create_future()
            stream.last_finished = finished
            task = asyncio.create_task(self._redact(frame, stream, before, finished))
            if window:
                stream.recent.add(digest, task)
        stream.tasks.add(task)
        task.add_done_callback(stream.tasks.discard)
        stream.pending += 1
        self._metrics.pending_frames.inc()
        return task

    async def _redact(self, frame: Frame, stream: _Stream, before: asyncio.Future[None] | None = None,
                      finished: asyncio.Future[None] | None = None) -> FrameResult:
        """Read a frame through the batcher, then finish it once `before` (the frame before it) is.

        `finished` is set only when no finishing work of this frame or one before it runs any more:
        a frame cancelled while its worker thread classifies and masks (the thread cannot be
        stopped) releases the next frame when that thread returns, and one cancelled before that
        when the frame before it is finished, so two threads never touch the stream's `series`.
        """
        assert self._submit is not None and self._engine is not None
        work: asyncio.Future[FrameResult] | None = None
        try:
            reads = await self._submit(frame)
            if before is not None:
                await asyncio.shield(before)  # the frame before is finished first (its lines carry here)
            work = asyncio.ensure_future(asyncio.to_thread(self._finish, frame, reads, stream))
            return await asyncio.shield(work)
        finally:
            if finished is not None:
                _set_after(finished, work if work is not None else before)

    async def _duplicate(self, frame: Frame, earlier: asyncio.Task[FrameResult]) -> FrameResult:
        # shield: cancelling this frame must not cancel the frame it copies (the stream cancels both anyway)
        return reuse_result(frame, await asyncio.shield(earlier))

    def _finish(self, frame: Frame, reads: list[TextRead], stream: _Stream) -> FrameResult:
        """Classify and mask in a worker thread (CPU work that must not block the event loop)."""
        assert self._engine is not None
        result = self._engine.finish(frame, reads, stream.context, stream.policy, stream.series)
        self._metrics.observe_stages(self._engine.stats.seconds, HOST_STAGES)
        return result

    def _responses(self, result: FrameResult, stream: _Stream) -> Iterator[pb.RedactSeriesResponse]:
        yield pb.RedactSeriesResponse(result=_result_message(result, stream.spec, stream.return_text))
        if not result.masked.changed:
            return
        data = pixel_bytes(result.masked.pixels, stream.spec.dtype)
        step = self._config.max_chunk_bytes
        for offset in range(0, len(data), step):
            yield pb.RedactSeriesResponse(chunk=pb.FrameChunk(frame_index=result.key[1], offset=offset,
                                                              data=bytes(data[offset:offset + step])))

    def _cancel(self, stream: _Stream) -> None:
        """Drop everything the stream still has in flight (its queued frames leave the batcher)."""
        for task in list(stream.tasks):
            task.cancel()
        stream.tasks.clear()
        stream.recent.clear()
        if stream.pending:
            self._metrics.pending_frames.dec(stream.pending)
            self._metrics.frames.labels("cancelled").inc(stream.pending)
            stream.pending = 0

    # --- helpers ------------------------------------------------------------------------

    def _require_ready(self) -> Engine:
        if self._engine is None or self._submit is None:
            raise StatusError(grpc.StatusCode.UNAVAILABLE, "the server is still loading its models (health reports "
                                                           "NOT_SERVING); retry shortly")
        return self._engine

    def _policy(self, header: pb.SeriesHeader) -> Policy:
        assert self._engine is not None
        return _POLICY.get(header.policy, self._engine.config.policy)


def _set_after(finished: asyncio.Future[None], blocker: asyncio.Future[Any] | None) -> None:
    """Set `finished` now, or once `blocker` (work still running for the stream) is done."""
    if blocker is None or blocker.done():
        finished.set_result(None)
        return

    def release(done: asyncio.Future[Any]) -> None:
        if not done.cancelled():
            done.exception()  # retrieved, so asyncio does not report it: the frame's stream is gone
        finished.set_result(None)

    blocker.add_done_callback(release)
