"""Where each missed PHI string of a scored run went wrong: never detected, masked in part, or read and kept.

Reads the `--json` result of `bench/accuracy.py` (its `misses`: file, frame, box, axes) and the
run's report (`pixelsvc redact --report`: regions with label, rule, confidence, masked). A miss
with no report region over its box was never detected; one whose overlapping regions are all
masked was masked in part (the mask missed some of its ink); one with only unmasked regions over
it was read and kept; `mixed` has both. Prints counts, then the kept and mixed misses with the
labels and rules of the regions over them. Then the distractors that were masked (the result's
`distractors_lost`), counted by the label and rule of the masked regions over them, which says
why: read as PHI, unreadable (fail closed), or caught in a box with a PHI line. Nothing here
holds or prints text.

    python bench/accuracy/where_missed.py dev.json OUT.report.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any


def _overlap(a: list[int], b: list[int]) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def classify_miss(miss: dict[str, Any], regions: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """('undetected' | 'partial' | 'kept' | 'mixed', the report regions over the missed box)."""
    over = [r for r in regions if r["frame"] == miss["frame"] and _overlap(miss["box"], r["box"]) > 0]
    if not over:
        return "undetected", over
    masked = [r["masked"] for r in over]
    if all(masked):
        return "partial", over
    return ("kept" if not any(masked) else "mixed"), over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="the --json of bench/accuracy.py")
    parser.add_argument("report", type=Path, help="the run's report (OUT.report.jsonl)")
    args = parser.parse_args()
    result = json.loads(args.result.read_text(encoding="utf-8"))
    regions_by_file: dict[str, list[dict[str, Any]]] = {}
    for line in args.report.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        regions_by_file[Path(row["input"]).name] = row.get("regions") or []
    counts: Counter[str] = Counter()
    for miss in result["misses"]:
        kind, over = classify_miss(miss, regions_by_file.get(miss["file"], []))
        counts[kind] += 1
        if kind in ("kept", "mixed"):
            shown = [(r["label"], r["rule"], round(r["confidence"], 2), r["masked"]) for r in over]
            print(f"{kind:6} {miss['file']} frame {miss['frame']} {miss['category']} {miss['glyph_px']} px "
                  f"{miss['contrast']} covered {miss['covered']:.2f}: {shown}")
    print(dict(counts.most_common()), f"of {len(result['misses'])} misses")
    causes: Counter[str] = Counter()
    for lost in result.get("distractors_lost", []):
        over = [r for r in regions_by_file.get(lost["file"], [])
                if r["frame"] == lost["frame"] and r["masked"] and _overlap(lost["box"], r["box"]) > 0]
        causes.update({" + ".join(sorted({f"{r['label']}/{r['rule']}" for r in over})) or "no masked region": 1})
    if causes:
        print(f"{len(result['distractors_lost'])} distractors lost, by the masked regions over them:")
        for cause, n in causes.most_common():
            print(f"  {n:5}  {cause}")


if __name__ == "__main__":
    main()
