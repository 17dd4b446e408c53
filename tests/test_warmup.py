"""The warm-up frames exercise detector and recogniser; the service knob is validated."""

from __future__ import annotations

import pytest

from pixelsvc.config import ServiceConfig
from pixelsvc.errors import ConfigError
from pixelsvc.warmup import warm_up, warmup_frame


def test_warmup_frames_are_detected_and_read(engine):
    frame = warmup_frame(512, 512, "MONOCHROME2")
    [reads] = engine.read_text([frame])
    assert any("SE 1 IM 2" in r.text for r in reads) and len(reads) >= 4
    before = engine.recognizer.crops_read
    assert warm_up(engine, ((128, 160, "RGB"),)) > 0
    assert engine.recognizer.crops_read > before
    assert not engine.recognizer._cache  # warm-up reads are not kept


def test_warmup_knob_is_validated():
    with pytest.raises(ConfigError, match="warmup"):
        ServiceConfig(plaintext=True, warmup="yes")
