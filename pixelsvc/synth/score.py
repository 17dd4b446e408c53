"""Score a redaction run against generated ground truth: recall, distractors kept, collateral, false masks.

Definitions (pixel-exact: the input and output frames are both decoded with
`pixelsvc.dicom.decode`, so a lossy source compares decoded to decoded):

* A pixel is **changed** when any sample differs between input and output.
* A pixel is **flat-filled** when it lies in a uniform region of the output (8-connected
  pixels whose 5x5 neighbourhood is uniform, every sample equal) that reaches within two
  pixels of a changed pixel: it is inside a painted rectangle even if the fill happens to
  equal its old value (thick strokes drawn at the fill value).
* A pixel is **covered** when it is changed or flat-filled.
* A PHI string is **masked** when >= 90 % of its ink pixels are covered (its visible ink:
  glyph pixels the drawing did not change, white on saturated white, show nothing and are not
  asked for; `pixelsvc.synth.scene.VISIBLE_CHANGE`); a string of a file that failed (no
  output) is a miss.
* A distractor is **kept** when < 10 % of its ink is covered.
* **Collateral**: the share of non-text pixels changed; non-text pixels are those more
  than `TEXT_MARGIN` px from every drawn string's box (labels and distractors included).
  The share changed in regions that touch no text zone (false boxes, not mask margins) is
  reported beside it as `collateral_away`.
* **Largest false mask**: the largest 8-connected changed region that does not touch
  the text zone, as % of its frame's area.
* **Frame recall**: share of frames (of multi-frame files) whose PHI strings are all masked.

The result also lists missed strings, and distractors not kept, by file, frame and id (look them
up in the truth to debug on dev).

Nothing here prints or returns the strings' text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pixelsvc.synth.truth import FileTruth, TruthString, glyph_bucket, load_masks, load_truth

__all__ = ["KEPT_SHARE", "MASKED_SHARE", "OUTPUT_STATUSES", "FileScore", "covered_pixels", "markdown", "score_file",
           "score_run"]

MASKED_SHARE = 0.9
KEPT_SHARE = 0.1
TEXT_MARGIN = 4
MAX_MISSES_LISTED = 2000
"""Missed PHI strings listed in the result (file, frame, string id, box, axes; never the text)."""
FLAT_WINDOW = 5
OUTPUT_STATUSES = ("redacted", "clean", "resumed")
"""Report statuses of a file that has an output to score; any other status is a failed file."""


def covered_pixels(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(changed, covered) boolean images of a frame pair, as defined in the module docstring."""
    if before.shape != after.shape:
        raise ValueError(f"output frame shape {after.shape} differs from input {before.shape}")
    diff = before != after
    changed = diff.any(axis=2) if diff.ndim == 3 else diff
    if not changed.any():
        return changed, changed
    kernel = np.ones((FLAT_WINDOW, FLAT_WINDOW), np.uint8)
    out = after.astype(np.float32)
    channels = [out[..., c] for c in range(out.shape[2])] if out.ndim == 3 else [out]
    uniform = np.ones(changed.shape, bool)
    for ch in channels:
        uniform &= cv2.dilate(ch, kernel) == cv2.erode(ch, kernel)
    near_change = cv2.dilate(changed.astype(np.uint8), kernel).astype(bool)
    seeds = uniform & near_change
    if not seeds.any():
        return changed, changed
    # a painted rectangle is one uniform region: its inside counts even where it lies more than
    # FLAT_WINDOW // 2 px from a changed pixel (thick strokes already at the fill value)
    count, regions = cv2.connectedComponents(uniform.astype(np.uint8), connectivity=8)
    painted = np.zeros(count, bool)
    painted[np.unique(regions[seeds])] = True
    painted[0] = False
    return changed, changed | painted[regions]


@dataclass(slots=True)
class FileScore:
    """Per-file results: one (string, covered share) per drawn string, pixel counts per file."""

    truth: FileTruth
    failed: bool
    covered_share: list[float]
    nontext_pixels: int = 0
    nontext_changed: int = 0
    nontext_changed_away: int = 0
    """Of `nontext_changed`, the pixels in changed regions that touch no text zone."""
    largest_false_mask: float = 0.0
    """Largest false mask of the file, share of its frame area."""
    frame_areas: list[float] = field(default_factory=list)


def score_file(truth: FileTruth, labels: list[np.ndarray], before: list[np.ndarray] | None,
               after: list[np.ndarray] | None) -> FileScore:
    """Score one file; `after` None means the file failed (every PHI string is a miss)."""
    if after is None or before is None:
        return FileScore(truth, True, [0.0] * len(truth.strings))
    if len(after) != len(before):
        raise ValueError(f"output has {len(after)} frames, input {len(before)}")
    shares = [0.0] * len(truth.strings)
    score = FileScore(truth, False, shares)
    by_frame: dict[int, list[TruthString]] = defaultdict(list)
    for s in truth.strings:
        by_frame[s.frame].append(s)
    for index, (b, a) in enumerate(zip(before, after, strict=True)):
        changed, covered = covered_pixels(b, a)
        label = labels[index]
        for s in by_frame.get(index, []):
            ink = label == s.id + 1
            total = int(ink.sum())
            shares[s.id] = float(covered[ink].sum()) / total if total else 0.0
        zone = np.zeros(changed.shape, np.uint8)
        for s in by_frame.get(index, []):
            x0, y0, x1, y1 = s.box
            zone[max(0, y0 - TEXT_MARGIN):y1 + TEXT_MARGIN, max(0, x0 - TEXT_MARGIN):x1 + TEXT_MARGIN] = 1
        nontext = zone == 0
        score.nontext_pixels += int(nontext.sum())
        score.nontext_changed += int((changed & nontext).sum())
        if changed.any():
            count, comp, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
            touching = set(np.unique(comp[(zone == 1) & changed]).tolist())
            areas = [int(stats[k, cv2.CC_STAT_AREA]) for k in range(1, count) if k not in touching]
            score.nontext_changed_away += sum(areas)
            if areas:
                score.largest_false_mask = max(score.largest_false_mask, max(areas) / changed.size)
    return score


def _rotation_class(angle: float) -> str:
    return "0" if angle == 0 else "90" if abs(abs(angle) - 90) < 1 else "tilt<=5"


def _size_class(rows: int, cols: int) -> str:
    side = max(rows, cols)
    return "<=512" if side <= 512 else "<=1024" if side <= 1024 else ">1024"


_AXES = {
    "category": lambda s, t: s.category,
    "glyph_px": lambda s, t: glyph_bucket(s.glyph_px),
    "contrast": lambda s, t: s.contrast,
    "opacity": lambda s, t: "opaque" if s.opacity >= 0.999 else "semi-transparent",
    "header": lambda s, t: t.header,
    "polarity": lambda s, t: s.polarity,
    "rotation": lambda s, t: _rotation_class(s.rotation),
    "region": lambda s, t: s.region,
    "font_style": lambda s, t: s.font_style,
    "antialias": lambda s, t: "aa" if s.antialias else "no-aa",
    "layout": lambda s, t: s.layout,
    "changing": lambda s, t: "changing" if s.changing else "static",
    "frame_size": lambda s, t: _size_class(t.rows, t.cols),
    "photometric": lambda s, t: t.photometric,
    "background": lambda s, t: t.background.split("-")[0] + "-" + t.modality,
}


def _glyph_order(key: str) -> tuple[int, str]:
    try:
        return int(key.split("-")[0]), key
    except ValueError:
        return 999, key


def summarize(scores: Iterable[FileScore], seconds: float | None = None,
              frames_run: int | None = None) -> dict[str, Any]:
    """Aggregate file scores into the benchmark's metrics (plain JSON-able data, no text)."""
    phi_hits: dict[str, dict[str, list[int]]] = {axis: defaultdict(lambda: [0, 0]) for axis in _AXES}
    distractors = [0, 0]
    nontext = [0, 0]
    nontext_away = 0
    frames_multi = [0, 0]
    largest = 0.0
    files = failed = frames = 0
    misses: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    phi_total = [0, 0]
    for score in scores:
        files += 1
        failed += score.failed
        t = score.truth
        frames += t.frames
        frame_ok: dict[int, bool] = {}
        for s, share in zip(t.strings, score.covered_share, strict=True):
            if s.is_phi:
                hit = share >= MASKED_SHARE
                if not hit and len(misses) < MAX_MISSES_LISTED:
                    misses.append({"file": t.file, "frame": s.frame, "id": s.id, "box": list(s.box),
                                   "category": s.category, "glyph_px": s.glyph_px, "contrast": s.contrast,
                                   "covered": round(share, 3), "failed": score.failed})
                phi_total[0] += hit
                phi_total[1] += 1
                for axis, key_of in _AXES.items():
                    cell = phi_hits[axis][key_of(s, t)]
                    cell[0] += hit
                    cell[1] += 1
                frame_ok[s.frame] = frame_ok.get(s.frame, True) and hit
            elif s.category == "DISTRACTOR" and not score.failed:
                distractors[0] += share < KEPT_SHARE
                distractors[1] += 1
                if share >= KEPT_SHARE and len(lost) < MAX_MISSES_LISTED:
                    lost.append({"file": t.file, "frame": s.frame, "id": s.id, "box": list(s.box),
                                 "glyph_px": s.glyph_px, "contrast": s.contrast, "covered": round(share, 3)})
        if t.frames > 1:
            frames_multi[0] += sum(frame_ok.values())
            frames_multi[1] += len(frame_ok)
        nontext[0] += score.nontext_changed
        nontext[1] += score.nontext_pixels
        nontext_away += score.nontext_changed_away
        largest = max(largest, score.largest_false_mask)

    def ratio(hit: int, total: int) -> float | None:
        return round(hit / total, 4) if total else None

    by_axis = {}
    for axis, cells in phi_hits.items():
        keys = sorted(cells, key=_glyph_order) if axis == "glyph_px" else sorted(cells)
        by_axis[axis] = {k: {"recall": ratio(*cells[k]), "masked": cells[k][0], "boxes": cells[k][1]} for k in keys}
    result: dict[str, Any] = {
        "files": files, "failed_files": failed, "frames": frames,
        "phi_boxes": phi_total[1], "recall": ratio(*phi_total),
        "frame_recall_multiframe": ratio(*frames_multi), "multiframe_frames": frames_multi[1],
        "distractors": distractors[1], "distractors_kept": ratio(*distractors),
        "collateral": round(nontext[0] / nontext[1], 6) if nontext[1] else None,
        "collateral_away": round(nontext_away / nontext[1], 6) if nontext[1] else None,
        "largest_false_mask_pct": round(100 * largest, 3),
        "recall_by": by_axis,
        "misses": misses,
        "distractors_lost": lost,
    }
    if seconds is not None:
        result["seconds"] = round(seconds, 2)
        result["seconds_per_frame"] = round(seconds / max(1, frames_run or frames), 3)
    return result


def _decode_all(path: Path) -> list[np.ndarray]:
    from pixelsvc.dicom.decode import iter_frames, read_dataset

    return [f.pixels for f in iter_frames(read_dataset(path), "score")]


def score_run(data_dir: Path, report_path: Path, *, files: set[str] | None = None) -> dict[str, Any]:
    """Score a `pixelsvc redact --report` run over `data_dir/dicom` (or the named `files` of it).

    Inputs missing from the report, or reported without an output, are failures.
    """
    outputs: dict[str, str | None] = {}
    seconds = 0.0
    frames_run = 0
    for line in report_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        name = Path(row["input"]).name
        ok = row.get("status") in OUTPUT_STATUSES and row.get("output")
        outputs[name] = row["output"] if ok else None
        seconds += float(row.get("seconds") or 0.0)
        frames_run += int(row.get("frames") or 0)
    truth_dir = data_dir / "truth"
    names = sorted(p.name for p in (data_dir / "dicom").glob("*.dcm"))
    if files is not None:
        names = [n for n in names if n in files]
    masks_cache: dict[str, list[np.ndarray]] = {}

    def scores() -> Iterable[FileScore]:
        for name in names:
            truth = load_truth(truth_dir / (name[:-4] + ".json"))
            if truth.masks not in masks_cache:
                masks_cache.clear()
                masks_cache[truth.masks] = load_masks(truth_dir / truth.masks)
            output = outputs.get(name)
            before = after = None
            if output is not None:
                before = _decode_all(data_dir / "dicom" / name)
                try:
                    after = _decode_all(Path(output))
                except Exception:  # an unreadable output is a failed file
                    after = None
            yield score_file(truth, masks_cache[truth.masks], before, after)

    result = summarize(scores(), seconds=seconds, frames_run=frames_run)
    result["report_seconds_sum"] = round(seconds, 2)
    return result


def markdown(result: dict[str, Any], title: str = "") -> str:
    """The benchmark tables as markdown."""
    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f} %"

    lines = [f"### {title}" if title else "", "",
             "| metric | value |", "|---|---|",
             f"| files (failed) | {result['files']} ({result['failed_files']}) |",
             f"| frames | {result['frames']} |",
             f"| PHI boxes | {result['phi_boxes']} |",
             f"| **recall** | **{pct(result['recall'])}** |",
             f"| frame recall, multi-frame ({result['multiframe_frames']} frames) | "
             f"{pct(result['frame_recall_multiframe'])} |",
             f"| distractors kept ({result['distractors']}) | {pct(result['distractors_kept'])} |",
             f"| collateral (non-text pixels changed) | {100 * (result['collateral'] or 0):.3f} % |",
             f"| of which away from text (false boxes) | {100 * (result.get('collateral_away') or 0):.3f} % |",
             f"| largest false mask (% of frame) | {result['largest_false_mask_pct']:.2f} % |"]
    if "seconds_per_frame" in result:
        lines.append(f"| seconds per frame (sum of per-file seconds / frames) | {result['seconds_per_frame']:.3f} |")
    for axis in ("category", "glyph_px", "contrast", "opacity", "header", "polarity", "rotation", "region",
                 "font_style", "antialias", "layout", "changing", "frame_size", "photometric", "background"):
        cells = result["recall_by"].get(axis, {})
        if not cells:
            continue
        lines += ["", f"| {axis} | " + " | ".join(cells) + " |", "|---|" + "---|" * len(cells),
                  "| recall | " + " | ".join(pct(c["recall"]) for c in cells.values()) + " |",
                  "| boxes | " + " | ".join(str(c["boxes"]) for c in cells.values()) + " |"]
    return "\n".join(lines).strip() + "\n"


def compare_markdown(results: dict[str, dict[str, Any]]) -> str:
    """One table, one column per run (e.g. dev and test, or before and after a change): recall (boxes) per cell."""
    names = list(results)

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f} %"

    def cell(result: dict[str, Any], axis: str, key: str) -> str:
        c = result["recall_by"].get(axis, {}).get(key)
        return "-" if c is None else f"{pct(c['recall'])} ({c['boxes']})"

    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    overall = [("files (failed)", lambda r: f"{r['files']} ({r['failed_files']})"),
               ("frames", lambda r: str(r["frames"])),
               ("**recall** (PHI boxes)", lambda r: f"**{pct(r['recall'])}** ({r['phi_boxes']})"),
               ("frame recall, multi-frame",
                lambda r: f"{pct(r['frame_recall_multiframe'])} ({r['multiframe_frames']})"),
               ("distractors kept", lambda r: f"{pct(r['distractors_kept'])} ({r['distractors']})"),
               ("collateral (non-text px changed)", lambda r: f"{100 * (r['collateral'] or 0):.3f} %"),
               ("of which away from text", lambda r: f"{100 * (r.get('collateral_away') or 0):.3f} %"),
               ("largest false mask, % of frame", lambda r: f"{r['largest_false_mask_pct']:.2f} %"),
               ("s/frame (report sum / frames)", lambda r: f"{r.get('seconds_per_frame', float('nan')):.2f}")]
    for label, fmt in overall:
        lines.append(f"| {label} | " + " | ".join(fmt(results[n]) for n in names) + " |")
    for axis in ("category", "glyph_px", "contrast", "opacity", "header", "polarity", "rotation", "region",
                 "font_style", "antialias", "layout", "changing", "frame_size", "photometric"):
        keys: list[str] = []
        for n in names:
            keys += [k for k in results[n]["recall_by"].get(axis, {}) if k not in keys]
        if axis == "glyph_px":
            keys.sort(key=_glyph_order)
        for key in keys:
            lines.append(f"| {axis}: {key} | " + " | ".join(cell(results[n], axis, key) for n in names) + " |")
    return "\n".join(lines) + "\n"
