"""Graph fusion: fewer nodes, the same outputs, and no rewrite where a value has other readers."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from pixelsvc.ocr.nets.fuse import fuse_program
from pixelsvc.ocr.nets.onnx_graph import GraphProgram, Node, OnnxGraphModule
from pixelsvc.ocr.weights import load_program
from pixelsvc.ocr.zoo import MODELS


@pytest.mark.parametrize(("name", "shape"), [("ppocrv6-small-det", (1, 3, 96, 128)),
                                             ("ppocrv6-small-rec", (2, 3, 48, 160))])
def test_fused_models_compute_the_same_outputs_with_fewer_nodes(name: str, shape: tuple[int, ...]) -> None:
    program = load_program(MODELS[name])
    fused = fuse_program(program)
    ops = Counter(node.op for node in fused.nodes)
    assert ops["Identity"] == 0 and ops["Erf"] == 0 and ops["Gelu"] == 13
    assert ops["Conv"] == Counter(node.op for node in program.nodes)["Conv"]
    assert len(fused.nodes) < 0.6 * len(program.nodes)
    x = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32))
    with torch.inference_mode():
        plain, ours = OnnxGraphModule(program).eval()(x), OnnxGraphModule(fused).eval()(x)
    assert torch.allclose(plain, ours, atol=1e-5)


def _program(nodes: list[Node], outputs: tuple[str, ...]) -> GraphProgram:
    gen = torch.Generator().manual_seed(0)
    constants = {"w": torch.randn(4, 3, 3, 3, generator=gen), "b": torch.randn(1, 4, 1, 1, generator=gen),
                 "sqrt2": torch.tensor(2.0 ** 0.5), "one": torch.tensor(1.0), "half": torch.tensor(0.5)}
    return GraphProgram(tuple(nodes), ("x",), outputs, constants, {})


def _run(program: GraphProgram, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out = OnnxGraphModule(program).eval()(x)
    return out if isinstance(out, tuple) else (out,)


def test_conv_bias_and_gelu_fold_only_when_the_intermediate_has_one_reader() -> None:
    conv = Node("Conv", ("x", "w"), ("c",), {"pads": [1, 1, 1, 1]})
    gelu = [Node("Div", ("y", "sqrt2"), ("d",), {}), Node("Erf", ("d",), ("e",), {}),
            Node("Add", ("e", "one"), ("p",), {}), Node("Mul", ("y", "p"), ("m",), {}),
            Node("Mul", ("m", "half"), ("g",), {})]
    alone = _program([conv, Node("Add", ("c", "b"), ("y",), {}), *gelu], ("g",))
    shared = _program([conv, Node("Add", ("c", "b"), ("y",), {}), *gelu, Node("Relu", ("c",), ("r",), {}),
                       Node("Relu", ("e",), ("s",), {})], ("g", "r", "s"))
    x = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    fused_alone = fuse_program(alone)
    assert [n.op for n in fused_alone.nodes] == ["Conv", "Gelu"]
    assert "b" not in fused_alone.constants  # the bias moved into the convolution
    fused_shared = fuse_program(shared)
    assert [n.op for n in fused_shared.nodes] == [n.op for n in shared.nodes]  # `c` and `e` are read twice
    for program, fused in ((alone, fused_alone), (shared, fused_shared)):
        for a, b in zip(_run(program, x), _run(fused, x), strict=True):
            assert torch.allclose(a, b, atol=1e-6)
