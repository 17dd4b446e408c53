"""The redact client end to end: files/s, frames/s, per-file latency and where the time goes.

Runs `run_batch` (what `pixelsvc redact` runs) over the same inputs in one process, once per
mode, into fresh output folders with the same key:

* ``embedded``: the engine in-process (the default of `pixelsvc redact`);
* ``server-wN``: a `pixelsvc serve` on loopback (in this process, plaintext), N files in flight.

For each mode it prints files/s, frames/s, p50/p99 seconds per file and the split of
client time over read / decode / pixel_step / headers / encode / write (summed over files),
as a Markdown table; it also checks that every mode wrote byte-identical outputs.

    python bench/redact.py                                   # ../shared/data/real/pydicom + presidio, CPU
    python bench/redact.py --inputs DIR [DIR ...] --device cuda --workers 1 4 8
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pixelsvc.client.batch import iter_inputs, run_batch  # noqa: E402
from pixelsvc.client.headers import HeaderDeidentifier  # noqa: E402
from pixelsvc.client.redact import EmbeddedBackend, FileOutcome, FileRedactor, RemoteBackend  # noqa: E402
from pixelsvc.config import EngineConfig  # noqa: E402
from pixelsvc.pipeline import Engine  # noqa: E402
from pixelsvc.types import Policy  # noqa: E402
from tests.service.harness import local_config, running_server  # noqa: E402

STAGES = ("read", "decode", "pixel_step", "headers", "encode", "write")
KEY = b"bench-redact-key-0123456789abcdef"


class _Recorder:
    """Wraps a FileRedactor to keep every outcome (run_batch only keeps counts)."""

    def __init__(self, redactor: FileRedactor) -> None:
        self.redactor = redactor
        self.outcomes: list[FileOutcome] = []

    def redact(self, path: Path, *, resume: bool = False) -> FileOutcome:
        outcome = self.redactor.redact(path, resume=resume)
        self.outcomes.append(outcome)
        return outcome


def _run(name: str, backend: object, inputs: list[Path], out: Path, workers: int) -> tuple[dict, dict[str, str]]:
    recorder = _Recorder(FileRedactor(backend, HeaderDeidentifier(KEY), out, Policy.PHI))  # type: ignore[arg-type]
    start = time.perf_counter()
    summary = run_batch(recorder, inputs, workers=workers)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    written = [o for o in recorder.outcomes if o.output]
    per_file = np.array([o.seconds for o in written]) if written else np.zeros(1)
    stages = {s: sum(o.stage_seconds.get(s, 0.0) for o in recorder.outcomes) for s in STAGES}
    total = sum(stages.values()) or 1.0
    row = {
        "mode": name, "files": len(written), "frames": summary.frames, "failed": summary.failed,
        "wall_s": wall, "files_per_s": len(written) / wall, "frames_per_s": summary.frames / wall,
        "p50_s": float(np.percentile(per_file, 50)), "p99_s": float(np.percentile(per_file, 99)),
        **{f"{s}_%": 100 * v / total for s, v in stages.items()},
    }
    digests = {str(Path(o.output).relative_to(out)): hashlib.sha256(Path(o.output).read_bytes()).hexdigest()
               for o in written}
    return row, digests


def _table(rows: list[dict]) -> str:
    head = ("| mode | files | frames | failed | wall s | files/s | frames/s | p50 s/file | p99 s/file | "
            + " | ".join(f"{s} %" for s in STAGES) + " |")
    lines = [head, "|" + "---|" * (9 + len(STAGES))]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['files']} | {r['frames']} | {r['failed']} | {r['wall_s']:.1f} | "
            f"{r['files_per_s']:.2f} | {r['frames_per_s']:.2f} | {r['p50_s']:.2f} | {r['p99_s']:.2f} | "
            + " | ".join(f"{r[f'{s}_%']:.1f}" for s in STAGES) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = REPO.parent / "shared" / "data"
    parser.add_argument("--inputs", nargs="+", type=Path, default=[data / "real" / "pydicom", data / "presidio"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 4], help="server modes to run")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)

    inputs = list(iter_inputs(args.inputs))
    engine = Engine(EngineConfig(device=args.device))
    rows, outputs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-redact-") as tmp:
        root = Path(tmp)
        row, digests = _run("embedded", EmbeddedBackend(engine), inputs, root / "embedded", 1)
        rows.append(row)
        outputs.append(digests)
        with running_server(local_config(engine), engine) as server:
            for workers in args.workers:
                backend = RemoteBackend(server.address)
                try:
                    row, digests = _run(f"server-w{workers}", backend, inputs, root / f"w{workers}", workers)
                finally:
                    backend.close()
                rows.append(row)
                outputs.append(digests)
        shutil.rmtree(root, ignore_errors=True)
    print(f"{len(inputs)} inputs, device {engine.device}")
    print(_table(rows))
    same = all(d == outputs[0] for d in outputs[1:])
    print(f"outputs byte-identical across modes: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
