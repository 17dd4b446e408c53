"""FrameBatcher: the only place where frames from different gRPC streams meet.

Every stream submits its frames to one queue; one loop packs them into batches for one
inference worker thread per device (Triton's dynamic batcher, Ray Serve's ``_BatchQueue``).
A batch is formed when the queue holds ``max_batch_frames`` frames, or ``max_batch_pixels``
pixels, or when its oldest frame has waited ``max_wait_ms``. A batch holds frames of one
shape only (the oldest frame's), never more than ``max_batch_frames`` frames, and never more
than ``max_batch_pixels`` pixels unless a single frame is larger on its own.

Unlike Ray Serve, a failing batch does not fail every caller in it: it is retried in halves,
so a CUDA OOM or one bad frame only fails the frames that fail on their own.

The batcher knows nothing of gRPC or Prometheus: metrics go to a `BatchObserver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from pixelsvc.config import BatcherConfig
from pixelsvc.errors import BatcherStoppedError, QueueFullError
from pixelsvc.types import Frame, TextRead

__all__ = ["BatchFunction", "BatchObserver", "FrameBatcher", "shape_key"]

log = logging.getLogger(__name__)

BatchFunction = Callable[[list[Frame]], Sequence[list[TextRead]]]
"""Reads the text of a batch of frames: one list of reads per frame, in order (`Engine.read_text`)."""

ShapeKey = tuple[tuple[int, ...], str]


class BatchObserver(Protocol):
    """Receives the batcher's measurements; the service's metrics module implements it.

    Callbacks run on the event loop and must be quick. An exception in one is logged and ignored.
    """

    def on_batch(self, frames: int, pixels: int, streams: int, seconds: float) -> None:
        """A batch ran: its frames, source pixels, distinct streams and wall seconds (retries included)."""

    def on_queue_wait(self, seconds: float) -> None:
        """A frame left the queue for a batch after waiting this long."""

    def on_rejected(self) -> None:
        """A submit was refused because the queue was full."""


def shape_key(frame: Frame) -> ShapeKey:
    """The bucket a frame is batched in: its array shape ((rows, cols) or (rows, cols, 3)) and dtype."""
    return tuple(frame.pixels.shape), frame.pixels.dtype.str


def _frame_pixels(frame: Frame) -> int:
    return math.prod(frame.pixels.shape[:2])


@dataclass(eq=False, slots=True)
class _Pending:
    """One submitted frame: queued until it is taken into a batch, then resolved through its future."""

    frame: Frame
    future: asyncio.Future[list[TextRead]] = field(repr=False)
    key: ShapeKey
    pixels: int
    enqueued: float
    seq: int
    queued: bool = True


class FrameBatcher:
    """Packs frames from many streams into batches for one inference worker.

    ``run_batch`` is synchronous (``engine.read_text``) and runs on dedicated worker threads
    (``batches_in_flight``, 1 by default), so the event loop never blocks. With more than one,
    the next batch is formed and prepared while the previous one is still on the device.

    Shutdown order in the service: stop accepting streams, let in-flight streams finish
    (they still submit frames), then ``await batcher.stop()``; a stopped batcher refuses
    submits with `BatcherStoppedError`.

    >>> batcher = FrameBatcher(engine.read_text, BatcherConfig())  # doctest: +SKIP
    >>> await batcher.start()  # doctest: +SKIP
    >>> reads = await batcher.submit(frame)  # doctest: +SKIP
    >>> await batcher.stop()  # doctest: +SKIP
    """

    def __init__(self, run_batch: BatchFunction, config: BatcherConfig | None = None,
                 observer: BatchObserver | None = None) -> None:
        self.config = config or BatcherConfig()
        self._run_batch = run_batch
        self._observer = observer
        self._buckets: dict[ShapeKey, deque[_Pending]] = {}
        self._queued_frames = 0
        self._queued_pixels = 0
        self._running: dict[int, list[_Pending]] = {}  # batches on the workers, by task id
        self._tasks: set[asyncio.Task[None]] = set()
        self._crash: BaseException | None = None
        self._seq = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._stopping = False

    def __repr__(self) -> str:
        c = self.config
        return (f"FrameBatcher(max_batch_frames={c.max_batch_frames}, max_batch_pixels={c.max_batch_pixels}, "
                f"max_wait_ms={c.max_wait_ms}, max_queued_frames={c.max_queued_frames}, "
                f"queue_depth={self.queue_depth}, in_flight={self.in_flight})")

    # --- state for health checks and the autoscaler ----------------------------------

    @property
    def queue_depth(self) -> int:
        """Frames waiting for a batch (not counting the batch on the device)."""
        return self._queued_frames

    @property
    def queued_pixels(self) -> int:
        """Source pixels waiting for a batch."""
        return self._queued_pixels

    @property
    def _workers(self) -> int:
        return max(1, self.config.batches_in_flight)  # 0 (per device) is resolved by the server

    @property
    def in_flight(self) -> int:
        """Frames in the batches the workers are running now (0 when idle)."""
        return sum(len(batch) for batch in self._running.values())

    @property
    def running(self) -> bool:
        """True between `start()` and the beginning of `stop()`: submits are accepted."""
        return self._task is not None and not self._task.done() and not self._stopping and self._crash is None

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        """Start the batching loop and the worker thread on the running event loop."""
        if self._task is not None:
            raise RuntimeError("FrameBatcher.start() was already called; build a new FrameBatcher to restart")
        self._executor = ThreadPoolExecutor(max_workers=self._workers,
                                            thread_name_prefix="pixelsvc-batch")
        self._wakeup = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="pixelsvc-frame-batcher")

    async def stop(self, drain: bool = True) -> None:
        """Stop accepting frames and end the loop.

        Args:
            drain: run everything already queued first (no waiting for ``max_wait_ms``);
                if False, queued frames fail with `BatcherStoppedError`. A batch already on
                the worker always finishes and delivers its results.
        """
        if self._task is None:
            self._stopping = True
            return
        self._stopping = True
        if not drain:
            self._fail_queued(BatcherStoppedError(
                "the frame batcher was stopped before this frame ran (server shutting down); "
                "retry the request on another replica"))
        self._wakeup.set()
        try:
            await asyncio.shield(self._task)
        finally:
            if self._task.done() and self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None

    async def __aenter__(self) -> FrameBatcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop(drain=True)

    # --- submitting -------------------------------------------------------------------

    async def submit(self, frame: Frame) -> list[TextRead]:
        """Queue one frame and wait for its text reads.

        The frame must already be valid (`pixelsvc.pipeline.validate_frame`). Cancelling the
        awaiting task (a cancelled stream, a deadline) drops the frame from the queue; if
        it is already on the worker, its result is discarded.

        Raises:
            QueueFullError: ``max_queued_frames`` frames are waiting; nothing was queued.
            BatcherStoppedError: the batcher is not started or is stopping.
            Exception: whatever ``run_batch`` raised for this frame on its own.
        """
        if not self.running:
            raise BatcherStoppedError(
                "the frame batcher is not running (not started, or the server is shutting down); "
                "retry the request on another replica")
        limit = self.config.max_queued_frames
        if self._queued_frames >= limit:
            self._notify("on_rejected")
            raise QueueFullError(
                f"the frame queue is full ({self._queued_frames} frames waiting, max_queued_frames={limit}); "
                f"retry later with backoff, or add replicas")
        future: asyncio.Future[list[TextRead]] = asyncio.get_running_loop().create_future()
        self._seq += 1
        item = _Pending(frame, future, shape_key(frame), _frame_pixels(frame), time.monotonic(), self._seq)
        self._buckets.setdefault(item.key, deque()).append(item)
        self._queued_frames += 1
        self._queued_pixels += item.pixels
        future.add_done_callback(functools.partial(self._on_done, item))
        self._wakeup.set()
        return await future

    def _on_done(self, item: _Pending, future: asyncio.Future[list[TextRead]]) -> None:
        if future.cancelled():
            self._unqueue(item)

    def _unqueue(self, item: _Pending) -> None:
        """Take an item out of the counts (idempotent); its deque entry is skipped later."""
        if item.queued:
            item.queued = False
            self._queued_frames -= 1
            self._queued_pixels -= item.pixels

    # --- the loop ---------------------------------------------------------------------

    async def _loop(self) -> None:
        try:
            while True:
                if self._crash is not None:
                    raise self._crash
                head = self._oldest()
                if head is None:
                    if self._stopping:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                deadline = head.enqueued + self.config.max_wait_ms / 1000.0
                if not (self._stopping or self._is_full() or time.monotonic() >= deadline):
                    self._wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                            await self._wakeup.wait()
                    continue
                if len(self._tasks) >= self._workers:  # every worker busy: wait for one
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                batch = self._take(head)
                task = asyncio.create_task(self._execute(batch))
                self._running[id(task)] = batch  # registered before it can run, so `finally` sees it
                self._tasks.add(task)
                task.add_done_callback(self._finished)
                if self._workers == 1:
                    await asyncio.wait({task})
        finally:  # normally empty; not so if the loop task was cancelled or crashed
            if self._tasks:  # batches on the workers finish and deliver their results
                await asyncio.wait(set(self._tasks))
            error = BatcherStoppedError("the frame batcher stopped unexpectedly before this frame finished; "
                                        "retry the request")
            self._fail_queued(error)
            for batch in self._running.values():
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(error)
            self._running.clear()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        batch = self._running.pop(id(task), [])
        failure = None if task.cancelled() else task.exception()
        if task.cancelled() or failure is not None:  # `_execute` itself broke: its frames must not hang
            log.error("a batch task ended without results (%s)", type(failure).__name__ if failure else "cancelled")
            error = BatcherStoppedError("the frame batcher failed while running this frame; retry the request")
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(error)
            self._crash = failure or error  # a bug, not a bad frame: end the loop as if it had raised
        self._wakeup.set()

    def _is_full(self) -> bool:
        return (self._queued_frames >= self.config.max_batch_frames
                or self._queued_pixels >= self.config.max_batch_pixels)

    def _oldest(self) -> _Pending | None:
        """The oldest still-queued frame; drops cancelled heads and empty buckets on the way."""
        oldest = None
        for key in list(self._buckets):
            bucket = self._buckets[key]
            while bucket and not bucket[0].queued:
                bucket.popleft()
            if not bucket:
                del self._buckets[key]
            elif oldest is None or bucket[0].seq < oldest.seq:
                oldest = bucket[0]
        return oldest

    def _take(self, head: _Pending) -> list[_Pending]:
        """Up to a full batch from the oldest frame's bucket, oldest first, within both budgets."""
        bucket = self._buckets[head.key]
        limit = min(self.config.max_batch_frames, max(1, self.config.max_batch_pixels // max(1, head.pixels)))
        batch: list[_Pending] = []
        while bucket and len(batch) < limit:
            item = bucket.popleft()
            if item.queued and not item.future.done():
                batch.append(item)
            self._unqueue(item)
        if not bucket:
            del self._buckets[head.key]
        return batch

    async def _execute(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        now = time.monotonic()
        for item in batch:
            self._notify("on_queue_wait", now - item.enqueued)
        frames = [item.frame for item in batch]
        start = time.perf_counter()
        assert self._executor is not None
        try:
            outcomes = await asyncio.get_running_loop().run_in_executor(self._executor, self._run_isolated, frames)
        except Exception as exc:  # _run_isolated catches run_batch errors; this is the executor failing itself
            outcomes = [exc] * len(batch)
        seconds = time.perf_counter() - start
        self._notify("on_batch", len(batch), sum(item.pixels for item in batch),
                     len({item.frame.key[0] for item in batch}), seconds)
        for item, outcome in zip(batch, outcomes, strict=True):
            if item.future.done():  # cancelled while on the worker: nobody waits for it
                continue
            if isinstance(outcome, BaseException):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)

    def _run_isolated(self, frames: list[Frame]) -> list[list[TextRead] | BaseException]:
        """On the worker thread: run a batch; if it raises, run it again in halves.

        A frame that still fails alone gets its own exception; the others get their results.
        A result list of the wrong length is a bug in ``run_batch``: the batch fails, unsplit.
        """
        try:
            results = list(self._run_batch(frames))
        except Exception as exc:
            if len(frames) == 1:
                log.warning("a frame failed on its own in the batch function (%s)", type(exc).__name__)
                return [exc]
            log.warning("a batch of %d frames failed (%s); retrying it in halves", len(frames), type(exc).__name__)
            mid = len(frames) // 2
            return self._run_isolated(frames[:mid]) + self._run_isolated(frames[mid:])
        if len(results) != len(frames):
            error = RuntimeError(f"the batch function returned {len(results)} results for a batch of "
                                 f"{len(frames)} frames; it must return one list of reads per frame, in order")
            return [error] * len(frames)
        return results

    def _fail_queued(self, error: BaseException) -> None:
        for bucket in self._buckets.values():
            for item in bucket:
                if item.queued and not item.future.done():
                    item.future.set_exception(error)
                self._unqueue(item)
        self._buckets.clear()

    def _notify(self, name: str, *args: float) -> None:
        if self._observer is None:
            return
        try:
            getattr(self._observer, name)(*args)
        except Exception:
            log.exception("batch observer callback %s failed", name)
