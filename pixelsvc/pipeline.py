"""The in-process redaction engine: render -> detect -> recognise -> classify -> mask.

`Engine.process` runs a series (or any list of frames) through every stage. The gRPC
service splits the same work in two: `Engine.read_text` (stages 2-4, the GPU part, fed by
the cross-stream batcher) and `Engine.finish` (stages 5-6, which need that stream's header
context). Both paths call the same stage objects, so their results are identical.

Multi-frame series: identical frames (content hash) are analysed once and identical text
crops are recognised once; every frame still gets its own result and its own mask.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from pixelsvc.config import DetConfig, EngineConfig, MaskConfig
from pixelsvc.dedup import RecentFrames, frame_digest, reuse_result
from pixelsvc.errors import InvalidFrameError
from pixelsvc.heap import retain_freed_memory
from pixelsvc.mask import FrameMasker
from pixelsvc.ocr.det import TextDetector
from pixelsvc.ocr.lines import LineReader
from pixelsvc.ocr.rec import TextRecognizer
from pixelsvc.ocr.weights import load_module, tune_module
from pixelsvc.ocr.zoo import get_spec
from pixelsvc.phi import PhiClassifier
from pixelsvc.phi.normalise import alnum_count
from pixelsvc.render import FrameRenderer
from pixelsvc.static_text import StaticText
from pixelsvc.types import (
    Frame,
    FrameResult,
    Label,
    PhiContext,
    Policy,
    RenderedFrame,
    TextBox,
    TextRead,
    Verdict,
)

__all__ = [
    "SUPPORTED_PHOTOMETRICS",
    "Engine",
    "EngineStats",
    "pick_device",
    "validate_frame",
]

log = logging.getLogger(__name__)

SUPPORTED_PHOTOMETRICS = ("MONOCHROME1", "MONOCHROME2", "RGB")
_SUPPORTED_DTYPES = tuple(
    np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.float32, np.float64)
)
STAGES = ("render", "detect", "recognise", "classify", "mask", "residual")


@dataclass
class EngineStats:
    """Counters and per-stage seconds since the engine was built (plain data, no metrics library)."""

    frames: int = 0
    frames_deduplicated: int = 0
    views: int = 0
    crops: int = 0
    crops_read: int = 0
    regions_masked: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def copy(self) -> EngineStats:
        return replace(self, seconds=dict(self.seconds))


def pick_device(name: str) -> torch.device:
    """'auto' means CUDA when a GPU is present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    return device


def validate_frame(frame: Frame, max_pixels: int) -> None:
    """Check a frame before it enters the pipeline.

    Raises:
        InvalidFrameError: with the offending property, its value and the allowed values.
    """
    pixels = frame.pixels
    if not isinstance(pixels, np.ndarray):
        raise InvalidFrameError(f"frame {frame.key[1]}: pixels must be a numpy array, got {type(pixels).__name__}")
    if frame.photometric not in SUPPORTED_PHOTOMETRICS:
        raise InvalidFrameError(
            f"frame {frame.key[1]}: photometric interpretation {frame.photometric!r} is not supported; "
            f"convert to one of {', '.join(SUPPORTED_PHOTOMETRICS)} before the engine (YBR to RGB, palette expanded)"
        )
    colour = frame.photometric == "RGB"
    if colour and not (pixels.ndim == 3 and pixels.shape[2] == 3):
        raise InvalidFrameError(f"frame {frame.key[1]}: RGB pixels must have shape (rows, cols, 3), got {pixels.shape}")
    if not colour and pixels.ndim != 2:
        raise InvalidFrameError(
            f"frame {frame.key[1]}: {frame.photometric} pixels must have shape (rows, cols), got {pixels.shape}"
        )
    if pixels.dtype not in _SUPPORTED_DTYPES:
        raise InvalidFrameError(
            f"frame {frame.key[1]}: pixel dtype {pixels.dtype} is not supported; use one of "
            f"{', '.join(str(d) for d in _SUPPORTED_DTYPES)}"
        )
    rows, cols = pixels.shape[:2]
    if rows < 1 or cols < 1 or rows * cols > max_pixels:
        raise InvalidFrameError(
            f"frame {frame.key[1]}: {rows}x{cols} pixels is outside the accepted size (1 to {max_pixels} pixels)"
        )
    if not 1 <= frame.bits_stored <= 32:
        raise InvalidFrameError(f"frame {frame.key[1]}: bits stored {frame.bits_stored} is outside [1, 32]")


class Engine:
    """Loads the models once (on CUDA when present) and redacts frames in-process.

    >>> engine = Engine(EngineConfig(device="cpu"))  # doctest: +SKIP
    >>> results = engine.process(frames, PhiContext(names=("DOE^JOHN",)))  # doctest: +SKIP
    """

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        self.device = pick_device(self.config.device)
        if self.config.cpu_threads and self.device.type == "cpu":
            torch.set_num_threads(self.config.cpu_threads)
        retain_freed_memory(self.config.heap_retain_mb * 2**20)
        self.config = self.config.for_device(self.device.type)
        det_spec = get_spec(self.config.det.model, "det")
        rec_spec = get_spec(self.config.rec.model, "rec")
        cache = self.config.cache_dir
        self.renderer = FrameRenderer(self.config.render)
        self.detector = TextDetector(tune_module(load_module(det_spec, self.device, cache), self.config),
                                     self.config.det, det_spec.mean, det_spec.std)
        self.recognizer = TextRecognizer(tune_module(load_module(rec_spec, self.device, cache), self.config),
                                         self.config.rec, rec_spec.mean, rec_spec.std)
        self.reader = LineReader(self.recognizer, self.config.rec)
        self.classifier = PhiClassifier(self.config.phi)
        self.masker = FrameMasker(self.config.mask)
        self._stats = EngineStats()
        self._lock = threading.Lock()
        log.info("engine ready", extra={"device": str(self.device), "config": repr(self.config)})

    def __repr__(self) -> str:
        return (f"Engine(device={self.device}, {self.renderer!r}, {self.detector!r}, {self.recognizer!r}, "
                f"{self.masker!r})")

    @property
    def stats(self) -> EngineStats:
        with self._lock:
            return self._stats.copy()

    # --- the whole pipeline ---------------------------------------------------------

    def process(self, frames: Sequence[Frame], context: PhiContext | None = None,
                policy: Policy | str | None = None, residual_check: bool | None = None) -> list[FrameResult]:
        """Redact a series: one `FrameResult` per frame, in order.

        Raises:
            InvalidFrameError: a frame cannot be processed (nothing is returned for any frame).
        """
        context = context or PhiContext()
        policy = Policy(policy) if policy is not None else self.config.policy
        check = self.config.residual_check if residual_check is None else residual_check
        for frame in frames:
            validate_frame(frame, self.config.max_frame_pixels)
        first_of, unique = self._dedup(frames)
        reads = [read for chunk in _chunks(unique, self.config.chunk_pixels) for read in self.read_text(chunk)]
        finished = self.finish_series(unique, reads, context, policy)
        by_unique = {id(frame): result for frame, result in zip(unique, finished, strict=True)}
        results = []
        for index, frame in enumerate(frames):
            source = first_of[index]
            result = by_unique[id(frames[source])]
            # identical to an earlier frame: reuse its analysis and mask
            results.append(result if source == index else reuse_result(frame, result))
        if check:
            results = self._residual(results, context, policy)
        with self._lock:
            self._stats.frames += len(frames)
            self._stats.frames_deduplicated += len(frames) - len(unique)
            self._stats.regions_masked += sum(len(r.masked.boxes) for r in results)
        return results

    # --- stages 2-4: the batched, device-bound part ---------------------------------

    def read_text(self, frames: Sequence[Frame]) -> list[list[TextRead]]:
        """Render, detect and recognise: the text reads of every frame (frames are not validated here)."""
        with self._timed("render"):
            views_per_frame = [self.renderer.render(frame) for frame in frames]
        with self._timed("detect"):
            detections = self.detector.detect_frames(views_per_frame)
        with self._timed("recognise"):
            reads = self.reader.read(views_per_frame, detections, dedup=self.config.dedup_crops)
        if self.config.det.rescan_confidence > 0 or self.config.det.rescan_block_share > 0:
            reads = self._rescan_unread(views_per_frame, reads)
        with self._lock:
            self._stats.views += sum(len(views) for views in views_per_frame)
            self._stats.crops += sum(len(frame_reads) for frame_reads in reads)  # a read per line, rescanned ones too
            self._stats.crops_read = self.recognizer.crops_read
        return reads

    # --- stages 5-6: per stream ------------------------------------------------------

    def finish(self, frame: Frame, reads: Sequence[TextRead], context: PhiContext, policy: Policy,
               series: StaticText | None = None) -> FrameResult:
        """Classify a frame's reads and mask what the policy says; with `series` (the frames before it,
        in order), also the PHI lines masked there that this frame shows unchanged."""
        with self._timed("classify"):
            verdicts: Sequence[Verdict] = _keep_unread_regions(self.classifier.classify(reads, context, policy),
                                                               frame, self.config.mask)
            if series is not None:
                verdicts = series.carry(frame, verdicts)
        with self._timed("mask"):
            masked = self.masker.mask(frame, [v.read.mask_box for v in verdicts if v.mask],
                                      keep=[v.read.box for v in verdicts if v.label is Label.SAFE])
        if masked.changed:
            masked.pixels.flags.writeable = False
        return FrameResult(frame.key, tuple(verdicts), masked)

    def finish_series(self, frames: Sequence[Frame], reads: Sequence[Sequence[TextRead]], context: PhiContext,
                      policy: Policy) -> list[FrameResult]:
        """`finish` for each frame of a series, then the masks of static text carried across its frames."""
        series = self.static_text()
        return [self.finish(frame, frame_reads, context, policy, series)
                for frame, frame_reads in zip(frames, reads, strict=True)]

    def static_text(self) -> StaticText | None:
        """A new series' memory of masked lines for `finish` (None when carrying is off)."""
        change = self.config.mask.carry_static_change
        return StaticText(change) if change > 0 else None

    # --- helpers ---------------------------------------------------------------------

    def _rescan_unread(self, views_per_frame: Sequence[Sequence[RenderedFrame]],
                       reads: list[list[TextRead]]) -> list[list[TextRead]]:
        """Add the lines the fine pass finds inside boxes that were read as (almost) nothing.

        Such a box is kept as a stray mark (one glyph of unknown text), but it often holds two
        or three small lines the detector fused (`TextDetector.rescan`): a line box read as one
        glyph with a low confidence, or a small block-sized box read as one glyph at all.
        """
        regions: list[list[TextBox]] = []
        read_boxes: list[list[TextBox]] = []
        for views, frame_reads in zip(views_per_frame, reads, strict=True):
            rows, cols = views[0].image.shape[:2] if views else (0, 0)
            unread, read = rescan_regions(frame_reads, rows * cols, self.config.det)
            regions.append(unread)
            read_boxes.append(read)
        if not any(regions):
            return reads
        with self._timed("detect"):
            found = self.detector.rescan(views_per_frame, regions, read_boxes)
        if not any(found):
            return reads
        with self._timed("recognise"):
            more = self.reader.read(views_per_frame, found, dedup=self.config.dedup_crops)
        return [frame_reads + extra for frame_reads, extra in zip(reads, more, strict=True)]

    def _dedup(self, frames: Sequence[Frame]) -> tuple[list[int], list[Frame]]:
        """For each frame, the index of the first identical frame; and the unique frames."""
        if not self.config.dedup_frames:
            return list(range(len(frames))), list(frames)
        seen: RecentFrames[int] = RecentFrames()
        first_of, unique = [], []
        for index, frame in enumerate(frames):
            digest = frame_digest(frame)
            earlier = seen.get(digest)
            if earlier is None:
                seen.add(digest, index)
                unique.append(frame)
            first_of.append(index if earlier is None else earlier)
        return first_of, unique

    def _residual(self, results: list[FrameResult], context: PhiContext, policy: Policy) -> list[FrameResult]:
        """Read the masked frames again and report text the policy would still mask."""
        if policy is Policy.DETECT_ONLY:
            return results
        unique: dict[int, FrameResult] = {}
        for result in results:  # deduplicated frames share their masked pixels: check each array once
            if result.masked.changed:
                unique.setdefault(id(result.masked.pixels), result)
        masked_frames = [
            Frame(r.key, r.masked.pixels, r.masked.frame.photometric, r.masked.frame.bits_stored)
            for r in unique.values()
        ]
        with self._timed("residual"):
            reads = self.read_text(masked_frames) if masked_frames else []
            found = {
                key: tuple(v for v in self.classifier.classify(r, context, policy) if v.mask)
                for key, r in zip(unique, reads, strict=True)
            }
        return [replace(r, residual=found.get(id(r.masked.pixels), ()), residual_checked=True) for r in results]

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                self._stats.seconds[stage] += elapsed


def rescan_regions(reads: Sequence[TextRead], frame_area: int, cfg: DetConfig) -> tuple[list[TextBox], list[TextBox]]:
    """The boxes of one frame's reads to detect again, and the boxes that were read.

    Rescanned: a line box (no thicker than `fine_cover_line`) read as at most one glyph below
    `rescan_confidence`, and a thicker box read as at most one glyph at any confidence that covers
    at most `rescan_block_share` of the frame (a block of small lines read as `三`). Other thick
    boxes read as nothing are neither: the fine pass looked inside them already.
    """
    unread: list[TextBox] = []
    read: list[TextBox] = []
    for r in reads:
        thick = min(r.box.width, r.box.height) > cfg.fine_cover_line
        block_sized = r.box.area() <= cfg.rescan_block_share * frame_area
        if thick and block_sized and alnum_count(r.text or "") <= 1:
            unread.append(r.box)
        elif not _unread(r, cfg.rescan_confidence):
            read.append(r.box)
        elif not thick:
            unread.append(r.box)
    return unread, read


def _unread(read: TextRead, confidence: float) -> bool:
    """Read as at most one letter or digit, with less than `confidence`."""
    return read.confidence < confidence and alnum_count(read.text or "") <= 1


def _keep_unread_regions(verdicts: list[Verdict], frame: Frame, config: MaskConfig) -> list[Verdict]:
    """Unmask boxes over `max_unread_share` of the frame whose text could not be read.

    Large text is read with confidence; a large region the recogniser cannot read is
    tissue the detector took for text. Masking it would black out anatomy (see MaskConfig).
    """
    rows, cols = frame.pixels.shape[:2]
    limit = config.max_unread_share * rows * cols
    out = []
    for verdict in verdicts:
        read = verdict.read
        if verdict.mask and read.box.area() > limit and read.confidence < config.read_confidence:
            verdict = Verdict(read, Label.UNKNOWN, False, "large_unread")
        out.append(verdict)
    return out


def _chunks(frames: Sequence[Frame], max_pixels: int) -> Iterator[list[Frame]]:
    """Consecutive groups of frames with at most `max_pixels` pixels together (at least one frame each):
    a series' rendered views are held one group at a time. Reads do not depend on batch mates, so
    the grouping does not change any result."""
    chunk: list[Frame] = []
    pixels = 0
    for frame in frames:
        size = frame.pixels.shape[0] * frame.pixels.shape[1]
        if chunk and pixels + size > max_pixels:
            yield chunk
            chunk, pixels = [], 0
        chunk.append(frame)
        pixels += size
    if chunk:
        yield chunk
