"""Run `pixelsvc` as a real subprocess under an address-space limit, and check what a run left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pydicom

from tests.robustness.mutations import PHI_VALUES, Case

REPO = Path(__file__).resolve().parents[2]
GIB = 1 << 30


@dataclass
class Run:
    rc: int
    peak_rss_bytes: int
    stderr: str
    lines: list[dict]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


_LAUNCHER = """
import json, os, resource, subprocess, sys
limit, umask = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if umask != "-":
    os.umask(int(umask))
child = subprocess.Popen(sys.argv[3:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss * 1024}))
"""
"""Runs the CLI as its own child: a process forked straight from pytest would report pytest's peak
RSS (Linux keeps the peak across fork and exec), while this small launcher's child starts from the
launcher's few megabytes, so its peak is the CLI's own."""


def run_cli(args: list[str], *, report: Path | None, address_space: int = 2 * GIB, umask: int | None = None,
            timeout_s: float = 300.0) -> Run:
    """`python -m pixelsvc.cli ARGS` under RLIMIT_AS; peak RSS from wait4 (the process and its waited children)."""
    stderr_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"pixelsvc-robustness-{os.getpid()}-{time.time_ns()}.err"
    argv = [sys.executable, "-c", _LAUNCHER, str(address_space), "-" if umask is None else str(umask),
            sys.executable, "-m", "pixelsvc.cli", *args]
    with stderr_path.open("wb") as err:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=child_env(), cwd=REPO,
                                   start_new_session=True)
        timer = threading.Timer(timeout_s, lambda: os.killpg(process.pid, 9))
        timer.start()
        try:
            out, _ = process.communicate()
        finally:
            timer.cancel()
    stderr = stderr_path.read_text(errors="replace")
    stderr_path.unlink()
    result = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {"rc": -9, "maxrss": 0}
    lines = [json.loads(line) for line in report.read_text().splitlines()] if report and report.exists() else []
    return Run(result["rc"], result["maxrss"], stderr, lines)


def check_run(run: Run, cases: list[Case], out: Path) -> dict[str, dict]:
    """The invariants every run must hold; returns the report lines by case name."""
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    inputs = Counter(line["input"] for line in run.lines)
    assert inputs == Counter(str(case.path) for case in cases), "not exactly one report line per input"
    by_name = {case.name: line for case in cases for line in run.lines if line["input"] == str(case.path)}

    failed = [name for name, line in by_name.items() if line["status"] == "failed"]
    assert run.rc == (1 if failed else 0), (run.rc, failed)
    assert run.peak_rss_bytes < 2 * GIB, run.peak_rss_bytes

    for case in cases:
        line = by_name[case.name]
        if case.must_fail:
            assert line["status"] == "failed" and line["output"] is None, (case.name, line["status"])
        if line["output"] is not None:
            assert line["status"] in ("clean", "redacted"), (case.name, line)
        if case.klass == "1" and line["output"] is not None:
            assert line["pixel_data"]["unanalysed"]["dropped_bytes"] > 0, case.name
        for value in PHI_VALUES:  # errors and reasons never quote a planted value
            assert value not in json.dumps(line), (case.name, value)
    assert by_name["control"]["status"] in ("clean", "redacted")

    written = [p for p in out.rglob("*") if p.is_file() or p.is_symlink()]
    assert {str(p) for p in written if p.suffix == ".dcm"} == {
        line["output"] for line in run.lines if line["output"]}, "outputs on disk differ from the report"
    for path in written:
        data = path.read_bytes()
        for value in PHI_VALUES:
            assert value.encode() not in data, (path.name, value)
        ds = pydicom.dcmread(path)  # plain pydicom, no pixelsvc code
        assert ds.preamble == b"\0" * 128
        assert ds.pixel_array.size > 0
    return by_name
