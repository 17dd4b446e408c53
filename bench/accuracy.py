"""Score `pixelsvc redact` on the labelled accuracy benchmark (see bench/accuracy/generate.py).

Runs the user's CLI as a subprocess (``python -m pixelsvc.cli redact DIR/dicom --out OUT
--report R.jsonl``), maps each output back to its input through the report, decodes both
and reports recall per category, glyph height, contrast, opacity, header variant and
more; distractors kept; collateral; the largest false mask; seconds per frame
(definitions: pixelsvc/synth/score.py). Nothing printed carries a string's text.

    python bench/accuracy.py --data /tmp/acc/dev --json dev.json --markdown dev.md
    python bench/accuracy.py --data /tmp/acc/test --limit 20           # first 20 cases only
    python bench/accuracy.py --data /tmp/acc/dev --report old.jsonl    # rescore a finished run
    python bench/accuracy.py --data /tmp/acc/dev --out /tmp/o --resume   # finish an interrupted run
    python bench/accuracy.py --compare before=dev0.json after=dev1.json  # side-by-side table
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pixelsvc.synth.score import compare_markdown, markdown, score_run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a folder written by bench/accuracy/generate.py")
    parser.add_argument("--compare", nargs="+", metavar="NAME=JSON",
                        help="print one side-by-side table of earlier --json results (no run)")
    parser.add_argument("--policy", default="phi")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N cases (both variants)")
    parser.add_argument("--out", type=Path, default=None, help="redacted output folder (default: a temporary one)")
    parser.add_argument("--report", type=Path, default=None,
                        help="score this existing report instead of running the CLI")
    parser.add_argument("--device", default=None, help="passed to pixelsvc redact --device")
    parser.add_argument("--resume", action="store_true",
                        help="with --out: keep the files OUT.report.jsonl already holds and run only the others")
    parser.add_argument("--json", type=Path, default=None, help="write the metrics here")
    parser.add_argument("--markdown", type=Path, default=None, help="write the tables here")
    args = parser.parse_args(argv)
    if args.compare:
        runs = dict(item.split("=", 1) for item in args.compare)
        print(compare_markdown({k: json.loads(Path(v).read_text(encoding="utf-8")) for k, v in runs.items()}))
        return 0
    if args.data is None:
        parser.error("--data is required (or --compare)")

    names = sorted(p.name for p in (args.data / "dicom").glob("*.dcm"))
    if args.limit is not None:
        cases = sorted({n.rsplit("-", 1)[0] for n in names})[: args.limit]
        names = [n for n in names if n.rsplit("-", 1)[0] in set(cases)]
    if not names:
        print(f"no benchmark files under {args.data}/dicom", file=sys.stderr)
        return 2
    wall = None
    with tempfile.TemporaryDirectory(prefix="pixelsvc-acc-") as tmp:
        report = args.report
        if report is None:
            out = args.out or Path(tmp) / "out"
            report = Path(tmp) / "report.jsonl" if args.out is None else args.out.with_suffix(".report.jsonl")
            done = _reported(report) if args.resume else {}
            todo = [n for n in names if n not in done]
            resumed = len(todo) < len(names)
            key = _key(Path(tmp))
            start = time.perf_counter()
            for attempt in range(1, 4):  # a CLI killed mid-run (memory, signal) is resumed on what is left
                if not todo:
                    break
                part = Path(tmp) / f"part{attempt}.jsonl"
                code = _run_cli(args, [args.data / "dicom" / n for n in todo], out, part, key)
                done.update(_reported(part))
                todo = [n for n in names if n not in done]
                if code in (0, 1):  # 1: some files failed (scored as misses)
                    break
                todo = todo[1:] + todo[:1]  # the file in flight when it died goes last: it may be the cause
                print(f"pixelsvc redact exited with {code} after {len(names) - len(todo)} of {len(names)} files"
                      + ("; resuming" if todo and attempt < 3 else ""), file=sys.stderr)
            wall = None if resumed else time.perf_counter() - start  # a resumed run's wall time covers part of it
            report.write_text("".join(done.values()), encoding="utf-8")
        result = score_run(args.data, report, files=set(names))
    result["policy"] = args.policy
    if wall is not None:
        result["cli_wall_seconds"] = round(wall, 1)
        result["cli_seconds_per_frame"] = round(wall / max(1, result["frames"]), 3)
    table = markdown(result, f"{args.data.name} ({result['files']} files, policy {args.policy})")
    print(table)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    return 0


def _run_cli(args: argparse.Namespace, inputs: list[Path], out: Path, report: Path, key: Path) -> int:
    """`pixelsvc redact` as a user runs it; returns its exit code."""
    cmd = [sys.executable, "-m", "pixelsvc.cli", "redact", *map(str, inputs), "--out", str(out),
           "--report", str(report), "--policy", args.policy, "--no-progress", "--key-file", str(key)]
    if args.device:
        cmd += ["--device", args.device]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    if run.stdout.strip():
        print(run.stdout.strip().splitlines()[-1], file=sys.stderr)
    if run.returncode not in (0, 1):
        print(run.stderr[-2000:], file=sys.stderr)
    return run.returncode


def _reported(report: Path) -> dict[str, str]:
    """Input file name -> its report line, for the lines a (possibly interrupted) run wrote."""
    lines: dict[str, str] = {}
    if report.is_file():
        for line in report.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.strip():
                try:
                    lines[Path(json.loads(line)["input"]).name] = line if line.endswith("\n") else line + "\n"
                except (ValueError, KeyError):
                    continue  # a line cut short by a kill
    return lines


def _key(folder: Path) -> Path:
    """A throw-away secret for the run's pseudonyms (the benchmark does not look at headers)."""
    path = folder / "bench.key"
    path.write_text(os.urandom(16).hex() + "\n")
    path.chmod(0o600)
    return path


if __name__ == "__main__":
    sys.exit(main())
