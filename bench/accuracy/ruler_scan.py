"""What the detector's scale-bar rule drops on a benchmark folder, checked against the truth.

Runs render + detect (no recognition) over the with-header files of a folder written by
`bench/accuracy/generate.py`, records every box `pixelsvc.ink.is_ruler` calls a scale bar, and
counts where those boxes lie: over a drawn scale bar, over PHI, over other text, or elsewhere.
A dropped box over PHI or other text is a regression of the rule (it prints the file, frame,
box and the truth category, never text):

    python bench/accuracy/ruler_scan.py --data /tmp/b12/dev
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pixelsvc.config import load_engine_config
from pixelsvc.dicom.decode import iter_frames, read_dataset
from pixelsvc.ocr import det
from pixelsvc.pipeline import Engine
from pixelsvc.types import TextBox


def _overlaps(box: list[int], other: TextBox) -> bool:
    return min(box[2], other.x1) > max(box[0], other.x0) and min(box[3], other.y1) > max(box[1], other.y0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--limit", type=int, default=1000, help="first N with-header files")
    args = parser.parse_args()
    torch.set_num_threads(1)
    engine = Engine(load_engine_config())
    dropped: list[TextBox] = []
    is_ruler = det.is_ruler

    def recording(pixels, box):
        verdict = is_ruler(pixels, box)
        if verdict:
            dropped.append(box)
        return verdict

    det.is_ruler = recording
    counts = {"frames": 0, "dropped": 0, "on_scale_bar": 0, "on_phi": 0, "on_other_text": 0, "elsewhere": 0}
    for path in sorted((args.data / "dicom").glob("*-h.dcm"))[:args.limit]:
        truth = json.loads((args.data / "truth" / f"{path.stem}.json").read_text())
        for index, frame in enumerate(iter_frames(read_dataset(path))):
            dropped.clear()
            engine.detector.detect_frames([engine.renderer.render(frame)])
            counts["frames"] += 1
            for box in set(dropped):
                counts["dropped"] += 1
                under = [s for s in truth["strings"] if s["frame"] == index and _overlaps(s["box"], box)]
                if any(s["text"].startswith("<") for s in under):
                    counts["on_scale_bar"] += 1
                    continue
                kind = ("on_phi" if any(s["category"] not in ("DISTRACTOR", "LABEL") for s in under)
                        else "on_other_text" if under else "elsewhere")
                counts[kind] += 1
                if under:
                    categories = sorted({s["category"] for s in under})
                    print(kind, path.name, index, (box.x0, box.y0, box.x1, box.y1), categories)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
