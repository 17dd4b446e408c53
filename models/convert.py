"""Convert every registered PP-OCR model to the torch cache format ahead of time.

Usage: python models/convert.py --cache-dir /opt/pixelsvc/models
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pixelsvc.ocr.weights import load_program
from pixelsvc.ocr.zoo import MODELS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, required=True, help="folder for <sha256>.pt files")
    args = parser.parse_args()
    for spec in MODELS.values():
        start = time.perf_counter()
        program = load_program(spec, args.cache_dir)
        print(f"{spec.name}: {len(program.nodes)} nodes, sha256 {spec.sha256[:12]}…, "
              f"{time.perf_counter() - start:.2f}s -> {args.cache_dir / (spec.sha256 + '.pt')}")


if __name__ == "__main__":
    main()
