"""`pixelsvc review`: the static page a QA reviewer opens from disk to sign off a redact run.

One report line (``pixelsvc redact --report``) becomes one card: status, reason, label
counts and a thumbnail of every frame that had text, drawn from the **de-identified
output** with each region outlined in its label's colour (`preview.LABEL_COLOURS`) and
kept (unmasked) text ringed in cyan so it stands out. The page is plain files: no server,
no network, scripts loaded with ``<script src>`` so it works from ``file://``. The card
list is in ``data/index.js``; the regions (label, rule, box) of each 100 cards are in one
``data/regions/<chunk>.js``, loaded when a frame view first needs it, and thumbnails are
lazy images on pages of 50 cards, so a run of 10,000 files opens about as fast as one of ten.

Privacy: by default the page holds de-identified pixels, labels, rule names and the
report's own PHI-free messages, never recognised text, header values or input paths
(folder names often hold patient names: a card is known by its report line number, and
no hash of the path either, which a guess could be checked against).
``--with-originals`` adds the original frames and input paths for a reviewer inside the
hospital, and the page then says so in a banner. Everything is written owner-only
(files 0600, folders 0700).

Images are keyed by a hash of the output file (path, size, mtime), its regions and the
originals flag, so re-running over the same report writes nothing again; new images are
drawn in parallel worker processes, one file per task.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pixelsvc.client.preview import LABEL_COLOURS, display_image, draw_outline, scale_box
from pixelsvc.dicom.decode import iter_frames, read_dataset
from pixelsvc.errors import ConfigError, PixelsvcError
from pixelsvc.files import write_atomic
from pixelsvc.types import Frame, Label, TextBox

__all__ = ["KEPT_COLOUR", "PAGE_SIZE", "ReviewSummary", "build_review"]

SITE = Path(__file__).with_name("review_site")
"""index.html, review.js and review.css: copied as they are into every review folder."""
PAGE_SIZE = 50
"""Cards per page."""
REGION_CHUNK = 100
"""Cards per ``data/regions/<chunk>.js``: few files to write (each is synced), small ones to load."""
THUMB_WIDTH = 320
VIEW_MAX_WIDTH = 1600
"""Frame view images are scaled down to this width; the page zooms them further."""
KEPT_COLOUR = (0, 255, 255)
"""Cyan ring around text that was kept (not masked): in no label's colour."""
_OTHER_COLOUR = (160, 160, 160)
_POOL_MIN_FILES = 16
"""Fewer files to draw than this are drawn in-process: a spawned worker's imports cost about a second."""
_FILE_MODE = 0o600
_DIR_MODE = 0o700
_DIGITS = re.compile(r"\d+")
_TAG = re.compile(r"(\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))")


class ReviewError(PixelsvcError):
    """The report could not be read or the review folder not written; no PHI in the message."""


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """What `build_review` wrote: cards, frames with text, images drawn now and reused."""

    files: int
    text_frames: int
    images_written: int
    images_reused: int
    image_failures: int
    seconds: float

    def line(self) -> str:
        return (f"{self.files} files, {self.text_frames} frames with text: {self.images_written} images drawn, "
                f"{self.images_reused} reused, {self.image_failures} files without images, {self.seconds:.1f} s")


@dataclass(frozen=True, slots=True)
class _ImageJob:
    """One file's frames to draw, run in a worker process."""

    key: str
    folder: Path
    output: Path
    original: Path | None
    regions: dict[int, list[tuple[TextBox, str, bool]]]
    """Frame index -> (box, label, masked)."""


def build_review(report: Path, out: Path, *, with_originals: bool = False, workers: int | None = None,
                 page_size: int = PAGE_SIZE) -> ReviewSummary:
    """Write the review site for `report` into `out` (created; earlier images are reused).

    Raises:
        ReviewError: the report is unreadable or holds a line that is not a report line.
        ConfigError: `workers` or `page_size` is below 1.
    """
    if workers is not None and workers < 1:
        raise ConfigError(f"review workers = {workers}; use at least 1 (default: one per CPU core)")
    if page_size < 1:
        raise ConfigError(f"review page_size = {page_size}; use at least 1")
    start = time.perf_counter()
    lines = list(_read_report(report))
    _mkdir(out)
    for sub in ("img", "data", "data/regions"):
        _mkdir(out / sub)
    cards, jobs = [], []
    for number, line in enumerate(lines, start=1):
        card, job = _card(number, line, out, with_originals)
        cards.append(card)
        if job is not None:
            jobs.append(job)
    for chunk in range(0, len(lines), REGION_CHUNK):
        regions = {number: _regions_json(line)
                   for number, line in enumerate(lines[chunk:chunk + REGION_CHUNK], start=chunk + 1)}
        _write_text(out / "data" / "regions" / f"{chunk // REGION_CHUNK}.js",
                    f"window.reviewRegions({json.dumps(regions, separators=(',', ':'))});\n")
    written, reused, errors = _draw_all(jobs, workers or os.cpu_count() or 1)
    for card in cards:
        if card["key"] in errors:
            card["image_error"] = errors[card["key"]]
    index = {"meta": _meta(report, with_originals, page_size), "counts": _counts(lines), "cards": cards}
    _write_text(out / "data" / "index.js", f"window.REVIEW_INDEX = {json.dumps(index, separators=(',', ':'))};\n")
    for name in ("index.html", "review.js", "review.css"):
        _write_bytes(out / name, (SITE / name).read_bytes())
    return ReviewSummary(len(cards), sum(len(c["text_frames"]) for c in cards), written, reused, len(errors),
                         time.perf_counter() - start)


# --- the report -----------------------------------------------------------------------


def _read_report(report: Path) -> Iterator[dict[str, Any]]:
    try:
        text = report.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReviewError(f"the report could not be read: {exc.strerror or type(exc).__name__}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            raise ReviewError(f"report line {number} is not JSON; give the --report file of pixelsvc redact") from None
        if not isinstance(line, dict) or "status" not in line or "input" not in line:
            raise ReviewError(f"report line {number} has no 'status' and 'input'; is it a pixelsvc redact report?")
        yield line


def _regions(line: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in line.get("regions") or [] if isinstance(r, dict) and len(r.get("box", ())) == 4]


def _regions_json(line: dict[str, Any]) -> list[list[Any]]:
    """[frame, x0, y0, x1, y1, label, rule, masked, confidence] per region: no text, by construction."""
    return [[int(r["frame"]), *map(int, r["box"]), str(r["label"]), str(r.get("rule", "")), bool(r["masked"]),
             float(r.get("confidence", 0.0))] for r in _regions(line)]


def _reason(line: dict[str, Any], regions: list[dict[str, Any]]) -> str:
    """The report's own PHI-free message for a failure, else what happened to the pixels."""
    status = line["status"]
    if status in ("failed", "excluded"):
        return str(line.get("error") or status)
    masked = sum(1 for r in regions if r["masked"])
    text = f"{masked} of {len(regions)} text regions masked" if regions else "no text found"
    pixels = line.get("pixel_data") or {}
    if pixels.get("method"):
        text += f"; pixel data {pixels['method']}"
        if pixels.get("reason"):
            text += f" ({pixels['reason']})"
    return text


def _card(number: int, line: dict[str, Any], out: Path,
          with_originals: bool) -> tuple[dict[str, Any], _ImageJob | None]:
    regions = _regions(line)
    by_frame: dict[int, list[tuple[TextBox, str, bool]]] = {}
    for r in regions:
        x0, y0, x1, y1 = (int(v) for v in r["box"])
        by_frame.setdefault(int(r["frame"]), []).append((TextBox(x0, y0, x1, y1), str(r["label"]), bool(r["masked"])))
    output = Path(line["output"]) if line.get("output") else None
    fingerprint = [str(output), _regions_json(line), with_originals]
    if output is not None and output.is_file():
        stat = output.stat()
        fingerprint += [stat.st_size, stat.st_mtime_ns]
    key = hashlib.sha256(json.dumps(fingerprint).encode()).hexdigest()[:20]
    labels = Counter(r["label"] for r in regions)
    card: dict[str, Any] = {
        "id": number,
        "key": key,
        "status": str(line["status"]),
        "reason": _reason(line, regions),
        "frames": int(line.get("frames") or 0),
        "text_frames": sorted(by_frame),
        "labels": dict(sorted(labels.items())),
        "masked": sum(1 for r in regions if r["masked"]),
        "kept": sum(1 for r in regions if not r["masked"]),
        "unknown_kept": any(r["label"] == Label.UNKNOWN.value and not r["masked"] for r in regions),
        "output": "/".join(output.parts[-4:]) if output else None,
        "image_error": None,
    }
    if with_originals:
        card["input"] = str(line["input"])
    job = None
    if output is not None and by_frame:
        job = _ImageJob(key, out / "img" / key[:2] / key, output, Path(line["input"]) if with_originals else None,
                        by_frame)
    return card, job


def _meta(report: Path, with_originals: bool, page_size: int) -> dict[str, Any]:
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    return {"review_id": digest[:16], "report_sha256": digest, "with_originals": with_originals,
            "page_size": page_size, "region_chunk": REGION_CHUNK,
            "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "label_colours": {label.value: _hex(colour) for label, colour in LABEL_COLOURS.items()},
            "kept_colour": _hex(KEPT_COLOUR)}


def _hex(colour: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in colour)


def _counts(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The numbers at the top: files, frames, statuses, regions by label, failures by reason."""
    regions = [r for line in lines for r in _regions(line)]
    failures = Counter(_failure_kind(str(line.get("error") or "unknown"))
                       for line in lines if line["status"] == "failed")
    return {
        "files": len(lines),
        "frames": sum(int(line.get("frames") or 0) for line in lines),
        "text_frames": sum(len({int(r["frame"]) for r in _regions(line)}) for line in lines),
        "statuses": dict(Counter(str(line["status"]) for line in lines)),
        "regions": len(regions),
        "regions_by_label": dict(sorted(Counter(str(r["label"]) for r in regions).items())),
        "masked": sum(1 for r in regions if r["masked"]),
        "kept": sum(1 for r in regions if not r["masked"]),
        "failures_by_reason": dict(failures.most_common()),
    }


def _failure_kind(error: str) -> str:
    """An error message with its numbers (sizes, frame indices) as N, so like failures count together.

    DICOM tags such as (7FE0,0010) are kept: they say which element was wrong.
    """
    return "".join(part if _TAG.fullmatch(part) else _DIGITS.sub("N", part) for part in _TAG.split(error))


# --- images ---------------------------------------------------------------------------


def _draw_all(jobs: list[_ImageJob], workers: int) -> tuple[int, int, dict[str, str]]:
    """Draw the images not already there (in `workers` processes when more than one file needs it)."""
    unique = list({job.key: job for job in jobs}.values())  # the same output listed twice is drawn once
    reused, pending = 0, []
    for job in unique:
        missing = set(_missing(job))
        reused += sum(len(names) for frame, names in _image_names(job).items() if frame not in missing)
        if missing:
            pending.append(job)
    errors: dict[str, str] = {}
    if workers > 1 and len(pending) >= _POOL_MIN_FILES:
        # spawn, not fork: the caller may hold torch threads, which a forked child inherits locked
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context) as pool:
            results = list(pool.map(_draw_file, pending, chunksize=4))
    else:
        results = [_draw_file(job) for job in pending]
    written = 0
    for key, new, error in results:
        written += new
        if error:
            errors[key] = error
    return written, reused, errors


def _image_names(job: _ImageJob) -> dict[int, list[str]]:
    return {f: [f"{f}.jpg", f"{f}.png"] + ([f"{f}.orig.png"] if job.original else []) for f in job.regions}


def _missing(job: _ImageJob) -> list[int]:
    """Frames of `job` with an image still to draw (images are written once: a rerun skips the rest)."""
    return sorted(f for f, names in _image_names(job).items() if not all((job.folder / n).is_file() for n in names))


def _draw_file(job: _ImageJob) -> tuple[str, int, str | None]:
    """(key, images written, PHI-free error or None) for one file's missing frames."""
    todo = _missing(job)
    if not todo:
        return job.key, 0, None
    try:
        _mkdir(job.folder)
        written = 0
        for frame in _frames(job.output, todo):
            index = frame.key[1]
            view, thumb = _drawn(frame, job.regions[index])
            _write_bytes(job.folder / f"{index}.png", _encode(".png", view))
            _write_bytes(job.folder / f"{index}.jpg", _encode(".jpg", thumb))
            written += 2
        if job.original is not None:
            for frame in _frames(job.original, todo):
                view, _thumb = _drawn(frame, job.regions[frame.key[1]])
                _write_bytes(job.folder / f"{frame.key[1]}.orig.png", _encode(".png", view))
                written += 1
    except PixelsvcError as exc:
        return job.key, 0, f"images could not be drawn: {exc}"
    except OSError as exc:
        return job.key, 0, f"images could not be drawn: {exc.strerror or type(exc).__name__}"
    return job.key, written, None


def _frames(path: Path, wanted: list[int]) -> Iterator[Frame]:
    """The `wanted` frames of a file, decoded one at a time, stopping after the last one."""
    if not path.is_file():
        raise PixelsvcError("the output file named in the report is missing")
    want, last = set(wanted), max(wanted)
    for frame in iter_frames(read_dataset(path), "review"):
        if frame.key[1] in want:
            yield frame
        if frame.key[1] >= last:
            return


def _drawn(frame: Frame, regions: list[tuple[TextBox, str, bool]]) -> tuple[np.ndarray, np.ndarray]:
    """(frame view, thumbnail): the displayed frame with outlines drawn after scaling, so they stay crisp."""
    base = display_image(frame)
    view = _outlined(base, regions, VIEW_MAX_WIDTH, numbered=True)
    thumb = _outlined(base, regions, THUMB_WIDTH, numbered=False)
    return view, thumb


def _outlined(base: np.ndarray, regions: list[tuple[TextBox, str, bool]], max_width: int,
              *, numbered: bool) -> np.ndarray:
    rows, cols = base.shape[:2]
    image = base.copy()
    if cols > max_width:
        size = (max_width, max(1, round(rows * max_width / cols)))
        image = cv2.resize(base, size, interpolation=cv2.INTER_AREA)
    fx, fy = image.shape[1] / cols, image.shape[0] / rows
    width = 2 if numbered else 1
    for number, (box, label, masked) in enumerate(regions, start=1):
        x0, y0, x1, y1 = scale_box(box, fx, fy)
        draw_outline(image, (x0, y0, x1, y1), _colour(label), width)
        if not masked:  # kept text: a second, cyan ring outside the label's
            draw_outline(image, (x0 - width, y0 - width, x1 + width, y1 + width), KEPT_COLOUR, width)
        if numbered:
            cv2.putText(image, str(number), (x0, max(10, y0 - 2 * width - 2)), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                        KEPT_COLOUR if not masked else _colour(label), 1, cv2.LINE_AA)
    return image


def _colour(label: str) -> tuple[int, int, int]:
    try:
        return LABEL_COLOURS[Label(label)]
    except ValueError:
        return _OTHER_COLOUR


def _encode(suffix: str, image: np.ndarray) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, 85] if suffix == ".jpg" else []
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise PixelsvcError(f"OpenCV could not encode a {image.shape[1]}x{image.shape[0]} image")
    return encoded.tobytes()


# --- owner-only files -------------------------------------------------------------------


def _mkdir(path: Path) -> None:
    """`path` and any missing parents, mode 0700 (mkdir's mode is cut by the umask: chmod after)."""
    for folder in reversed([path, *path.parents]):
        if not folder.exists():
            folder.mkdir(mode=_DIR_MODE, exist_ok=True)
            os.chmod(folder, _DIR_MODE)
    os.chmod(path, _DIR_MODE)  # an existing review folder keeps its own mode otherwise


def _write_bytes(path: Path, data: bytes) -> None:
    write_atomic(path, lambda f: f.write(data), mode=_FILE_MODE)


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))
