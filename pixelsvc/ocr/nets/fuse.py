"""Rewrite a `GraphProgram` into fewer, larger torch kernels, with the same arithmetic.

The exported PP-OCR graphs spell out what torch does in one kernel: a convolution followed
by an `Add` of a per-channel constant (the bias, split off by the exporter), GELU as five
element-wise nodes (`x * 0.5 * (1 + erf(x / sqrt 2))`), and ~140 `Identity` nodes. On the
detector's full-resolution maps each element-wise node is a pass over memory, so the
unfused graph spent about a third of its CPU time in `add`, `mul`, `div` and `erf`.

Each rewrite is exact up to float rounding (the bias is added inside the convolution, GELU
is `F.gelu`'s erf form) and only fires where the intermediate values have no other reader,
so the program's outputs are unchanged. Fusing runs on the loaded program; the converted
model cache keeps the graph as exported.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import torch

from pixelsvc.ocr.nets.onnx_graph import GraphProgram, Node

__all__ = ["fuse_program"]


def fuse_program(program: GraphProgram) -> GraphProgram:
    """`program` with Identity nodes removed, Conv+bias folded and GELU chains fused."""
    program = _drop_identities(program)
    program = _fold_conv_bias(program)
    return _fuse_gelu(program)


def _readers(program: GraphProgram) -> Counter[str]:
    counts: Counter[str] = Counter(name for node in program.nodes for name in node.inputs)
    counts.update(program.outputs)  # a graph output is read by the caller
    return counts


def _drop_identities(program: GraphProgram) -> GraphProgram:
    """Identity nodes whose output is not a graph output become plain renames."""
    alias: dict[str, str] = {}
    nodes = []
    for node in program.nodes:
        inputs = tuple(alias.get(name, name) for name in node.inputs)
        if node.op == "Identity" and node.outputs[0] not in program.outputs:
            alias[node.outputs[0]] = inputs[0]
            continue
        nodes.append(replace(node, inputs=inputs))
    return replace(program, nodes=tuple(nodes))


def _channel_bias(program: GraphProgram, name: str, channels: int) -> torch.Tensor | None:
    """The constant `name` as a (channels,) float bias, if it is one broadcast over (N, C, H, W)."""
    tensor = program.constants.get(name)
    if tensor is None or not tensor.is_floating_point():
        return None
    if tuple(tensor.shape) not in ((1, channels, 1, 1), (channels, 1, 1)):
        return None
    return tensor.reshape(channels)


def _fold_conv_bias(program: GraphProgram) -> GraphProgram:
    """Conv -> Add(per-channel constant) becomes one Conv with that bias."""
    readers = _readers(program)
    producer = {node.outputs[0]: i for i, node in enumerate(program.nodes) if node.op == "Conv"}
    nodes: list[Node | None] = list(program.nodes)
    constants = dict(program.constants)
    for index, node in enumerate(program.nodes):
        if node.op != "Add" or len(node.inputs) != 2:
            continue
        for conv_out, other in (node.inputs, node.inputs[::-1]):
            conv_index = producer.get(conv_out)
            if conv_index is None or readers[conv_out] != 1:  # one reader: each Conv folds at most once
                continue
            conv = program.nodes[conv_index]
            weight = program.constants.get(conv.inputs[1])
            if weight is None:
                continue
            bias = _channel_bias(program, other, int(weight.shape[0]))
            if bias is None:
                continue
            if len(conv.inputs) > 2 and conv.inputs[2]:
                bias = bias + program.constants[conv.inputs[2]]
            bias_name = f"{node.outputs[0]}::fused_bias"
            constants[bias_name] = bias.to(weight.dtype).contiguous()
            nodes[conv_index] = None
            nodes[index] = replace(conv, inputs=(conv.inputs[0], conv.inputs[1], bias_name), outputs=node.outputs)
            break
    return replace(program, nodes=tuple(n for n in nodes if n is not None), constants=_used(nodes, program, constants))


def _scalar(program: GraphProgram, name: str) -> float | None:
    tensor = program.constants.get(name)
    if tensor is None or not tensor.is_floating_point() or tensor.numel() != 1:
        return None
    return float(tensor.reshape(()))


def _fuse_gelu(program: GraphProgram) -> GraphProgram:
    """Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x, .) -> Mul(., 0.5) becomes Gelu(x)."""
    readers = _readers(program)
    users: dict[str, list[int]] = {}
    for i, node in enumerate(program.nodes):
        for name in node.inputs:
            users.setdefault(name, []).append(i)

    def next_node(index: int, op: str) -> tuple[int, str] | None:
        """The only reader of node `index`'s output if it is an `op`, with the reader's other input."""
        out = program.nodes[index].outputs[0]
        found = users.get(out, [])
        if readers[out] != 1 or len(found) != 1 or program.nodes[found[0]].op != op:
            return None
        reader = program.nodes[found[0]]
        return found[0], (_other(reader, out) if len(reader.inputs) == 2 else "")

    nodes: list[Node | None] = list(program.nodes)
    for i, div in enumerate(program.nodes):
        if div.op != "Div" or not _close(_scalar(program, div.inputs[1]), math.sqrt(2.0)):
            continue
        chain = [i]
        for op, want in (("Erf", None), ("Add", 1.0), ("Mul", div.inputs[0]), ("Mul", 0.5)):
            step = next_node(chain[-1], op)
            if step is None:
                break
            index, other = step
            if isinstance(want, float) and not _close(_scalar(program, other), want):
                break
            if isinstance(want, str) and other != want:
                break
            chain.append(index)
        if len(chain) != 5:
            continue
        for j in chain[:-1]:
            nodes[j] = None
        nodes[chain[-1]] = Node("Gelu", (div.inputs[0],), program.nodes[chain[-1]].outputs, {"approximate": "none"})
    return replace(program, nodes=tuple(n for n in nodes if n is not None),
                   constants=_used(nodes, program, dict(program.constants)))


def _other(node: Node, name: str) -> str:
    """The input of a binary node that is not `name`."""
    a, b = node.inputs
    return b if a == name else a


def _close(value: float | None, target: float) -> bool:
    return value is not None and abs(value - target) <= 1e-6 * max(1.0, abs(target))


def _used(nodes: list[Node | None], program: GraphProgram,
          constants: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The constants some remaining node still reads (folded biases free their originals)."""
    names = {name for node in nodes if node is not None for name in node.inputs}
    names.update(program.outputs)
    return {name: tensor for name, tensor in constants.items() if name in names}
