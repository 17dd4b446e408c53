"""Score classifier changes offline: classify and mask a benchmark split again from its saved reads.

Detection and recognition take nearly all of a run's time; classification and masking take
seconds. `dump` runs the engine's read stages (`Engine.read_text`: render, detect, recognise)
once over a split written by `bench/accuracy/generate.py` and saves every frame's reads;
`score` then runs the last stages (`Engine.finish`: classify, mask) with the working tree's
rules on those reads and scores the masked frames as `bench/accuracy.py` does. With the code
the dump was made with, `score` gives the CLI run's figures. Use it on dev to choose PHI rules,
then confirm with a real run of the CLI (a change to render, detect or recognise needs a new
dump).

The dump holds the benchmark's recognised text (synthetic PHI only): it is written owner-only,
and this tool refuses a folder without the generator's truth files.

    python bench/accuracy/reclassify.py dump --data /tmp/acc/dev --reads /tmp/acc/dev.reads.pkl
    python bench/accuracy/reclassify.py score --data /tmp/acc/dev --reads /tmp/acc/dev.reads.pkl --json dev.json
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pixelsvc.config import load_engine_config  # noqa: E402
from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset  # noqa: E402
from pixelsvc.pipeline import Engine  # noqa: E402
from pixelsvc.synth.score import FileScore, score_file, summarize  # noqa: E402
from pixelsvc.synth.truth import load_masks, load_truth  # noqa: E402
from pixelsvc.types import TextRead  # noqa: E402

_FORMAT = 1


def _files(data: Path) -> list[Path]:
    if not (data / "truth").is_dir():
        raise SystemExit(f"{data} has no truth/ folder: not a split written by bench/accuracy/generate.py")
    return sorted((data / "dicom").glob("*.dcm"))


def dump(data: Path, reads_path: Path, engine: Engine) -> None:
    """Save the reads of every frame of every file (duplicate frames read once, as the engine does)."""
    saved: dict[str, list[list[TextRead]] | None] = {}
    files = _files(data)
    for number, path in enumerate(files, 1):
        try:
            frames = list(iter_frames(read_dataset(path), "reclassify"))
        except Exception as exc:  # a file the CLI fails on is scored as failed
            print(f"{path.name}: not decoded ({type(exc).__name__})", file=sys.stderr)
            saved[path.name] = None
            continue
        first_of, unique = engine._dedup(frames)  # the engine's own frame dedup
        reads = engine.read_text(unique)
        by_unique = {id(frame): r for frame, r in zip(unique, reads, strict=True)}
        saved[path.name] = [by_unique[id(frames[first_of[i]])] for i in range(len(frames))]
        print(f"[{number}/{len(files)}] {path.name}: {len(frames)} frames", file=sys.stderr, flush=True)
    fd = os.open(reads_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        pickle.dump({"format": _FORMAT, "files": saved}, out)


def rescored(data: Path, reads_path: Path, engine: Engine) -> Iterator[FileScore]:
    """One score per file, its saved reads classified and masked by the working tree's rules."""
    with reads_path.open("rb") as handle:
        saved = pickle.load(handle)  # our own dump, written owner-only
    if saved.get("format") != _FORMAT:
        raise SystemExit(f"{reads_path}: not a dump of this version of the tool")
    policy = engine.config.policy
    for path in _files(data):
        truth = load_truth(data / "truth" / (path.name[:-4] + ".json"))
        reads = saved["files"].get(path.name)
        if reads is None:
            yield score_file(truth, [], None, None)
            continue
        ds = read_dataset(path)
        frames = list(iter_frames(ds, "reclassify"))
        context = phi_context(ds)
        after = [result.masked.pixels for result in engine.finish_series(frames, reads, context, policy)]
        yield score_file(truth, load_masks(data / "truth" / truth.masks), [f.pixels for f in frames], after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("dump", "score"))
    parser.add_argument("--data", type=Path, required=True, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--reads", type=Path, required=True, help="the dump of reads (written by `dump`)")
    parser.add_argument("--json", type=Path, default=None, help="score: write the whole result here")
    args = parser.parse_args()
    engine = Engine(load_engine_config(device="cpu"))
    if args.action == "dump":
        dump(args.data, args.reads, engine)
        return
    result = summarize(rescored(args.data, args.reads, engine))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    by_glyph = {k: v["recall"] for k, v in result["recall_by"]["glyph_px"].items()}
    print(json.dumps({"recall": result["recall"], "distractors_kept": result["distractors_kept"],
                      "collateral": result["collateral"], "collateral_away": result["collateral_away"],
                      "largest_false_mask_pct": result["largest_false_mask_pct"], "recall_by_glyph": by_glyph}))


if __name__ == "__main__":
    main()
