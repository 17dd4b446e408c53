"""CPU seconds per frame: `pixelsvc redact` against Presidio's DicomImageRedactorEngine, same files, one run.

Issue 12 asks for `pixelsvc redact` at <= 0.5x Presidio's seconds per frame on CPU. Both tools run
in their own child process with one thread (OMP_NUM_THREADS=1, OMP_THREAD_LIMIT=1 for tesseract,
one torch thread), alternating presidio, pixelsvc, presidio, pixelsvc, into fresh output folders.
Per run we take wall seconds and process CPU seconds (the child and everything it waited for:
tesseract subprocesses, pixelsvc's decoder processes), start-up included, as a user would see it.

Presidio (bench-only venv from `bench/presidio_setup.sh`) runs `redact_from_file` file by file
(use_metadata=True, its defaults otherwise); a file it raises on is a failure, and its time is
kept out of the per-frame figures. pixelsvc runs as the user would,
`python -m pixelsvc.cli redact FILES --out OUT --report R.jsonl --no-progress`, twice per round:
once on the files Presidio completed in the first round (the like-for-like set the ratio is
taken on) and once on the files Presidio failed on.

    bash bench/presidio_setup.sh
    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/presidio_compare.py --json out.json --md out.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))
PRESIDIO_VENV = Path(os.environ.get("PRESIDIO_VENV", "/work/presidio-venv"))

# A handful of single- and multi-frame files of ../shared/data/real with visible text, mixed
# photometrics, sizes and transfer syntaxes (see its CATALOG.tsv).
REAL_FILES = [
    "pydicom/examples_rgb_color.dcm",
    "pydicom-data/US1_UNCR.dcm",
    "dcm4che/ovly_p01.dcm",
    "dwv/gdcm-CT-MONO2-8-abdo.dcm",
    "pydicom/examples_palette.dcm",
    "deid-data/ultrasounds/GREYSCALE_IMAGE.dcm",
    "spark-ocr-workshop/MultiframeTest.dcm",
    "dcm4che/cplx_p02.dcm",
    "pydicom-data/OBXXXX1A_rle_2frame.dcm",
    "dicomParser/encapsulated/multi-frame/IM00001.fragmented_no_bot_jpeg_baseline.50.dcm",
]

_PRESIDIO_CHILD = r"""
import json, os, resource, sys, time, traceback
out, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_image_redactor import DicomImageRedactorEngine, ImageAnalyzerEngine
nlp = NlpEngineProvider(nlp_configuration={
    "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
engine = DicomImageRedactorEngine(image_analyzer_engine=ImageAnalyzerEngine(
    analyzer_engine=AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])))
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
rows = []
for i, path in enumerate(files):
    wall, c0 = time.perf_counter(), cpu()
    try:
        engine.redact_from_file(path, os.path.join(out, str(i)), use_metadata=True, verbose=False)
        error = None
    except Exception as exc:  # a crash on one file is that file's failure, not the run's
        error = type(exc).__name__ + ": " + str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
    rows.append({"file": path, "ok": error is None, "error": error,
                 "wall_s": time.perf_counter() - wall, "cpu_s": cpu() - c0})
print("RESULT " + json.dumps(rows))
"""


def _child_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1", "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "TORCH_NUM_THREADS": "1", "PYTHONPATH": str(tree)}


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run one child; wall seconds and CPU seconds of it and every descendant it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu


def count_frames(path: Path) -> int:
    """Frames in a file's pixel data (0 without pixel data), read from the header only."""
    import pydicom
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        # stop_before_pixels hides the element: look for its tag in the raw file instead.
        with open(path, "rb") as fh:
            raw = fh.read()
        if b"\xe0\x7f\x10\x00" not in raw:
            return 0
    return int(getattr(ds, "NumberOfFrames", 1) or 1)


def run_presidio(files: list[Path], work: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix="presidio-", dir=work))
    cmd = [str(PRESIDIO_VENV / "bin" / "python"), "-c", _PRESIDIO_CHILD, str(out),
           str(PRESIDIO_VENV / "spacy-blank-en"), *map(str, files)]
    proc, wall, cpu = _timed(cmd, _child_env(REPO))
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"presidio child failed (rc {proc.returncode}): {proc.stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": cpu, "files": json.loads(line[7:])}


def run_pixelsvc(files: list[Path], work: Path, tree: Path) -> dict:
    out = Path(tempfile.mkdtemp(prefix="pixelsvc-", dir=work))
    report = out.with_suffix(".jsonl")
    cmd = [sys.executable, "-m", "pixelsvc.cli", "redact", *map(str, files), "--out", str(out / "out"),
           "--report", str(report), "--device", "cpu", "--no-progress"]
    proc, wall, cpu = _timed(cmd, _child_env(tree))
    lines = [json.loads(x) for x in report.read_text().splitlines()] if report.exists() else []
    statuses: dict[str, int] = {}
    for entry in lines:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    summary = next((x for x in (proc.stdout + proc.stderr).splitlines() if " frames in " in x), "")
    return {"wall_s": wall, "cpu_s": cpu, "rc": proc.returncode, "statuses": statuses,
            "frames_reported": sum(int(e.get("frames") or 0) for e in lines), "summary": summary,
            "file_wall_s": {e["input"]: float(e.get("seconds") or 0.0) for e in lines}}


def _per_frame(seconds: float, frames: int) -> float | None:
    return seconds / frames if frames else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tree", type=Path, default=REPO, help="pixelsvc checkout to run (PYTHONPATH)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path)
    args = parser.parse_args(argv)

    presidio_dir = DATA / "presidio"
    files = sorted(presidio_dir.glob("*.dcm")) + sorted((presidio_dir / "derived").glob("*.dcm"))
    files += [DATA / "real" / name for name in REAL_FILES]
    frames = {str(f): count_frames(f) for f in files}
    work = Path(tempfile.mkdtemp(prefix="presidio-compare-"))

    rounds: list[dict] = []
    completed: list[Path] | None = None
    for number in range(args.rounds):
        presidio = run_presidio(files, work)
        ok = [Path(r["file"]) for r in presidio["files"] if r["ok"]]
        if completed is None:
            completed = ok
        print(f"round {number + 1} presidio: {presidio['wall_s']:.1f} s wall, {len(ok)}/{len(files)} files ok",
              flush=True)
        failed = [f for f in files if f not in completed]
        pix_ok = run_pixelsvc(completed, work, args.tree)
        pix_failed = run_pixelsvc(failed, work, args.tree) if failed else None
        print(f"round {number + 1} pixelsvc: {pix_ok['wall_s']:.1f} s wall on Presidio's completed files",
              flush=True)
        rounds.append({"presidio": presidio, "pixelsvc_completed": pix_ok, "pixelsvc_presidio_failed": pix_failed,
                       "presidio_ok_this_round": [str(p) for p in ok]})

    assert completed is not None
    frames_ok = sum(frames[str(f)] for f in completed)
    rows = []
    for number, r in enumerate(rounds, 1):
        # Presidio's whole-process time minus the files it failed on: start-up stays in, like pixelsvc's.
        fail_wall = sum(x["wall_s"] for x in r["presidio"]["files"] if Path(x["file"]) not in completed)
        fail_cpu = sum(x["cpu_s"] for x in r["presidio"]["files"] if Path(x["file"]) not in completed)
        pres_wall = _per_frame(r["presidio"]["wall_s"] - fail_wall, frames_ok)
        pres_cpu = _per_frame(r["presidio"]["cpu_s"] - fail_cpu, frames_ok)
        pix_wall = _per_frame(r["pixelsvc_completed"]["wall_s"], frames_ok)
        pix_cpu = _per_frame(r["pixelsvc_completed"]["cpu_s"], frames_ok)
        # Excluding start-up: Presidio's own per-file times, pixelsvc's per-file seconds from its report.
        pres_loop = _per_frame(sum(x["wall_s"] for x in r["presidio"]["files"] if x["ok"]), frames_ok)
        pix_loop = _per_frame(sum(r["pixelsvc_completed"]["file_wall_s"].values()), frames_ok)
        rows.append({"round": number, "frames": frames_ok, "presidio_wall_s_per_frame": pres_wall,
                     "presidio_loop_wall_s_per_frame": pres_loop, "pixelsvc_loop_wall_s_per_frame": pix_loop,
                     "ratio_loop_wall": pix_loop / pres_loop,
                     "presidio_cpu_s_per_frame": pres_cpu, "pixelsvc_wall_s_per_frame": pix_wall,
                     "pixelsvc_cpu_s_per_frame": pix_cpu, "ratio_wall": pix_wall / pres_wall,
                     "ratio_cpu": pix_cpu / pres_cpu})
    per_file = [{"file": str(f.relative_to(DATA)), "frames": frames[str(f)], "presidio_ok": f in completed,
                 "presidio_error": next((x["error"] for x in rounds[0]["presidio"]["files"]
                                         if x["file"] == str(f)), None),
                 "presidio_wall_s": [next(x["wall_s"] for x in r["presidio"]["files"] if x["file"] == str(f))
                                     for r in rounds],
                 "pixelsvc_wall_s": [(r["pixelsvc_completed"]["file_wall_s"] | (r["pixelsvc_presidio_failed"] or {})
                                      .get("file_wall_s", {})).get(str(f)) for r in rounds]} for f in files]
    result = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {os.cpu_count()} CPUs, load average {os.getloadavg()}",
              "presidio_spacy_model": "spacy.blank('en') (no NER: pattern recognisers only)",
              "files": per_file, "frames_total": sum(frames.values()), "frames_presidio_completed": frames_ok,
              "rows": rows, "rounds": rounds}
    table = ["| round | frames | Presidio wall s/frame | pixelsvc wall s/frame | ratio wall | "
             "Presidio CPU s/frame | pixelsvc CPU s/frame | ratio CPU | "
             "Presidio loop s/frame | pixelsvc loop s/frame | ratio loop |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    table += [f"| {x['round']} | {x['frames']} | {x['presidio_wall_s_per_frame']:.3f} | "
              f"{x['pixelsvc_wall_s_per_frame']:.3f} | {x['ratio_wall']:.2f} | {x['presidio_cpu_s_per_frame']:.3f} | "
              f"{x['pixelsvc_cpu_s_per_frame']:.3f} | {x['ratio_cpu']:.2f} | "
              f"{x['presidio_loop_wall_s_per_frame']:.3f} | "
              f"{x['pixelsvc_loop_wall_s_per_frame']:.3f} | {x['ratio_loop_wall']:.2f} |" for x in rows]
    table += ["", "| file | frames | Presidio | Presidio wall s (per round) | pixelsvc wall s (per round) |",
              "|---|---|---|---|---|"]
    table += [f"| {x['file']} | {x['frames']} | "
              f"{'ok' if x['presidio_ok'] else 'FAILED: ' + str(x['presidio_error'])} | "
              f"{' / '.join(f'{s:.2f}' for s in x['presidio_wall_s'])} | "
              f"{' / '.join('-' if s is None else f'{s:.2f}' for s in x['pixelsvc_wall_s'])} |" for x in per_file]
    markdown = "\n".join(table) + "\n"
    print(markdown)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    if args.md:
        args.md.write_text(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
