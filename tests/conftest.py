"""Shared fixtures: one CPU engine per test session, the test data folder; the closing count line."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Generator
from pathlib import Path

import pytest
import torch

from pixelsvc.config import EngineConfig
from pixelsvc.pipeline import Engine
from tests.reference import corpus_name, data_root

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The test data root: the shared corpus where present, else the own corpus (both hold ``real/``)."""
    return data_root()


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The real engine with the real PP-OCR models, on CPU (the suite's one engine)."""
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return Engine(EngineConfig(device="cpu"))


_SHARED_ONLY = re.compile(r"^\S+ (is )?(only in|not in) the shared (corpus|data).*")


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    reason = reason.removeprefix("Skipped: ").strip()
    return "file only in the shared corpus" if _SHARED_ONLY.match(reason) else reason


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
    """One closing line, after pytest's short summary: how many tests ran, how many skipped and why."""
    yield
    stats = terminalreporter.stats
    ran = {key: len([r for r in stats.get(key, []) if getattr(r, "when", "call") == "call"])
           for key in ("passed", "failed", "xfailed", "xpassed")}
    errors = len(stats.get("error", []))
    skipped = stats.get("skipped", [])
    reasons = Counter(_skip_reason(r) for r in skipped)
    shown = "; ".join(f"{n} {reason[:90]}" for reason, n in reasons.most_common(6))
    if len(reasons) > 6:
        shown += f"; {sum(n for _r, n in reasons.most_common()[6:])} for {len(reasons) - 6} other reasons"
    total = sum(ran.values())
    line = (f"pixelsvc tests: {total} ran ({ran['passed']} passed, {ran['failed']} failed"
            f"{f', {errors} errors' if errors else ''}), {len(skipped)} skipped"
            f"{f' ({shown})' if shown else ''}; data: {corpus_name()}")
    terminalreporter.write_line(line)
