"""CPU seconds per frame of the engine on accuracy-benchmark files: this checkout against a base commit.

Issue 10 bounds the engine's CPU time per frame at 1.5x the old engine's on the same benchmark.
Wall time on a shared machine depends on everyone else's load; process CPU time with one torch
thread depends much less on it. Both checkouts run the same files in child processes, alternating
(base, head, base, head), and the ratio is taken within the run:

    python bench/cpu_ratio.py --data /tmp/acc/dev --base bcd0446 --limit 12 --json out.json

Each child decodes every file with its own checkout's decoder, runs `Engine.process` with the
header context (default policy, one warm-up file first) and reports process CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time, torch
tree, files = sys.argv[1], sys.argv[2:]
sys.path.insert(0, tree)
torch.set_num_threads(1)
from pixelsvc.config import EngineConfig
from pixelsvc.pipeline import Engine
from pixelsvc.dicom.decode import read_dataset, iter_frames, phi_context
engine = Engine(EngineConfig(device="cpu"))
def run(path):
    ds = read_dataset(path)
    frames = list(iter_frames(ds))
    engine.process(frames, phi_context(ds))
    return len(frames)
run(files[0])
cpu = time.process_time()
frames = sum(run(f) for f in files)
print("RESULT", json.dumps({"frames": frames, "cpu_seconds": time.process_time() - cpu}))
"""


def _measure(tree: Path, files: list[str]) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(tree), *files], cwd=tree, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--base", default="bcd0446", help="the commit to compare with")
    parser.add_argument("--limit", type=int, default=12, help="files (with-header variant, first N cases)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    files = sorted(str(p) for p in (args.data / "dicom").glob("*-h.dcm"))[: args.limit]
    with tempfile.TemporaryDirectory(prefix="pixelsvc-base-") as tmp:
        archive = subprocess.run(["git", "archive", args.base], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        runs: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
        for _ in range(args.rounds):
            for name, tree in (("base", Path(tmp)), ("head", REPO)):
                runs[name].append(_measure(tree, files))
                print(name, runs[name][-1], flush=True)
    per_frame = {name: sum(r["cpu_seconds"] for r in rs) / sum(r["frames"] for r in rs) for name, rs in runs.items()}
    result = {"base": args.base, "files": len(files), "frames": runs["head"][0]["frames"], "rounds": args.rounds,
              "cpu_s_per_frame": per_frame, "ratio": per_frame["head"] / per_frame["base"]}
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
