"""FrameBatcher with a small fake batch function (as Ray Serve's batching tests do), then once with the real engine."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from pixelsvc.batching import FrameBatcher, shape_key
from pixelsvc.config import BatcherConfig
from pixelsvc.errors import BatcherStoppedError, ConfigError, QueueFullError
from pixelsvc.types import Frame, FrameKey, TextBox, TextRead

TIMEOUT = 20.0  # no test may hang the suite


def run(coro: Coroutine[Any, Any, Any], timeout: float = TIMEOUT) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def frame(stream: str, index: int, shape: tuple[int, ...] = (8, 8), dtype: type = np.uint16) -> Frame:
    photometric = "RGB" if len(shape) == 3 else "MONOCHROME2"
    return Frame((stream, index), np.zeros(shape, dtype), photometric, 8 * np.dtype(dtype).itemsize)


def expected_reads(f: Frame) -> list[TextRead]:
    """What the fake returns for a frame: one read whose box encodes the frame index."""
    return [TextRead(TextBox(0, 0, f.key[1] + 1, 1), text=f.key[0], confidence=1.0)]


class FakeOOM(RuntimeError):
    """Stands in for torch.cuda.OutOfMemoryError."""


class FakeBatch:
    """Records the batches it gets and sleeps a little, like a device would."""

    def __init__(self, delay: float = 0.005, bad: set[FrameKey] = frozenset(), oom_above: int | None = None,
                 short: bool = False) -> None:
        self.delay, self.bad, self.oom_above, self.short = delay, bad, oom_above, short
        self.batches: list[list[Frame]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, frames: list[Frame]) -> list[list[TextRead]]:
        with self._lock:
            self.batches.append(list(frames))
            self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        if self.oom_above is not None and len(frames) > self.oom_above:
            raise FakeOOM(f"out of memory for {len(frames)} frames")
        if any(f.key in self.bad for f in frames):
            raise ValueError("bad frame")
        out = [expected_reads(f) for f in frames]
        return out[:-1] if self.short else out

    def batch_keys(self) -> list[list[FrameKey]]:
        return [[f.key for f in batch] for batch in self.batches]

    def seen(self) -> set[FrameKey]:
        return {f.key for batch in self.batches for f in batch}


class Recorder:
    """A BatchObserver that keeps every call."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, int, int, float]] = []
        self.waits: list[float] = []
        self.rejected = 0

    def on_batch(self, frames: int, pixels: int, streams: int, seconds: float) -> None:
        self.batches.append((frames, pixels, streams, seconds))

    def on_queue_wait(self, seconds: float) -> None:
        self.waits.append(seconds)

    def on_rejected(self) -> None:
        self.rejected += 1


def config(**kw: Any) -> BatcherConfig:
    kw.setdefault("max_wait_ms", 10_000.0)  # by default only a full batch (or stop) runs anything
    return BatcherConfig(**kw)


async def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


# --- batch formation -----------------------------------------------------------------------


def test_full_batch_from_concurrent_submits():
    fake, seen = FakeBatch(), Recorder()

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=4), seen) as batcher:
            frames = [frame("a", i) for i in range(4)]
            start = time.monotonic()
            results = await asyncio.gather(*(batcher.submit(f) for f in frames))
            return frames, results, time.monotonic() - start

    frames, results, elapsed = run(main())
    assert fake.batch_keys() == [[f.key for f in frames]]  # one batch, in submit order
    assert results == [expected_reads(f) for f in frames]  # each caller gets its own reads
    assert elapsed < 5.0  # formed because it was full, not by the 10 s wait
    assert seen.batches[0][:3] == (4, 4 * 64, 1)
    assert len(seen.waits) == 4
    assert len(fake.threads) == 1 and next(iter(fake.threads)).startswith("pixelsvc-batch")


def test_timeout_flushes_a_single_frame_after_max_wait():
    fake = FakeBatch(delay=0.0)

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=8, max_wait_ms=50)) as batcher:
            start = time.monotonic()
            reads = await batcher.submit(frame("a", 0))
            return reads, time.monotonic() - start

    reads, elapsed = run(main())
    assert reads == expected_reads(frame("a", 0))
    assert fake.batch_keys() == [[("a", 0)]]
    assert 0.045 <= elapsed < 2.0


def test_zero_wait_runs_at_once():
    fake = FakeBatch(delay=0.0)

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=8, max_wait_ms=0)) as batcher:
            start = time.monotonic()
            await batcher.submit(frame("a", 0))
            return time.monotonic() - start

    assert run(main()) < 1.0


def test_pixel_budget_caps_a_batch():
    fake, seen = FakeBatch(), Recorder()

    async def main():
        cfg = config(max_batch_frames=16, max_batch_pixels=250, max_wait_ms=20)
        async with FrameBatcher(fake, cfg, seen) as batcher:
            small = [frame("a", i, (10, 10)) for i in range(6)]  # 100 pixels each: 2 per batch
            big = frame("b", 99, (20, 20))  # 400 pixels: over the budget on its own
            results = await asyncio.gather(*(batcher.submit(f) for f in [*small, big]))
            return [*small, big], results

    frames, results = run(main())
    assert results == [expected_reads(f) for f in frames]
    assert sorted(len(b) for b in fake.batches) == [1, 2, 2, 2]
    for batch in fake.batches:
        pixels = sum(f.pixels.shape[0] * f.pixels.shape[1] for f in batch)
        assert pixels <= 250 or len(batch) == 1
    assert [b for b in fake.batch_keys() if ("b", 99) in b] == [[("b", 99)]]
    assert max(b[1] for b in seen.batches) == 400


def test_shapes_are_never_mixed_in_a_batch():
    fake = FakeBatch()
    shapes = [((8, 8), np.uint16), ((8, 8), np.uint8), ((8, 8, 3), np.uint8), ((16, 8), np.uint16)]

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=16, max_wait_ms=20)) as batcher:
            frames = [frame(f"s{i % 3}", i, *shapes[i % len(shapes)]) for i in range(12)]
            results = await asyncio.gather(*(batcher.submit(f) for f in frames))
            return frames, results

    frames, results = run(main())
    assert results == [expected_reads(f) for f in frames]
    assert fake.seen() == {f.key for f in frames}
    for batch in fake.batches:
        assert len({shape_key(f) for f in batch}) == 1
    assert sorted(len(b) for b in fake.batches) == [3, 3, 3, 3]


def test_batches_mix_streams():
    fake, seen = FakeBatch(), Recorder()

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=8), seen) as batcher:
            async def stream(name: str) -> list[list[TextRead]]:
                return list(await asyncio.gather(*(batcher.submit(frame(name, i)) for i in range(2))))

            return await asyncio.gather(*(stream(f"client{c}") for c in range(4)))

    per_stream = run(main())
    for c, results in enumerate(per_stream):
        assert results == [expected_reads(frame(f"client{c}", i)) for i in range(2)]
    assert len(fake.batches) == 1
    assert {f.key[0] for f in fake.batches[0]} == {f"client{c}" for c in range(4)}
    assert seen.batches[0][:3] == (8, 8 * 64, 4)


# --- back-pressure and failure isolation ------------------------------------------------------


def test_full_queue_raises_and_the_batcher_keeps_working():
    fake, seen = FakeBatch(delay=0.2), Recorder()

    async def main():
        cfg = config(max_batch_frames=1, max_queued_frames=2, max_wait_ms=0)
        async with FrameBatcher(fake, cfg, seen) as batcher:
            first = asyncio.create_task(batcher.submit(frame("a", 0)))
            await wait_until(lambda: batcher.in_flight == 1)
            queued = [asyncio.create_task(batcher.submit(frame("a", i))) for i in (1, 2)]
            await wait_until(lambda: batcher.queue_depth == 2)
            start = time.monotonic()
            with pytest.raises(QueueFullError) as info:
                await batcher.submit(frame("b", 3))
            refused_in = time.monotonic() - start
            await asyncio.gather(first, *queued)
            after = await batcher.submit(frame("b", 4))
            return info.value, refused_in, after

    error, refused_in, after = run(main())
    assert refused_in < 0.1  # refused at once, not after the busy worker
    text = str(error)
    assert "queue is full" in text and "max_queued_frames=2" in text and "retry" in text
    assert seen.rejected == 1
    assert ("b", 3) not in fake.seen()
    assert after == expected_reads(frame("b", 4))


def test_one_bad_frame_fails_only_itself():
    fake = FakeBatch(bad={("c", 5)})

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=8)) as batcher:
            frames = [frame(f"c{i % 2}" if i != 5 else "c", i) for i in range(8)]
            return frames, await asyncio.gather(*(batcher.submit(f) for f in frames), return_exceptions=True)

    frames, results = run(main())
    for f, result in zip(frames, results, strict=True):
        if f.key == ("c", 5):
            assert isinstance(result, ValueError)
        else:
            assert result == expected_reads(f)
    assert len(fake.batches[0]) == 8  # tried together first, then halved: 8, 4+4, 2+2, 1+1
    assert len(fake.batches) == 7
    assert [("c", 5)] in fake.batch_keys()


def test_batch_wide_failure_is_retried_in_halves():
    fake = FakeBatch(oom_above=2)  # like a CUDA OOM: only batches of more than 2 frames fail

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=8)) as batcher:
            frames = [frame("a", i) for i in range(8)]
            return frames, await asyncio.gather(*(batcher.submit(f) for f in frames))

    frames, results = run(main())
    assert results == [expected_reads(f) for f in frames]
    assert [len(b) for b in fake.batches] == [8, 4, 2, 2, 4, 2, 2]


def test_result_of_the_wrong_length_fails_the_batch():
    fake = FakeBatch(short=True)

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=4)) as batcher:
            frames = [frame("a", i) for i in range(4)]
            return await asyncio.gather(*(batcher.submit(f) for f in frames), return_exceptions=True)

    results = run(main())
    assert all(isinstance(r, RuntimeError) and "returned 3 results for a batch of 4" in str(r) for r in results)
    assert len(fake.batches) == 1  # a contract bug, not a frame fault: not retried


def test_cancelled_submit_is_dropped_from_the_queue():
    fake = FakeBatch(delay=0.3)

    async def main():
        async with FrameBatcher(fake, config(max_batch_frames=1, max_wait_ms=0)) as batcher:
            first = asyncio.create_task(batcher.submit(frame("a", 0)))
            await wait_until(lambda: batcher.in_flight == 1)
            doomed = asyncio.create_task(batcher.submit(frame("gone", 1)))
            timed_out = asyncio.create_task(asyncio.wait_for(batcher.submit(frame("late", 2)), 0.05))
            await wait_until(lambda: batcher.queue_depth == 2)
            doomed.cancel()
            with pytest.raises(asyncio.CancelledError):
                await doomed
            with pytest.raises(TimeoutError):
                await timed_out  # a deadline cancels the same way
            depth = batcher.queue_depth
            await first
            return depth, await batcher.submit(frame("a", 3))

    depth, last = run(main())
    assert depth == 0
    assert last == expected_reads(frame("a", 3))
    assert fake.batch_keys() == [[("a", 0)], [("a", 3)]]  # the fake never saw the cancelled frames


def test_observer_errors_do_not_break_the_batcher():
    class Broken(Recorder):
        def on_batch(self, *args: float) -> None:
            raise RuntimeError("metrics backend down")

    async def main():
        async with FrameBatcher(FakeBatch(), config(max_batch_frames=1), Broken()) as batcher:
            return await batcher.submit(frame("a", 0))

    assert run(main()) == expected_reads(frame("a", 0))


# --- lifecycle -----------------------------------------------------------------------------


def test_stop_with_drain_finishes_queued_work():
    fake = FakeBatch()

    async def main():
        batcher = FrameBatcher(fake, config(max_batch_frames=16))  # would wait 10 s for company
        await batcher.start()
        tasks = [asyncio.create_task(batcher.submit(frame("a", i))) for i in range(3)]
        await wait_until(lambda: batcher.queue_depth == 3)
        start = time.monotonic()
        await batcher.stop(drain=True)
        stopped_in = time.monotonic() - start
        assert all(t.done() for t in tasks)
        with pytest.raises(BatcherStoppedError):
            await batcher.submit(frame("a", 9))
        return [t.result() for t in tasks], stopped_in

    results, stopped_in = run(main())
    assert results == [expected_reads(frame("a", i)) for i in range(3)]
    assert stopped_in < 5.0


def test_stop_without_drain_fails_queued_frames_and_finishes_the_running_batch():
    fake = FakeBatch(delay=0.1)

    async def main():
        batcher = FrameBatcher(fake, config(max_batch_frames=1, max_wait_ms=0))
        await batcher.start()
        running = asyncio.create_task(batcher.submit(frame("a", 0)))
        await wait_until(lambda: batcher.in_flight == 1)
        queued = asyncio.create_task(batcher.submit(frame("a", 1)))
        await wait_until(lambda: batcher.queue_depth == 1)
        await batcher.stop(drain=False)
        return await asyncio.gather(running, queued, return_exceptions=True)

    ran, dropped = run(main())
    assert ran == expected_reads(frame("a", 0))
    assert isinstance(dropped, BatcherStoppedError) and "retry" in str(dropped)
    assert fake.batch_keys() == [[("a", 0)]]


def test_submit_before_start_is_refused():
    async def main():
        with pytest.raises(BatcherStoppedError):
            await FrameBatcher(FakeBatch()).submit(frame("a", 0))

    run(main())


def test_a_crashed_loop_fails_waiting_frames_instead_of_hanging_them():
    async def main():
        batcher = FrameBatcher(FakeBatch(), config(max_batch_frames=1))

        async def broken(batch):
            raise RuntimeError("bug in the loop")

        batcher._execute = broken  # type: ignore[method-assign]
        await batcher.start()
        with pytest.raises(BatcherStoppedError):
            await batcher.submit(frame("a", 0))
        assert not batcher.running
        with pytest.raises(BatcherStoppedError):
            await batcher.submit(frame("a", 1))
        with pytest.raises(RuntimeError, match="bug in the loop"):
            await batcher.stop()

    run(main())


def test_two_batches_in_flight_run_at_the_same_time_and_one_does_not():
    """With batches_in_flight=2 a second batch starts while the first is still on its worker."""

    def meeting(parties: int) -> tuple[Any, list[int]]:
        barrier, peak, lock = threading.Barrier(2, timeout=2.0), [0], threading.Lock()
        running = [0]

        def run_batch(frames):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                barrier.wait()  # both batches must be running at once to pass
                return [expected_reads(f) for f in frames]
            finally:
                with lock:
                    running[0] -= 1
        return run_batch, peak

    async def main(in_flight: int):
        run_batch, peak = meeting(2)
        async with FrameBatcher(run_batch, config(max_batch_frames=1, max_wait_ms=0.0,
                                                  batches_in_flight=in_flight)) as batcher:
            outcomes = await asyncio.gather(batcher.submit(frame("a", 0)), batcher.submit(frame("b", 1)),
                                            return_exceptions=True)
            assert batcher.in_flight == 0
        return outcomes, peak[0]

    outcomes, peak = run(main(2))
    assert peak == 2 and outcomes == [expected_reads(frame("a", 0)), expected_reads(frame("b", 1))]
    outcomes, peak = run(main(1))  # one worker: the barrier can never fill, each frame fails on its own
    assert peak == 1 and all(isinstance(o, threading.BrokenBarrierError) for o in outcomes)


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_batch_frames", 0),
        ("max_batch_frames", 1025),
        ("max_batch_pixels", 0),
        ("max_wait_ms", -1.0),
        ("max_wait_ms", 10_001.0),
        ("max_queued_frames", 0),
        ("max_queued_frames", 1_000_001),
    ],
)
def test_config_bounds(field: str, value: float):
    with pytest.raises(ConfigError) as info:
        BatcherConfig(**{field: value})
    message = str(info.value)
    assert f"BatcherConfig.{field}" in message and repr(value) in message and "range" in message


def test_config_queue_must_hold_a_full_batch():
    with pytest.raises(ConfigError, match="max_queued_frames = 8 is smaller than max_batch_frames = 16"):
        BatcherConfig(max_batch_frames=16, max_queued_frames=8)
    assert BatcherConfig(max_batch_frames=1, max_queued_frames=1).max_queued_frames == 1


def test_default_config_is_valid():
    cfg = BatcherConfig()
    assert (cfg.max_batch_frames, cfg.max_batch_pixels, cfg.max_wait_ms, cfg.max_queued_frames) == (
        16, 16_777_216, 5.0, 256)


# --- the real engine -----------------------------------------------------------------------


def test_real_engine_through_the_batcher(engine):
    """Six frames from three streams form one batch; each caller gets its own frame's reads.

    Boxes equal the single-frame reads. Texts are compared with the same batch run directly:
    the recogniser pads crops to the widest in its chunk, so a garbled crop can read
    differently (text and confidence) next to other frames' crops than alone.
    """
    from tests.synth import make_frame

    frames = [replace(make_frame(700 + i, 256, 256).frame, key=(f"client{i % 3}", i)) for i in range(6)]
    batches: list[int] = []

    def read_text(batch: list[Frame]) -> list[list[TextRead]]:
        batches.append(len(batch))
        return engine.read_text(batch)

    async def main():
        cfg = BatcherConfig(max_batch_frames=6, max_wait_ms=5_000)
        async with FrameBatcher(read_text, cfg) as batcher:
            return await asyncio.gather(*(batcher.submit(f) for f in frames))

    batched = run(main(), timeout=300)
    assert batches == [6]
    assert batched == engine.read_text(frames)  # the batch as one call: same reads, same owners
    for f, reads in zip(frames, batched, strict=True):
        alone = engine.read_text([f])[0]
        assert reads and [r.box for r in reads] == [r.box for r in alone]
