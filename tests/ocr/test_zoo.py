"""The model registry, the manifest people read, and the weight checks agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from pixelsvc.errors import ModelError
from pixelsvc.ocr import weights
from pixelsvc.ocr.zoo import MODELS, ModelSpec, get_spec

MANIFEST = Path(__file__).resolve().parents[2] / "models" / "MANIFEST.md"


def test_manifest_lists_every_registered_model_with_its_hash():
    rows = {}
    for line in MANIFEST.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[0-9a-f]{64}", cells[4]):
            rows[cells[0]] = cells
    assert set(rows) == set(MODELS)
    for name, spec in MODELS.items():
        _, task, package, member, sha, licence = rows[name]
        assert (task, package, member, sha, licence) == (
            spec.task, f"{spec.package}=={spec.version}", spec.member, spec.sha256, spec.licence)


def test_unknown_or_wrong_task_model_is_rejected():
    with pytest.raises(ModelError, match="unknown det model"):
        get_spec("no-such-model", "det")
    with pytest.raises(ModelError, match="registered rec models: ppocrv6-small-rec"):
        get_spec("ppocrv6-small-det", "rec")


def test_hash_mismatch_refuses_to_load():
    good = MODELS["ppocrv6-small-det"]
    bad = ModelSpec(**{**{f: getattr(good, f) for f in good.__slots__}, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="sha256"):
        weights.load_program(bad)


def test_missing_package_says_what_to_install():
    good = MODELS["ppocrv6-small-det"]
    bad = ModelSpec(**{**{f: getattr(good, f) for f in good.__slots__}, "package": "no-such-wheel-pixelsvc"})
    with pytest.raises(ModelError, match="pip install no-such-wheel-pixelsvc"):
        weights.locate_model_file(bad)


def test_cache_is_keyed_by_source_hash_and_rebuilt_when_broken(tmp_path):
    spec = MODELS["ppocrv6-small-rec"]
    first = weights.load_program(spec, tmp_path)
    cached = tmp_path / f"{spec.sha256}.pt"
    assert cached.is_file()
    again = weights.load_program(spec, tmp_path)  # served from the cache
    assert again.nodes == first.nodes
    cached.write_bytes(b"not a torch file")
    rebuilt = weights.load_program(spec, tmp_path)
    assert rebuilt.nodes == first.nodes
    state = torch.load(cached, weights_only=True)
    assert state["metadata"]["character"] == first.metadata["character"]
