"""`pixelsvc demo` end to end: sample, embedded redaction, recall printed, and no PHI text in what it prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pixelsvc.cli import main
from pixelsvc.synth.truth import load_truth


@pytest.mark.timeout(300)
def test_demo_redacts_its_sample_and_prints_recall_without_text(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--out", str(tmp_path / "demo"), "--device", "cpu"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    truths = [load_truth(p) for p in sorted((tmp_path / "demo" / "sample" / "truth").glob("*.json"))]
    assert {t.photometric for t in truths} == {"MONOCHROME2", "RGB", "MONOCHROME1"}
    assert any(t.frames > 1 for t in truths)
    phi = [s for t in truths for s in t.strings if s.is_phi]
    match = re.search(r"(\d+)/(\d+) PHI boxes masked", printed.out)
    assert match and int(match.group(2)) == len(phi)
    assert int(match.group(1)) > 0
    assert "clinical annotations kept" in printed.out
    for s in (s for t in truths for s in t.strings if s.category != "DISTRACTOR" and len(s.text) >= 4):
        assert s.text not in printed.out and s.text not in printed.err
    rows = [json.loads(line) for line in (tmp_path / "demo" / "report.jsonl").read_text().splitlines()]
    assert len(rows) == len(truths) and all(Path(r["output"]).is_file() for r in rows)
