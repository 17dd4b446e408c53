"""Fixtures for the service tests: one real in-process server per module (see harness.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pixelsvc.pipeline import Engine
from tests.service.harness import RunningServer, local_config, running_server


@pytest.fixture(scope="module")
def server(engine: Engine) -> Iterator[RunningServer]:
    """One real server for the whole module, on the session's CPU engine (the models load once)."""
    with running_server(local_config(engine), engine) as running:
        yield running
