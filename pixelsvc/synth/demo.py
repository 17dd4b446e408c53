"""`pixelsvc demo`: make a small realistic sample, redact it with the embedded engine, score it against its truth.

The sample is three series drawn by the benchmark generator on procedural backgrounds
(no corpus needed): a CT-like signed 16-bit series, an ultrasound-like RGB cine and an
X-ray-like MONOCHROME1 frame (RLE), each with a fake patient in the header, fake PHI
burned in at several sizes and contrasts, and clinical annotations that must stay.
What is printed are counts and categories only, never a string's text.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pydicom.uid import ExplicitVRLittleEndian, RLELossless

from pixelsvc.synth.dicom import PixelFormat
from pixelsvc.synth.fonts import fonts_for_split
from pixelsvc.synth.generate import write_case
from pixelsvc.synth.scene import CaseSpec, make_case
from pixelsvc.synth.score import score_run

__all__ = ["DEMO_SERIES", "DemoSeries", "make_sample", "run_demo"]

DEMO_SEED = 13


@dataclass(frozen=True, slots=True)
class DemoSeries:
    name: str
    kind: str
    """Procedural background: 'ct', 'us', 'xr'."""
    fmt: PixelFormat
    size: int
    frames: int


DEMO_SERIES = (
    DemoSeries("ct-series", "ct", PixelFormat("MONOCHROME2", 16, 16, True, str(ExplicitVRLittleEndian)), 512, 3),
    DemoSeries("us-cine", "us", PixelFormat("RGB", 8, 8, False, str(ExplicitVRLittleEndian)), 640, 4),
    DemoSeries("xr-frame", "xr", PixelFormat("MONOCHROME1", 16, 12, False, str(RLELossless)), 1024, 1),
)


def make_sample(folder: Path, seed: int = DEMO_SEED) -> list[str]:
    """Write the sample series (with header values) and their truth under `folder`; returns the file names."""
    names = []
    for number, series in enumerate(DEMO_SERIES):
        rng = random.Random(f"demo:{seed}:{number}")
        spec = CaseSpec(sizes=(series.size,), frame_counts=(series.frames,), real_share=0.0, max_groups=(5, 7))
        case = make_case(rng, "dev", fonts_for_split("dev"), [], spec, fmt=series.fmt, kind=series.kind)
        write_case(case, folder, series.name, "demo", rng=rng, variants=("h",))
        names.append(f"{series.name}-h.dcm")
    return names


def run_demo(out: Path, *, device: str | None = None, stream: TextIO = sys.stdout) -> int:
    """Make the sample under out/sample, redact it into out/redacted, print what happened and the recall."""
    from pixelsvc.client.batch import load_key, run_batch
    from pixelsvc.client.headers import HeaderDeidentifier
    from pixelsvc.client.redact import EmbeddedBackend, FileRedactor
    from pixelsvc.config import load_engine_config
    from pixelsvc.pipeline import Engine
    from pixelsvc.types import Policy

    def say(text: str = "") -> None:
        print(text, file=stream, flush=True)

    sample, redacted, report_path = out / "sample", out / "redacted", out / "report.jsonl"
    if (sample / "dicom").is_dir() and any((sample / "dicom").iterdir()):
        for old in (sample / "dicom").glob("*.dcm"):
            old.unlink()
    names = make_sample(sample)
    say(f"pixelsvc demo: {len(names)} sample series with a fake patient header, fake PHI burned in and clinical "
        f"annotations, in {sample / 'dicom'}")
    start = time.perf_counter()
    engine = Engine(load_engine_config(**({"device": device} if device else {})))
    say(f"engine ready on {engine.device} in {time.perf_counter() - start:.1f} s; redacting (policy phi) ...")
    key, _path, _created = load_key(None, out / "demo")  # out/demo.key, created once (0600)
    redactor = FileRedactor(EmbeddedBackend(engine), HeaderDeidentifier(key), redacted, Policy.PHI)
    redacted.mkdir(parents=True, exist_ok=True)
    with report_path.open("w", encoding="utf-8") as report:
        summary = run_batch(redactor, [sample / "dicom" / n for n in names], report=report)
    rows = [json.loads(line) for line in report_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    say(f"{summary.line()}")
    say("")
    say(f"{'series':<12} {'frames':>6} {'text regions':>12} {'masked':>6}  masked by label")
    for row in sorted(rows, key=lambda r: r["input"]):
        regions = row.get("regions") or []
        labels = Counter(r["label"] for r in regions if r.get("masked"))
        label_text = ", ".join(f"{k} {v}" for k, v in sorted(labels.items())) or "-"
        say(f"{Path(row['input']).name.removesuffix('-h.dcm'):<12} {row.get('frames', 0):>6} {len(regions):>12} "
            f"{sum(bool(r.get('masked')) for r in regions):>6}  {label_text}"
            + (f"  [{row['status']}: {row.get('error')}]" if row.get("status") == "failed" else ""))
    result = score_run(sample, report_path)
    say("")
    say(f"against the sample's own ground truth: {_count(result['recall'], result['phi_boxes'])} PHI boxes masked "
        f"({_pct(result['recall'])})")
    cells = result["recall_by"]["category"]
    say("  by category:   " + ", ".join(f"{k} {c['masked']}/{c['boxes']}" for k, c in cells.items()))
    cells = result["recall_by"]["glyph_px"]
    say("  by glyph px:   " + ", ".join(f"{k} {c['masked']}/{c['boxes']}" for k, c in cells.items()))
    cells = result["recall_by"]["contrast"]
    say("  by contrast:   " + ", ".join(f"{k} {c['masked']}/{c['boxes']}" for k, c in cells.items()))
    say(f"  clinical annotations kept: {_count(result['distractors_kept'], result['distractors'])} "
        f"({_pct(result['distractors_kept'])}); non-text pixels changed: {100 * (result['collateral'] or 0):.2f} %")
    say("")
    say(f"de-identified DICOM in {redacted}; report (boxes, labels, rules; no text) in {report_path}")
    say("next: pixelsvc redact YOUR_DIR --out OUT --report report.jsonl")
    return 1 if summary.failed else 0


def _count(ratio: float | None, total: int) -> str:
    return f"{round((ratio or 0) * total)}/{total}"


def _pct(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{100 * ratio:.1f} %"
