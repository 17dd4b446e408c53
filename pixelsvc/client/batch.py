"""Many inputs: walk files and folders, redact each with a `FileRedactor`, write the report.

Files are handed to `workers` threads; each file is read, sent to the pixel step,
encoded and written by one thread. With the embedded engine the pixel step runs one file
at a time (it uses every core); with a server, workers keep several streams in flight so
the server can batch frames across them.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pixelsvc.client.redact import FileOutcome, FileRedactor
from pixelsvc.errors import ConfigError

__all__ = ["RunSummary", "iter_inputs", "load_key", "run_batch"]

KEY_BYTES = 32


@dataclass(slots=True)
class RunSummary:
    """Counts by status, frames processed and wall time: what the CLI prints at the end."""

    counts: Counter[str] = field(default_factory=Counter)
    frames: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    def line(self) -> str:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.counts.items()))
        rate = self.frames / self.seconds if self.seconds > 0 else 0.0
        return (f"{sum(self.counts.values())} inputs ({statuses or 'none'}); {self.frames} frames in "
                f"{self.seconds:.1f} s ({rate:.2f} frames/s)")


def iter_inputs(paths: list[Path], *, skip_under: Path | None = None) -> Iterator[Path]:
    """Files given, and every file under the folders given (sorted), except under `skip_under`."""
    skip = skip_under.resolve() if skip_under is not None else None
    for path in paths:
        if path.is_dir():
            # everything but folders: a FIFO or socket gets a report line (failed) rather than vanishing
            for child in sorted(p for p in path.rglob("*") if not p.is_dir()):
                if skip is None or not child.resolve().is_relative_to(skip):
                    yield child
        else:
            yield path


def load_key(key_file: Path | None, out_dir: Path) -> tuple[bytes, Path, bool]:
    """The secret that UIDs, pseudonyms and date shifts are derived from.

    Without `key_file`, ``<OUTDIR>.key`` beside the output folder is used, and created
    (random, mode 0600) the first time: later runs into the same folder stay consistent,
    and the key is not inside the folder that gets shared.

    Returns:
        (key, its path, True if it was created now).
    """
    path = key_file or out_dir.resolve().parent / (out_dir.resolve().name + ".key")
    created = False
    if not path.exists():
        if key_file is not None:
            raise ConfigError("--key-file does not exist; create it with a random secret of at least 16 bytes")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(KEY_BYTES) + "\n")
        created = True
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ConfigError(f"the key file is readable or writable by other users (mode {mode:04o}); anyone who reads "
                          f"it can re-identify the outputs: run chmod 600 on it (refusing to use it)")
    key = path.read_bytes().strip()
    if len(key) < 16:
        raise ConfigError("the key file must hold a secret of at least 16 bytes")
    return key, path, created


def run_batch(redactor: FileRedactor, inputs: list[Path], *, report: TextIO | None = None, workers: int = 1,
              resume: bool = False, progress: TextIO | None = None) -> RunSummary:
    """Redact every input; one report line per input, in completion order."""
    summary = RunSummary()
    start = time.perf_counter()
    bar = _Progress(progress, len(inputs))
    queue = iter(inputs)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="redact") as pool:
        running: dict[Future[FileOutcome], Path] = {}
        while True:
            while len(running) < 2 * max(1, workers):  # bounded: a million inputs are not all queued
                path = next(queue, None)
                if path is None:
                    break
                running[pool.submit(redactor.redact, path, resume=resume)] = path
            if not running:
                break
            done, _pending = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = _outcome_of(future, running.pop(future))
                summary.counts[outcome.status] += 1
                summary.frames += outcome.frames
                if report is not None:
                    report.write(json.dumps(outcome.to_json()) + "\n")
                    report.flush()
                bar.update(summary, time.perf_counter() - start)
    summary.seconds = time.perf_counter() - start
    bar.close()
    return summary


def _outcome_of(future: Future[FileOutcome], path: Path) -> FileOutcome:
    """The file's outcome; whatever escaped `FileRedactor.redact` fails that file only (one line per input)."""
    try:
        return future.result()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        return FileOutcome(input=str(path), status="failed",
                           error=f"unexpected {type(exc).__name__} while processing the file")


class _Progress:
    """One status line on a terminal, rewritten in place: files done, failures, frames, rate."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.total = total
        self._last = 0.0

    def update(self, summary: RunSummary, elapsed: float) -> None:
        if self.stream is None or (time.monotonic() - self._last < 0.2 and sum(summary.counts.values()) < self.total):
            return
        self._last = time.monotonic()
        done = sum(summary.counts.values())
        width = 30
        filled = int(width * done / max(1, self.total))
        rate = summary.frames / elapsed if elapsed > 0 else 0.0
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] files {done}/{self.total} "
                          f"(failed {summary.failed}) frames {summary.frames} {rate:.2f}/s ")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()
