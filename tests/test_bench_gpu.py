"""`bench/gpu.py --smoke` runs end to end on CPU: engine cases, a real server, real clients, one JSON + table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_gpu_bench_smoke_writes_json_and_table(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "gpu.py"), "--smoke", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=240, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "gpu.json").read_text())
    assert result["smoke"] and result["device"] == "cpu"
    assert {r["case"] for r in result["engine"]} == {"ct", "us"}
    assert all(r["frames_per_s"] > 0 and r["gpu_util_pct"] == "n/a" for r in result["engine"])
    [served] = result["service"]
    assert served["frames"] > 0 and not served["errors"] and served["p99_ms"] >= served["p50_ms"] > 0
    table = (tmp_path / "gpu.md").read_text()
    assert "| ct | 2 |" in table and "frames/s" in table
