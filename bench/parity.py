"""Reads and masks of one engine configuration against another (precision, code version).

Dumps, for a fixed set of frames, every detected box and every read (text hashed, never
printed), then compares two dumps: share of lines read the same, share of frames whose
PHI masks are identical. Used for the bf16/fp16 vs fp32 parity numbers in bench/RESULTS.md
and for before/after checks of pre/post-processing changes.

    python bench/parity.py dump --out fp32.json
    python bench/parity.py dump --precision bf16 --out bf16.json
    python bench/parity.py compare fp32.json bf16.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA = Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))


def parity_frames(count: int) -> list[tuple[object, object]]:
    """(frame, context) pairs: synthetic CT/MR/RGB frames with burned-in PHI of several sizes."""
    from tests.synth import make_frame

    kinds = [dict(bits=16), dict(bits=12), dict(bits=8, photometric="RGB"), dict(bits=12, text_value="min")]
    out = []
    for i in range(count):
        synth = make_frame(5000 + i, 384 + 64 * (i % 3), 448 + 64 * (i % 4), sizes=(9, 22), **kinds[i % len(kinds)])
        out.append((synth.frame, synth.context))
    return out


def dump(args: argparse.Namespace) -> dict:
    from pixelsvc.config import EngineConfig
    from pixelsvc.pipeline import Engine

    extra = {"precision": args.precision} if args.precision else {}
    engine = Engine(EngineConfig(device=args.device, **extra))
    frames = []
    for frame, context in parity_frames(args.frames):
        [result] = engine.process([frame], context)
        frames.append({
            "reads": [[[v.read.box.x0, v.read.box.y0, v.read.box.x1, v.read.box.y1],
                       hashlib.sha256(v.read.text.encode()).hexdigest()[:16], round(v.read.confidence, 4),
                       bool(v.mask)]
                      for v in result.verdicts],
            "shape": list(frame.pixels.shape[:2]),
            "masks": sorted([b.x0, b.y0, b.x1, b.y1] for b in result.masked.boxes),
        })
    return {"precision": args.precision or "default", "frames": frames}


def _iou(a: list[int], b: list[int]) -> float:
    ix, iy = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _mask_pixels(frame: dict) -> np.ndarray:
    cover = np.zeros(frame["shape"], bool)
    for x0, y0, x1, y1 in frame["masks"]:
        cover[y0:y1, x0:x1] = True
    return cover


def compare(a: dict, b: dict) -> dict:
    """Lines are matched by box (IoU >= 0.5: a box may move by a pixel); a line agrees when its text
    hash and its mask verdict are equal. A line found on one side only counts as a disagreement.
    Masks: frames whose mask rectangles are identical, and the worst masked-pixel IoU."""
    lines = same = same_verdict = frames_same_masks = 0
    max_conf, worst_mask_iou = 0.0, 1.0
    for fa, fb in zip(a["frames"], b["frames"], strict=True):
        unmatched = list(fb["reads"])
        for box, text, conf, masked in fa["reads"]:
            lines += 1
            best = max(unmatched, key=lambda r, box=box: _iou(box, r[0]), default=None)
            if best is None or _iou(box, best[0]) < 0.5:
                continue
            unmatched.remove(best)
            same += best[1] == text
            same_verdict += best[3] == masked
            if best[1] == text:
                max_conf = max(max_conf, abs(best[2] - conf))
        lines += len(unmatched)
        frames_same_masks += fa["masks"] == fb["masks"]
        ma, mb = _mask_pixels(fa), _mask_pixels(fb)
        union = np.logical_or(ma, mb).sum()
        worst_mask_iou = min(worst_mask_iou, float(np.logical_and(ma, mb).sum() / union) if union else 1.0)
    return {"lines": lines, "same_text": same, "same_text_share": round(same / max(lines, 1), 4),
            "same_mask_verdict_share": round(same_verdict / max(lines, 1), 4),
            "frames": len(a["frames"]), "frames_same_mask_rects": frames_same_masks,
            "worst_frame_mask_pixel_iou": round(worst_mask_iou, 4), "max_confidence_diff": round(max_conf, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--device", default="cpu")
    d.add_argument("--precision", default="")
    d.add_argument("--frames", type=int, default=40)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        args.out.write_text(json.dumps(dump(args)))
    else:
        print(json.dumps(compare(json.loads(args.a.read_text()), json.loads(args.b.read_text())), indent=1))


if __name__ == "__main__":
    main()
