"""A running server with its /metrics endpoint, as the deployment checks use it."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

from tests.deploy.promql import Exposition, parse_exposition
from tests.service.harness import RunningServer


@dataclass
class LiveServer:
    running: RunningServer
    metrics_port: int

    @property
    def port(self) -> int:
        return self.running.port

    def scrape(self) -> Exposition:
        """GET /metrics over HTTP, as Prometheus does."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            return parse_exposition(response.read().decode())
