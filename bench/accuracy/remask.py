"""Score mask settings offline: repaint a finished run's masked regions with other `MaskConfig` values.

The mask stage is the last one: given the boxes a run decided to mask (its report's regions with
`masked: true`), the output depends only on `pixelsvc.mask.FrameMasker`. This repaints those boxes
on the decoded inputs with the settings given, scores the result as `bench/accuracy.py` does
(`pixelsvc.synth.score`) and prints recall, distractors kept and collateral, in seconds instead of
a full run. Use it on dev to choose mask settings, then confirm with a real run of the CLI; with
the run's own settings it reproduces the run's scores (up to the optional residual check).

    python bench/accuracy/remask.py --data /tmp/acc/dev --report dev-out.report.jsonl
    python bench/accuracy/remask.py --data /tmp/acc/dev --report dev-out.report.jsonl --set margin=2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pixelsvc.config import MaskConfig, load_engine_config  # noqa: E402
from pixelsvc.dicom.decode import iter_frames, read_dataset  # noqa: E402
from pixelsvc.mask import FrameMasker  # noqa: E402
from pixelsvc.synth.score import OUTPUT_STATUSES, FileScore, score_file, summarize  # noqa: E402
from pixelsvc.synth.truth import load_masks, load_truth  # noqa: E402
from pixelsvc.types import TextBox  # noqa: E402


def _settings(pairs: list[str]) -> MaskConfig:
    """MaskConfig with `field=value` changes, parsed as `PIXELSVC_MASK_<FIELD>` variables are."""
    known = {f.name for f in dataclasses.fields(MaskConfig)}
    env = {}
    for pair in pairs:
        name, value = pair.split("=", 1)
        if name not in known:
            raise SystemExit(f"MaskConfig has no field {name!r} (fields: {', '.join(sorted(known))})")
        env[f"PIXELSVC_MASK_{name.upper()}"] = value
    return load_engine_config(env).mask


def rescored(data: Path, report: Path, config: MaskConfig) -> Iterator[FileScore]:
    """One score per reported file, its masked regions repainted with `config`."""
    masker = FrameMasker(config)
    for line in report.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        name = Path(row["input"]).name
        truth = load_truth(data / "truth" / (name[:-4] + ".json"))
        if row.get("status") not in OUTPUT_STATUSES:
            yield score_file(truth, [], None, None)
            continue
        frames = list(iter_frames(read_dataset(data / "dicom" / name), "remask"))
        boxes: dict[int, list[TextBox]] = {}
        for region in row.get("regions") or []:
            if region["masked"]:
                boxes.setdefault(region["frame"], []).append(TextBox(*region["box"], 1.0))
        after = [masker.mask(frame, boxes.get(i, [])).pixels for i, frame in enumerate(frames)]
        yield score_file(truth, load_masks(data / "truth" / truth.masks), [f.pixels for f in frames], after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--report", type=Path, required=True, help="the run's report (OUT.report.jsonl)")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="MaskConfig changes")
    parser.add_argument("--json", type=Path, default=None, help="write the whole result here (misses included)")
    args = parser.parse_args()
    config = _settings(args.set)
    result = summarize(rescored(args.data, args.report, config))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    by_glyph = {k: v["recall"] for k, v in result["recall_by"]["glyph_px"].items()}
    print(json.dumps({"settings": args.set, "recall": result["recall"], "distractors_kept": result["distractors_kept"],
                      "collateral": result["collateral"], "collateral_away": result["collateral_away"],
                      "largest_false_mask_pct": result["largest_false_mask_pct"], "recall_by_glyph": by_glyph}))


if __name__ == "__main__":
    main()
