"""The converted torch networks match onnxruntime on the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pixelsvc.ocr.nets.onnx_graph import GraphProgram, OnnxGraphModule, program_from_onnx
from pixelsvc.ocr.weights import load_program, locate_model_file
from pixelsvc.ocr.zoo import MODELS
from tests.synth import make_frame

ort = pytest.importorskip("onnxruntime")


def _session(name: str):
    return ort.InferenceSession(str(locate_model_file(MODELS[name])), providers=["CPUExecutionProvider"])


def _det_input(engine) -> np.ndarray:
    synth = make_frame(7, 256, 384, bits=12)
    view = engine.renderer.render(synth.frame)[0]
    job = engine.detector.plan(0, view)[0]
    resized = engine.detector.preprocess(view.image, job)
    return engine.detector.normalise(torch.from_numpy(resized[None])).numpy()


def test_detector_matches_onnxruntime(engine):
    real = _det_input(engine)
    x = np.concatenate([real, np.random.default_rng(0).uniform(-1, 1, real.shape)]).astype(np.float32)
    reference = _session("ppocrv6-small-det").run(None, {"x": x})[0]
    with torch.inference_mode():
        ours = engine.detector.net(torch.from_numpy(x)).numpy()
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).max() <= 1e-4


def test_recogniser_matches_onnxruntime_probabilities_and_text(engine):
    synth = make_frame(11, 256, 512, bits=8, sizes=(16, 20))
    view = engine.renderer.render(synth.frame)[0]
    crops = [view.image[max(0, t.box[1] - 2):t.box[3] + 2, max(0, t.box[0] - 2):t.box[2] + 2] for t in synth.texts]
    batch = engine.recognizer.preprocess(crops)
    reference = _session("ppocrv6-small-rec").run(None, {"x": batch.numpy()})[0]
    with torch.inference_mode():
        ours = engine.recognizer.net(batch)
    assert np.abs(ours.numpy() - reference).max() <= 1e-4
    ours_text = [d.text for d in engine.recognizer.decode(ours)]
    reference_text = [d.text for d in engine.recognizer.decode(torch.from_numpy(reference))]
    assert ours_text == reference_text
    assert sum(bool(t) for t in ours_text) >= len(crops) - 1  # the crops really hold readable text


def test_program_round_trips_through_state_dict():
    program = load_program(MODELS["ppocrv6-small-rec"])
    restored = GraphProgram.from_state(program.to_state())
    assert restored.nodes == program.nodes
    assert restored.metadata["character"] == program.metadata["character"]
    x = torch.rand(1, 3, 48, 96) * 2 - 1
    with torch.inference_mode():
        assert torch.equal(OnnxGraphModule(program).eval()(x), OnnxGraphModule(restored).eval()(x))


def test_unsupported_operator_fails_loudly():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Einsum", ["a", "b"], ["c"], equation="ij,jk->ik")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 2]),
                                             helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 2])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 2])])
    with pytest.raises(NotImplementedError, match="Einsum"):
        program_from_onnx(helper.make_model(graph))
    assert onnx is not None


@pytest.mark.parametrize("name, shape", [("ppocrv6-small-det", (1, 3, 64, 96)), ("ppocrv6-small-rec", (2, 3, 48, 96))])
def test_graph_has_no_host_reads_and_traces_whole(name, shape):
    """`fullgraph=True` fails on any graph break: a `.tolist()`/`.item()` of a tensor would be one.

    The eager backend traces without a C++ compiler, so this runs on any CPU.
    """
    module = OnnxGraphModule(load_program(MODELS[name])).eval()
    assert not any(isinstance(v, torch.Tensor) for v in module._static_constants.values())
    x = torch.rand(*shape) * 2 - 1
    compiled = torch.compile(module, backend="eager", fullgraph=True)
    with torch.inference_mode():
        assert torch.equal(compiled(x), module(x))


@pytest.mark.parametrize("factors", [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 8.0, 4.0], [1.0, 1.0, 1.0, 2.0],
                                     [1.0, 1.0, 3.0, 3.0]])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_integer_resize_repeats_each_pixel_exactly(factors, dtype):
    """The DB necks' nearest upsampling (power-of-two factors through `F.interpolate`, others
    through a repeat) gives every source pixel f times along each axis, bit for bit."""
    from pixelsvc.ocr.nets.onnx_graph import _resize

    x = torch.randn(2, 5, 7, 9).to(dtype).to(memory_format=torch.channels_last)
    attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    (out,) = _resize([x, None, factors, None], attrs)
    expected = x.repeat_interleave(int(factors[2]), dim=2).repeat_interleave(int(factors[3]), dim=3)
    assert out.dtype == dtype and torch.equal(out, expected)
