"""Half-precision nets: casting works, inputs follow the net's dtype, and reads match fp32.

The fp32 engine is the reference. fp16 (the CUDA default) must read the same text on >= 99.5 %
of lines (here: every line of a small set, half precision is slow on CPU); bf16 (8 mantissa
bits) is allowed to differ more. bench/RESULTS.md reports both over a larger set.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
import torch

from pixelsvc.config import EngineConfig
from pixelsvc.ocr.det import TextDetector
from pixelsvc.ocr.rec import Crop, TextRecognizer
from pixelsvc.ocr.weights import tune_module
from pixelsvc.ocr.zoo import MODELS
from pixelsvc.types import TextBox
from tests.synth import make_frame


def _half(engine, precision: str) -> tuple[TextDetector, TextRecognizer]:
    config = replace(engine.config, precision=precision, channels_last="on")
    det, rec = MODELS[config.det.model], MODELS[config.rec.model]
    detector = TextDetector(tune_module(copy.deepcopy(engine.detector.net), config), config.det, det.mean, det.std)
    recognizer = TextRecognizer(tune_module(copy.deepcopy(engine.recognizer.net), config),
                                replace(config.rec, cache_size=0), rec.mean, rec.std)
    return detector, recognizer


def _crops(engine, seeds) -> list[Crop]:
    crops = []
    for seed in seeds:
        synth = make_frame(seed, 320, 480, bits=12, sizes=(10, 20))
        view = engine.renderer.render(synth.frame)[0]
        crops += [Crop(TextBox(t.box[0] - 3, t.box[1] - 3, t.box[2] + 3, t.box[3] + 3), view.image)
                  for t in synth.texts]
    return crops


@pytest.mark.parametrize(("precision", "min_same"), [("fp16", 0.995), ("bf16", 0.95)])
def test_half_precision_reads_match_fp32(engine, precision, min_same):
    detector, recognizer = _half(engine, precision)
    assert recognizer.dtype == {"fp16": torch.float16, "bf16": torch.bfloat16}[precision]
    crops = _crops(engine, range(300, 305))
    reference = engine.recognizer.recognise(crops, dedup=False)
    reads = recognizer.recognise(crops, dedup=False)
    same = sum(a.text == b.text for a, b in zip(reference, reads, strict=True))
    assert len(crops) >= 40 and same / len(crops) >= min_same, f"{same}/{len(crops)}"
    # the detector runs in the same dtype and finds the same lines (boxes may move by a pixel)
    synth = make_frame(330, 256, 320, bits=16, sizes=(10, 18))
    views = engine.renderer.render(synth.frame)
    ours, theirs = detector.detect(views), engine.detector.detect(views)
    assert sum(map(len, ours)) == sum(map(len, theirs)) > 0


def test_config_resolves_precision_per_device():
    assert EngineConfig().for_device("cpu").precision == "fp32"
    assert EngineConfig().for_device("cuda").precision == "fp16"
    assert EngineConfig(precision="bf16").for_device("cpu").precision == "bf16"
    with pytest.raises(ValueError, match="precision"):
        EngineConfig(precision="int8")


def test_cpu_nets_are_channels_last_and_read_as_the_nchw_nets(engine):
    """NHWC is the CPU default too (oneDNN's fast layout); it must not change a read or a box."""
    weight = next(b for b in engine.detector.net.buffers() if b.dim() == 4)
    assert weight.is_contiguous(memory_format=torch.channels_last)
    nchw = copy.deepcopy(engine.detector.net).to(memory_format=torch.contiguous_format)
    assert next(b for b in nchw.buffers() if b.dim() == 4).is_contiguous()
    det = MODELS[engine.config.det.model]
    detector = TextDetector(nchw, engine.config.det, det.mean, det.std)
    synth = make_frame(331, 320, 384, bits=12, sizes=(9, 16))
    views = engine.renderer.render(synth.frame)
    ours, theirs = detector.detect(views), engine.detector.detect(views)
    def corners(frames):
        return [[(b.x0, b.y0, b.x1, b.y1) for b in boxes] for boxes in frames]
    assert corners(ours) == corners(theirs)
    for a, b in zip([x for f in ours for x in f], [x for f in theirs for x in f], strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-4)
    assert sum(map(len, theirs)) > 0
