"""Stage 3: find text boxes in rendered frames with the PP-OCR DB detector.

A `TextDetector` is pre-processing -> network -> post-processing, as in docTR:

- pre: each rendered view (or, for very large frames, each tile of it) is resized so its
  longest side fits `max_side`, both sides rounded to multiples of 32 (uint8, on the host).
  After that first pass, one view (`fine_view`) is detected again at `fine_factor` times
  that scale (the fine pass), in windows where small-text ink lies outside the first pass's
  boxes (`pixelsvc.ocr.fine`): small, faint lines vanish at the first scale and are found there.
  Windows of dim ink on a flat ground are shown to the net contrast-stretched.
  Jobs of equal tensor shape are stacked and uploaded as uint8 (a quarter of the bytes of
  float32, through pinned memory on CUDA); turning to BGR (the order PaddleOCR trained on)
  and normalising run on the device, in the net's dtype and memory format.
- net: the converted PP-OCR detector, on the engine's device.
- post (`DBPostProcessor`): on the device, threshold the probability map and dilate it;
  one uint8 map (0 background, 1 dilation, 2 kernel) and the kernel's probabilities come
  back. On the host: label connected regions, keep those whose mean probability passes
  `box_thresh`, grow each region back by the DB unclip distance and map it to integer
  source-frame pixels (floor the minima, ceil the maxima). A region holding several lines
  of a dense block is cut at the valleys of its row profile, one box per line. Boxes found
  on several views or tiles are merged here, and nowhere else (`detect_frames`, with the box
  rules of `pixelsvc.ocr.boxes`); a fine-pass box is kept unless it lies mostly inside a
  first-pass line box of any view of the frame; a line printed at 90 degrees that came back in word
  pieces also gets one box over the whole line; a merged box that stops short of its line's
  last character grows over it (`pixelsvc.ink`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from pixelsvc.config import DetConfig
from pixelsvc.ink import extend_along_line, is_ruler
from pixelsvc.ocr.boxes import box_iou, join_turned_pieces, merge_boxes
from pixelsvc.ocr.fine import fine_windows
from pixelsvc.ocr.nets.onnx_graph import OnnxGraphModule
from pixelsvc.types import Detection, RenderedFrame, TextBox

__all__ = ["DBMap", "DBPostProcessor", "TextDetector", "box_iou", "merge_boxes", "new_fine_lines", "upload_uint8"]


@dataclass(frozen=True, slots=True)
class _Job:
    """One detector input: a region of one rendered view, resized to `shape`."""

    view: int  # index into the views passed to detect()
    fine: bool  # a job of the fine pass (see TextDetector.plan)
    x0: int
    y0: int
    x1: int
    y1: int
    shape: tuple[int, int]  # (height, width) of the network input, multiples of 32
    levels: tuple[float, float] | None = None  # a faint window's grey levels shown black and white


@dataclass(frozen=True, slots=True)
class DBMap:
    """The host side of one thresholded probability map.

    `code` is 0 for background, 1 for pixels the 2x2 dilation added and 2 for kernel pixels
    (probability above `bin_thresh`); `kernel_prob` holds the kernel pixels' probabilities in
    row-major order, which is all the region scores need.
    """

    code: np.ndarray  # uint8 (rows, cols)
    kernel_prob: np.ndarray  # float32 (kernel pixels,)


class DBPostProcessor:
    """Turns a DB probability map into boxes. Holds every threshold that changes recall."""

    def __init__(self, bin_thresh: float, box_thresh: float, unclip_ratio: float, min_box_side: int) -> None:
        self.bin_thresh = bin_thresh
        self.box_thresh = box_thresh
        self.unclip_ratio = unclip_ratio
        self.min_box_side = min_box_side

    def __repr__(self) -> str:
        return (f"DBPostProcessor(bin_thresh={self.bin_thresh}, box_thresh={self.box_thresh}, "
                f"unclip_ratio={self.unclip_ratio}, min_box_side={self.min_box_side})")

    @torch.inference_mode()
    def maps(self, prob: torch.Tensor) -> list[DBMap]:
        """Threshold and dilate a (batch, rows, cols) probability map where it lies; two copies back."""
        prob = prob.float()
        kernel = prob > self.bin_thresh
        # the DB kernel is a shrunk text core: a 2x2 dilation joins cores split by a pixel. As
        # cv2.dilate with a 2x2 kernel, a pixel is set when it or its upper/left neighbours are
        padded = torch.nn.functional.pad(kernel[:, None].to(torch.uint8), (1, 0, 1, 0))
        joined = torch.nn.functional.max_pool2d(padded.float(), 2, stride=1)[:, 0] > 0
        code = (joined.to(torch.uint8) + kernel.to(torch.uint8)).cpu().numpy()
        values = prob[kernel].cpu().numpy()  # row-major over the batch: split per map below
        counts = np.count_nonzero(code == 2, axis=(1, 2))
        starts = np.concatenate([[0], np.cumsum(counts)])
        return [DBMap(code[i], values[starts[i]:starts[i + 1]]) for i in range(len(code))]

    def __call__(self, prob: DBMap | np.ndarray) -> list[tuple[float, float, float, float, float]]:
        """Boxes (x0, y0, x1, y1, score) in probability-map pixels, as floats."""
        if isinstance(prob, np.ndarray):
            prob = self.maps(torch.from_numpy(prob)[None])[0]
        code = prob.code
        count, labels, stats, _ = cv2.connectedComponentsWithStats(code, connectivity=8)
        if count <= 1:
            return []
        # a region's score is the mean probability over its kernel pixels (not the dilation)
        kernel_labels = labels[code == 2]
        sums = np.bincount(kernel_labels, weights=prob.kernel_prob, minlength=count)
        scores = sums / np.maximum(np.bincount(kernel_labels, minlength=count), 1)
        kernel = code == 2
        dense: np.ndarray | None = None  # the kernel probabilities as an image, built when a region is cut
        boxes = []
        for index in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[index])
            if min(w, h) < self.min_box_side or scores[index] < self.box_thresh:
                continue
            if h >= 2 * _MIN_LINE_ROWS and 2 * w >= h:  # not a vertical line: it has gaps between glyphs
                core = (labels[y:y + h, x:x + w] == index) & kernel[y:y + h, x:x + w]
                lines = _split_lines(core)
                if len(lines) > 1:
                    if dense is None:
                        dense = np.zeros(code.shape, np.float32)
                        dense[kernel] = prob.kernel_prob
                    for top, bottom in lines:
                        boxes.extend(self._line_box(dense, core, x, y, top, bottom))
                    continue
            boxes.append(self._unclip(x, y, w, h, area, float(scores[index]), code.shape))
        return boxes

    def _line_box(self, prob: np.ndarray, core: np.ndarray, x: int, y: int, top: int,
                  bottom: int) -> list[tuple[float, float, float, float, float]]:
        """The box of one text line cut out of a region that held several lines."""
        cols = np.flatnonzero(core[top:bottom].any(axis=0))
        if cols.size == 0:
            return []
        x0, x1 = int(cols[0]), int(cols[-1]) + 1
        y0, y1 = top, bottom
        w, h = x1 - x0, y1 - y0
        if min(w, h) < self.min_box_side:
            return []
        pixels = core[y0:y1, x0:x1]
        score = float(prob[y + y0:y + y1, x + x0:x + x1][pixels].mean())
        if score < self.box_thresh:
            return []
        return [self._unclip(x + x0, y + y0, w, h, int(pixels.sum()), score, prob.shape)]

    def _unclip(self, x: int, y: int, w: int, h: int, area: int, score: float,
                shape: tuple[int, ...]) -> tuple[float, float, float, float, float]:
        """DB unclip: grow the kernel by D = A * r / L (area and perimeter of the region)."""
        height, width = shape[:2]
        distance = area * self.unclip_ratio / max(2.0 * (w + h), 1.0)
        return (max(0.0, x - distance), max(0.0, y - distance), min(float(width), x + w + distance),
                min(float(height), y + h + distance), score)


_MIN_LINE_ROWS = 4
"""A text line's kernel is at least this many probability-map rows tall; only regions at least
twice as tall are looked at for several lines."""
_VALLEY_SHARE = 0.2
"""A row of a region whose kernel pixels are fewer than this share of the region's fullest row
separates two lines (lines of a dense block touch through a few descender pixels)."""


def _split_lines(core: np.ndarray) -> list[tuple[int, int]]:
    """The (top, bottom) row ranges of the text lines in one detected region.

    A region spanning two lines of a dense label block has a row profile with a deep valley
    between the lines; a single line has none. Each part must be a plausible line on its own
    (`_MIN_LINE_ROWS` tall), else the region is kept whole. The valley rows (a descender
    touching the next line) belong to no line: the unclip margin covers them.
    """
    profile = core.sum(axis=1)
    peak = int(profile.max()) if profile.size else 0
    if peak == 0:
        return []
    full = profile >= max(1, _VALLEY_SHARE * peak)
    lines, start = [], None
    for row, on in enumerate(full):
        if on and start is None:
            start = row
        elif not on and start is not None:
            lines.append((start, row))
            start = None
    if start is not None:
        lines.append((start, len(full)))
    lines = [(a, b) for a, b in lines if b - a >= _MIN_LINE_ROWS]
    return lines if len(lines) > 1 else [(0, core.shape[0])]


class TextDetector:
    """Batched PP-OCR text detection over rendered frames."""

    def __init__(self, net: OnnxGraphModule, config: DetConfig, mean: Sequence[float], std: Sequence[float]) -> None:
        self.net = net
        self.config = config
        self.post = DBPostProcessor(config.bin_thresh, config.box_thresh, config.unclip_ratio, config.min_box_side)
        # per channel in BGR order, shaped to broadcast over (batch, 3, rows, cols)
        self._mean = torch.from_numpy(np.asarray(mean, dtype=np.float32) * 255.0).reshape(1, 3, 1, 1)
        self._scale = torch.from_numpy(1.0 / (np.asarray(std, dtype=np.float32) * 255.0)).reshape(1, 3, 1, 1)

    def __repr__(self) -> str:
        return f"TextDetector(max_side={self.config.max_side}, batch_size={self.config.batch_size}, post={self.post!r})"

    @property
    def device(self) -> torch.device:
        return next(self.net.buffers()).device

    @property
    def dtype(self) -> torch.dtype:
        """The net's float dtype: inputs are cast to it (fp32, bf16 or fp16)."""
        return next(self.net.buffers()).dtype

    def detect_frames(self, views_per_frame: Sequence[Sequence[RenderedFrame]]) -> list[list[Detection]]:
        """The text boxes of each frame, merged across its views, with the view each is read on.

        All views of all frames go through the network together (batched by shape). A line
        seen on several views becomes one box, the union of the overlapping ones, read on the
        view whose box scored best. Scale bars are dropped (`drop_rulers`), the pieces of a
        turned line get a box over the whole line (`join_turned`), then each box is grown along
        its line (`extend_lines`).
        """
        flat = [view for views in views_per_frame for view in views]
        frames, start = [], 0
        for views in views_per_frame:
            frames.append(range(start, start + len(views)))
            start += len(views)
        per_view = self._detect(flat, frames)
        out = []
        for views, indices in zip(views_per_frame, frames, strict=True):
            found = [per_view[i] for i in indices]
            candidates = [(box, index) for index, boxes in enumerate(found) for box in boxes]
            detections = []
            for merged in merge_boxes([box for box, _ in candidates]):
                best = max(candidates, key=lambda c, m=merged: (box_iou(c[0], m), c[0].score))
                detections.append(Detection(merged, best[1]))
            if self.config.drop_rulers:
                detections = [d for d in detections if not _is_ruler(views, d)]
            if self.config.join_turned:
                detections = join_turned_pieces(detections)
            if self.config.extend_lines:
                detections = _extend_lines(views, detections)
            out.append(detections)
        return out

    def rescan(self, views_per_frame: Sequence[Sequence[RenderedFrame]],
               regions_per_frame: Sequence[Sequence[TextBox]],
               read_per_frame: Sequence[Sequence[TextBox]]) -> list[list[Detection]]:
        """Lines found by the fine pass inside boxes whose text could not be read.

        A first-pass box over two or three small lines of a block (the DB map fused them) is
        read as nothing, and as a line box it hides those lines from the fine pass. Each such
        region of a frame (`regions_per_frame`, from the reads) is detected again on the
        `fine_view` at the fine-pass scale; a box found there is a new line when it is no
        thicker than a small line, lies mostly inside its region, and not mostly inside a box
        of the frame that was read (`read_per_frame`). Each is read on the fine view.
        """
        flat = [view for views in views_per_frame for view in views]
        jobs, chosen, start = [], [], 0  # chosen: per frame, its fine view's index in flat and in the frame
        for views, regions in zip(views_per_frame, regions_per_frame, strict=True):
            local = next((i for i, v in enumerate(views) if self._is_fine_view(v)), None)
            index = None if local is None or not regions else start + local
            if index is not None:
                rows, cols = flat[index].image.shape[:2]
                windows = [(max(0, g.x0), max(0, g.y0), min(cols, g.x1), min(rows, g.y1))
                           for g in (region.grown(_RESCAN_MARGIN) for region in regions)]
                jobs += self._fine_jobs(index, flat[index], windows)
            chosen.append((index, local))
            start += len(views)
        found = self._run(flat, jobs) if jobs else [[] for _ in flat]
        out: list[list[Detection]] = []
        for (index, local), regions, read in zip(chosen, regions_per_frame, read_per_frame, strict=True):
            if index is None:
                out.append([])
                continue
            lines = new_fine_lines(merge_boxes(found[index]), read, self.config.fine_max_line)
            out.append([Detection(box, local) for box in lines
                        if any(box.mostly_inside(r.grown(_RESCAN_MARGIN)) for r in regions)])
        return out

    def detect(self, views: Sequence[RenderedFrame]) -> list[list[TextBox]]:
        """Boxes for every view on its own, in the source-frame pixels of that view's frame."""
        return self._detect(views, [range(i, i + 1) for i in range(len(views))])

    def _detect(self, views: Sequence[RenderedFrame], frames: Sequence[range]) -> list[list[TextBox]]:
        """Boxes for every view; `frames` groups the indices of the views of one frame.

        The first pass runs on every view; the fine pass then rescans where its boxes leave
        candidate small-text ink (`plan_fine`). A fine-pass box is kept unless it lies mostly
        inside a first-pass line box (no thicker than `fine_cover_line`) of any view of its
        frame, and only when it is no thicker than a small line (`fine_max_line`; thicker ones
        are texture the larger scale made look like text): the fine pass adds lines the first
        pass missed or saw only as part of a thick blob, and leaves the lines it found (and
        the reads and masks built on them) alone. Only mostly inside: in a block of small
        lines the first pass often finds a few, and their boxes' unclip reaches into the lines
        beside them; a line the fine pass finds is dropped only when a first-pass box already
        holds it. A box from a faint window (detected stretched) is kept only when it lies mostly
        outside the first-pass line boxes and the lines the other fine windows found (`_apart`).
        """
        jobs = [job for index, view in enumerate(views) for job in self.plan(index, view)]
        out = [merge_boxes(boxes) for boxes in self._run(views, jobs)]
        if self.config.fine_factor <= 1.0:
            return out
        thickest = self.config.fine_cover_line
        coarse_of: dict[int, tuple[TextBox, ...]] = {}  # view index -> the line boxes of its frame's first pass
        for indices in frames:
            lines = tuple(box for j in indices for box in out[j] if min(box.width, box.height) <= thickest)
            coarse_of.update(dict.fromkeys(indices, lines))
        fine_jobs = [job for index, view in enumerate(views) for job in self.plan_fine(index, view, coarse_of[index])]
        ink_jobs = [job for job in fine_jobs if job.levels is None]
        faint_jobs = [job for job in fine_jobs if job.levels is not None]
        found: list[list[TextBox]] = [[] for _ in views]  # per view, the lines found so far
        for faint, kind in ((False, ink_jobs), (True, faint_jobs)):
            for index, boxes in enumerate(self._run(views, kind)):
                fine = new_fine_lines(merge_boxes(boxes), coarse_of[index], self.config.fine_max_line)
                if faint:
                    fine = [box for box in fine if _apart(box, coarse_of[index] + tuple(found[index]))]
                found[index] += fine
        return [merge_boxes(boxes + more) if more else boxes for boxes, more in zip(out, found, strict=True)]

    def _run(self, views: Sequence[RenderedFrame], jobs: Sequence[_Job]) -> list[list[TextBox]]:
        """The raw boxes of `jobs`, per view, in source pixels; jobs of one shape are batched."""
        found: list[list[TextBox]] = [[] for _ in views]
        by_shape: dict[tuple[int, int], list[_Job]] = defaultdict(list)
        for job in jobs:
            by_shape[job.shape].append(job)
        for shape_jobs in by_shape.values():
            for start in range(0, len(shape_jobs), self.config.batch_size):
                chunk = shape_jobs[start:start + self.config.batch_size]
                probs = self._forward([self.preprocess(views[job.view].image, job) for job in chunk])
                for job, prob in zip(chunk, probs, strict=True):
                    found[job.view].extend(self._to_source(job, self.post(prob)))
        return found

    def plan(self, index: int, view: RenderedFrame) -> list[_Job]:
        """Split a view into first-pass detector jobs at the scale small text needs.

        A view is scaled so its short side reaches `min_side` (at most `max_upscale` times):
        glyphs 5-8 px high are below what the detector finds at their own size. A view that
        would then exceed `max_side`, or would have to shrink below `min_scale`, is cut into
        overlapping tiles, each detected at that scale. Flat tiles (one value, e.g. the
        collimated border of a radiograph) hold no text and are skipped.
        """
        rows, cols = view.image.shape[:2]
        return self._tiles(index, view, _detection_scale(rows, cols, self.config), (0, 0, cols, rows), fine=False)

    def plan_fine(self, index: int, view: RenderedFrame, covered: Sequence[TextBox]) -> list[_Job]:
        """The fine pass's jobs for a view: at `fine_factor` times the first scale, in tiles.

        Only the `fine_view` rendering is rescanned, and only its windows of candidate
        small-text ink outside the first pass's boxes `covered` (`pixelsvc.ocr.fine`), unless
        `fine_everywhere`: small, faint lines that vanish at the first scale (5-7 px glyphs on
        small frames; 6-10 px glyphs on radiographs shrunk to fit) are found there.
        """
        cfg = self.config
        if not self._is_fine_view(view):
            return []
        rows, cols = view.image.shape[:2]
        windows = fine_windows(view.image[:, :, 0], covered, cfg)
        regions = [(0, 0, cols, rows)] if cfg.fine_everywhere else windows.ink
        faint = [job for w in windows.faint for job in self._fine_jobs(index, view, [w.window], (w.black, w.white))]
        return self._fine_jobs(index, view, regions) + faint

    def _is_fine_view(self, view: RenderedFrame) -> bool:
        """Whether the fine pass (and the rescan of unread boxes) runs on this view."""
        return self.config.fine_factor > 1.0 and view.rendering == self.config.fine_view

    def _fine_jobs(self, index: int, view: RenderedFrame, regions: Sequence[tuple[int, int, int, int]],
                   levels: tuple[float, float] | None = None) -> list[_Job]:
        """Jobs over regions (x0, y0, x1, y1) of the fine view, at `fine_factor` times the first scale."""
        cfg = self.config
        rows, cols = view.image.shape[:2]
        scale = min(_detection_scale(rows, cols, cfg) * cfg.fine_factor, cfg.fine_max_scale)
        return [job for region in regions for job in self._tiles(index, view, scale, region, True, levels)]

    def _tiles(self, index: int, view: RenderedFrame, scale: float, region: tuple[int, int, int, int],
               fine: bool, levels: tuple[float, float] | None = None) -> list[_Job]:
        """The jobs covering a region (x0, y0, x1, y1) of a view at `scale`: the whole region,
        or overlapping non-flat tiles of it."""
        rx0, ry0, rx1, ry1 = region
        rows, cols = ry1 - ry0, rx1 - rx0
        cfg = self.config
        if max(rows, cols) * scale <= cfg.max_side + 16:
            return [_Job(index, fine, rx0, ry0, rx1, ry1, _target_shape(rows, cols, scale, cfg.max_side), levels)]
        tile = max(64, int(cfg.max_side / scale))
        overlap = min(tile // 2, cfg.tile_overlap)
        jobs = []
        for y0 in _tile_starts(rows, tile, overlap):
            for x0 in _tile_starts(cols, tile, overlap):
                y1, x1 = min(rows, y0 + tile), min(cols, x0 + tile)
                tile_pixels = view.image[ry0 + y0:ry0 + y1, rx0 + x0:rx0 + x1]
                if tile_pixels.min() == tile_pixels.max():
                    continue
                jobs.append(_Job(index, fine, rx0 + x0, ry0 + y0, rx0 + x1, ry0 + y1,
                                 _target_shape(y1 - y0, x1 - x0, scale, cfg.max_side), levels))
        return jobs

    def preprocess(self, image: np.ndarray, job: _Job) -> np.ndarray:
        """The job's region resized to the network input: uint8 RGB (rows, cols, 3).

        A faint window's region is first stretched so its grey levels `job.levels` become 0 and
        255: grey letters a few levels above a flat ground become black-and-white text.
        """
        region = image[job.y0:job.y1, job.x0:job.x1]
        if job.levels is not None:
            region = _stretch(region, *job.levels)
        height, width = job.shape
        if region.shape[:2] != (height, width):
            shrink = height < region.shape[0] or width < region.shape[1]
            region = cv2.resize(region, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        return region

    def normalise(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 RGB (batch, rows, cols, 3) -> the net's BGR input (batch, 3, rows, cols) in its dtype.

        The permuted view is channels-last in memory, which is what convolutions on CUDA prefer;
        the arithmetic is float32, as the reference pre-processing, then cast.
        """
        bgr = batch.permute(0, 3, 1, 2).flip(1).float()
        x = (bgr - self._mean.to(bgr.device)) * self._scale.to(bgr.device)
        return x.to(self.dtype)

    @torch.inference_mode()
    def _forward(self, inputs: list[np.ndarray]) -> list[DBMap]:
        batch = upload_uint8(inputs, self.device)
        prob = self.net(self.normalise(batch))
        return self.post.maps(prob[:, 0])

    @staticmethod
    def _to_source(job: _Job, boxes: list[tuple[float, float, float, float, float]]) -> list[TextBox]:
        height, width = job.shape
        sx, sy = (job.x1 - job.x0) / width, (job.y1 - job.y0) / height
        out = []
        for x0, y0, x1, y1, score in boxes:
            out.append(TextBox(
                max(job.x0, job.x0 + math.floor(x0 * sx)),
                max(job.y0, job.y0 + math.floor(y0 * sy)),
                min(job.x1, job.x0 + math.ceil(x1 * sx)),
                min(job.y1, job.y0 + math.ceil(y1 * sy)),
                score,
            ))
        return out


_RESCAN_MARGIN = 4
"""Pixels around an unread box that its rescan also looks at (the fused lines' outer glyph edges)."""


_FAINT_OVERLAP = 0.5
"""A faint window's box may share at most this share of its area with the lines found before it."""


def _apart(box: TextBox, found: Sequence[TextBox]) -> bool:
    """Whether `box` lies mostly outside the boxes of `found`, together: the faint windows look for
    lines where nothing was found; stretched, and cut by the window's edge, a block found already
    gives boxes over its lines cut short and slivers of their ends that straddle two of them (read
    as garbage and masked over the kept annotation beside them). A faint line that merely touches
    a found box (a first-pass piece of it, `1277` of `ID: 0710491277`) is kept."""
    return sum(box.overlap(other) for other in found) <= _FAINT_OVERLAP * box.area()


def new_fine_lines(fine: Sequence[TextBox], coarse: Sequence[TextBox], max_line: int) -> list[TextBox]:
    """The fine pass's boxes that add a line: no thicker than `max_line`, and not mostly inside
    a first-pass line box `coarse` (a box that only reaches into one is a line beside it)."""
    return [box for box in fine
            if min(box.width, box.height) <= max_line and not any(box.mostly_inside(c) for c in coarse)]


def _is_ruler(views: Sequence[RenderedFrame], detection: Detection) -> bool:
    """Whether a box is a scale bar (`pixelsvc.ink.is_ruler`) on the first view, the one it is
    read on first, whose ink in it is clear (a thin rule may be too faint on that one)."""
    for index in [detection.view] + [i for i in range(len(views)) if i != detection.view]:
        verdict = is_ruler(views[index].image, detection.box)
        if verdict is not None:
            return verdict
    return False


def _extend_lines(views: Sequence[RenderedFrame], detections: list[Detection]) -> list[Detection]:
    """Each box grown along its line over the ink that continues past its ends on the view it is
    read on, never into another box of the frame (`pixelsvc.ink.extend_along_line`)."""
    boxes = [d.box for d in detections]
    out = []
    for index, d in enumerate(detections):
        others = boxes[:index] + boxes[index + 1:]
        grown = extend_along_line(views[d.view].image, d.box, others)
        out.append(Detection(grown, d.view, None if grown == d.box else d.box))
    return out


def upload_uint8(arrays: np.ndarray | Sequence[np.ndarray], device: torch.device) -> torch.Tensor:
    """Stack equal-shape uint8 arrays onto `device`; through pinned memory on CUDA, so the copy is asynchronous."""
    shape = (len(arrays), *arrays[0].shape)
    if device.type != "cuda":
        return torch.from_numpy(arrays if isinstance(arrays, np.ndarray) else np.stack(arrays))
    staging = torch.empty(shape, dtype=torch.uint8, pin_memory=True)
    np.stack(arrays, out=staging.numpy())
    return staging.to(device, non_blocking=True)


def _stretch(region: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """`region` (uint8) with grey level `lo` shown black and `hi` white (see TextDetector.preprocess)."""
    if hi <= lo:
        return region
    levels = np.clip((np.arange(256, dtype=np.float32) - lo) * (255.0 / (hi - lo)) + 0.5, 0, 255)
    return cv2.LUT(np.ascontiguousarray(region), levels.astype(np.uint8))


def _detection_scale(rows: int, cols: int, cfg: DetConfig) -> float:
    """How much a view is resized for detection: short side up to `min_side` (by at most
    `max_upscale`), long side down to `max_side`, but never below `min_scale` (then it is tiled)."""
    short, long = min(rows, cols), max(rows, cols)
    scale = min(cfg.max_upscale, max(1.0, cfg.min_side / max(1, short)))
    if long * scale > cfg.max_side:
        scale = max(cfg.min_scale, min(scale, cfg.max_side / long))
    return scale


def _target_shape(rows: int, cols: int, scale: float, max_side: int) -> tuple[int, int]:
    """Network input (height, width) for a region resized by `scale`: multiples of 32, at most `max_side`."""
    height = max(32, round(rows * scale / 32) * 32)
    width = max(32, round(cols * scale / 32) * 32)
    return min(height, max_side), min(width, max_side)


def _tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of equal tiles covering [0, length) with at least `overlap` shared pixels."""
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    step = (length - tile) / (count - 1)
    return [round(i * step) for i in range(count)]
