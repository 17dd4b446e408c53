"""Generate the labelled accuracy benchmark: synthetic PHI and clinical annotations burned into DICOM.

    python bench/accuracy/generate.py --split dev  --out /tmp/acc/dev     # ~1,000 PHI boxes: tune on this
    python bench/accuracy/generate.py --split test --out /tmp/acc/test    # >= 3,000 PHI boxes: report only
    python bench/accuracy/generate.py --split dev --limit 5 --out /tmp/acc/tiny

Deterministic by (split, seed). The test split is held out: its background source files,
name/place word pools and some font families never appear in dev. Backgrounds come from
--data (default ../shared/data) when present, else procedural frames only. Needs the
fonts that scripts/bench-fonts.sh installs (falls back to Pillow's built-in font).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pixelsvc.synth.generate import SPLITS, generate_split  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    parser.add_argument("--seed", type=int, default=None, help="default: the split's fixed seed")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="generate only the first N cases")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                        help="corpus with real/CATALOG.tsv for real backgrounds (default ../shared/data)")
    args = parser.parse_args(argv)
    if any(args.out.glob("dicom/*.dcm")):
        print(f"{args.out} already holds a benchmark; use an empty folder", file=sys.stderr)
        return 2
    start = time.perf_counter()
    manifest = generate_split(args.split, args.out, seed=args.seed, limit=args.limit, data_root=args.data)
    summary = {k: manifest[k] for k in ("split", "seed", "cases", "files", "frames_per_variant",
                                        "phi_boxes_per_variant", "strings_by_category", "backgrounds")}
    print(json.dumps(summary, indent=1))
    print(f"written in {time.perf_counter() - start:.1f} s to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
