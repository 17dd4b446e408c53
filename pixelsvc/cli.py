"""Command line: `pixelsvc scan` runs the embedded engine over DICOM files.

`scan` decodes every frame, finds and classifies burned-in text and writes one JSON line
per input file (boxes, labels, rule names; never the text). It writes no DICOM: the
de-identifying `redact` client is a separate piece of work.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pixelsvc.config import load_engine_config
from pixelsvc.errors import NotDicomError, PixelsvcError
from pixelsvc.types import Policy

__all__ = ["main"]

log = logging.getLogger("pixelsvc")


def _inputs(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _scan(args: argparse.Namespace) -> int:
    from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset
    from pixelsvc.pipeline import Engine

    config = load_engine_config(**({"device": args.device} if args.device else {}))
    engine = Engine(config)
    policy = Policy(args.policy)
    report = args.report.open("w") if args.report else None
    counts: Counter[str] = Counter()
    frames_done = 0
    start = time.perf_counter()
    try:
        for path in _inputs(args.inputs):
            line: dict[str, object] = {"input": str(path), "status": "failed", "frames": 0, "regions": [],
                                       "residual": 0, "error": None}
            try:
                ds = read_dataset(path)
                frames = list(iter_frames(ds, "cli"))
                results = engine.process(frames, phi_context(ds), policy, residual_check=args.residual_check)
            except NotDicomError as exc:
                line.update(status="skipped", error=str(exc))
            except PixelsvcError as exc:
                line.update(status="failed", error=str(exc))
            else:
                frames_done += len(frames)
                regions = [
                    {"frame": r.key[1], "box": [v.read.box.x0, v.read.box.y0, v.read.box.x1, v.read.box.y1],
                     "label": v.label.value, "confidence": round(v.read.confidence, 3), "rule": v.rule,
                     "masked": v.mask}
                    for r in results for v in r.verdicts
                ]
                line.update(frames=len(frames), regions=regions,
                            residual=sum(len(r.residual) for r in results),
                            status="phi" if any(r["masked"] for r in regions) else "clean")
            counts[str(line["status"])] += 1
            if report:
                report.write(json.dumps(line) + "\n")
    finally:
        if report:
            report.close()
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{sum(counts.values())} inputs ({summary}); {frames_done} frames in {elapsed:.1f}s "
          f"({frames_done / max(elapsed, 1e-9):.2f} frames/s) on {engine.device}")
    return 1 if counts.get("failed") else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pixelsvc", description="Remove burned-in PHI from DICOM pixel data")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="find and classify burned-in text (embedded engine, report only)")
    scan.add_argument("inputs", nargs="+", type=Path, help="DICOM files or folders (recursive)")
    scan.add_argument("--report", type=Path, help="write one JSON line per input here")
    scan.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.PHI.value)
    scan.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: auto)")
    scan.add_argument("--residual-check", action="store_true", help="re-read masked frames and count leaks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # pydicom logs each decoder plug-in it tries and its value-validation warnings quote header
    # values (PHI): silence it; a file that fails is reported with our own, PHI-free error
    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)
    return _scan(args)


if __name__ == "__main__":
    sys.exit(main())
