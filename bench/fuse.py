"""Graph fusion (`pixelsvc.ocr.nets.fuse`): forward time of the exported and the fused nets, one run.

Both programs come from the same hash-checked model; each net is timed on the same random input,
alternating exported/fused for `--rounds` rounds after a warm-up, on the CPU with torch's default
threads. Prints one markdown table (median seconds per forward, ratio, largest output difference).

    python bench/fuse.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pixelsvc.config import EngineConfig
from pixelsvc.ocr.nets.fuse import fuse_program
from pixelsvc.ocr.nets.onnx_graph import OnnxGraphModule
from pixelsvc.ocr.weights import load_program
from pixelsvc.ocr.zoo import get_spec

CASES = (
    ("ppocrv6-small-det", "det", (1, 3, 736, 992), "a 743x975 cine frame at the detector's scale"),
    ("ppocrv6-small-rec", "rec", (16, 3, 48, 320), "16 line crops 320 px wide"),
)


def _seconds(module: OnnxGraphModule, x: torch.Tensor) -> float:
    start = time.perf_counter()
    module(x)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cache = EngineConfig().cache_dir
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.rounds} rounds\n")
    print("| net | input | nodes exported / fused | s exported | s fused | fused / exported | max abs diff |")
    print("|---|---|---|---|---|---|---|")
    for name, kind, shape, what in CASES:
        program = load_program(get_spec(name, kind), cache)
        fused_program = fuse_program(program)
        exported, fused = OnnxGraphModule(program).eval(), OnnxGraphModule(fused_program).eval()
        x = torch.rand(shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
        times: dict[str, list[float]] = {"exported": [], "fused": []}
        with torch.inference_mode():
            diff = float((exported(x) - fused(x)).abs().max())  # also the warm-up
            for _ in range(args.rounds):
                times["exported"].append(_seconds(exported, x))
                times["fused"].append(_seconds(fused, x))
        a, b = statistics.median(times["exported"]), statistics.median(times["fused"])
        print(f"| {kind} | {what} | {len(program.nodes)} / {len(fused_program.nodes)} | {a:.3f} | {b:.3f} | "
              f"{b / a:.2f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
