"""Shared fixtures: one CPU engine per test session, the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from pixelsvc.config import EngineConfig
from pixelsvc.pipeline import Engine

REPO = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The shared test data: $PIXELSVC_TEST_DATA, else ../shared/data beside the checkout."""
    return Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = data_root()
    if not root.is_dir():
        pytest.skip(f"shared test data not found at {root}; set PIXELSVC_TEST_DATA")
    return root


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The real engine with the real PP-OCR models, on CPU (the suite's one engine)."""
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    return Engine(EngineConfig(device="cpu"))
