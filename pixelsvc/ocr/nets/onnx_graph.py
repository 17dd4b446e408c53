"""Run an ONNX inference graph as a torch module.

The PP-OCR detection and recognition graphs use about 30 plain ONNX operators. Instead of
depending on a general converter (onnx2torch pulls in torchvision, which replaces a CPU
torch with a CUDA build), this module keeps the graph as a list of `Node`s and executes
each with the matching torch function. Float weights become buffers, so `.to(device)`
(and `.to(dtype)`) moves them.

The module never reads a tensor back to the host: integer constants (shapes, axes), the
float scales of Resize and every `Shape` result are python values, worked out from
tensor shapes, so a forward is a pure chain of device kernels. That keeps it compatible
with CUDA graphs and `torch.compile(fullgraph=True)`, and avoids a device sync per node.

Cast to bf16/fp16, the module keeps autocast's split by itself: convolutions and matrix
products run in the weights' dtype (activations are cast to it), while reductions
(ReduceMean, the layer-norm chains built on it) and Softmax run in float32, so the
normalisation statistics keep their precision.

The graph is stored as plain data (`GraphProgram`), so a converted model can be saved
with `torch.save` and loaded with `weights_only=True` without importing onnx.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SUPPORTED_OPS", "GraphProgram", "Node", "OnnxGraphModule", "program_from_onnx"]

Value = Any  # a torch.Tensor, or a python int / list of ints (floats for Resize scales) for shape arithmetic


@dataclass(frozen=True)
class Node:
    """One ONNX node: operator, input and output value names, attributes as python values."""

    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, Any]


@dataclass(frozen=True)
class GraphProgram:
    """A whole graph as plain data: nodes in topological order plus named constant tensors."""

    nodes: tuple[Node, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    constants: dict[str, torch.Tensor]
    metadata: dict[str, str]

    def to_state(self) -> dict[str, Any]:
        """A dict of lists, strings and tensors that `torch.load(weights_only=True)` accepts."""
        return {
            "nodes": [[n.op, list(n.inputs), list(n.outputs), dict(n.attrs)] for n in self.nodes],
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "constants": dict(self.constants),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> GraphProgram:
        nodes = tuple(Node(op, tuple(i), tuple(o), dict(a)) for op, i, o, a in state["nodes"])
        return cls(nodes, tuple(state["inputs"]), tuple(state["outputs"]), dict(state["constants"]),
                   dict(state["metadata"]))


def program_from_onnx(model: Any) -> GraphProgram:
    """Turn an `onnx.ModelProto` into a `GraphProgram`.

    Raises:
        NotImplementedError: the graph uses an operator this module does not implement.
    """
    from onnx import helper, numpy_helper  # onnx is only needed when converting

    graph = model.graph
    constants: dict[str, torch.Tensor] = {
        init.name: torch.from_numpy(numpy_helper.to_array(init).copy()) for init in graph.initializer
    }
    nodes: list[Node] = []
    for node in graph.node:
        attrs = {a.name: _attr_value(helper.get_attribute_value(a)) for a in node.attribute}
        if node.op_type == "Constant":  # fold constant nodes into the constant table
            constants[node.output[0]] = torch.from_numpy(numpy_helper.to_array(attrs["value"]).copy())
            continue
        if node.op_type == "Identity" and node.input[0] in constants:
            constants[node.output[0]] = constants[node.input[0]]
            continue
        if node.op_type not in SUPPORTED_OPS:
            raise NotImplementedError(f"ONNX operator {node.op_type!r} is not supported by OnnxGraphModule")
        nodes.append(Node(node.op_type, tuple(node.input), tuple(node.output), attrs))
    inputs = tuple(i.name for i in graph.input if i.name not in constants)
    outputs = tuple(o.name for o in graph.output)
    metadata = {p.key: p.value for p in model.metadata_props}
    return GraphProgram(tuple(nodes), inputs, outputs, constants, metadata)


def _attr_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (list, tuple)):
        return [_attr_value(v) for v in value]
    return value


class OnnxGraphModule(nn.Module):
    """Executes a `GraphProgram` node by node with torch operators.

    Intermediate values are released as soon as their last consumer has run, which keeps
    peak memory close to that of a hand-written module.
    """

    def __init__(self, program: GraphProgram) -> None:
        super().__init__()
        self.program = program
        self._buffer_names: dict[str, str] = {}
        self._static_constants: dict[str, int | list[int] | list[float]] = {}
        static_floats = _static_float_inputs(program)
        for i, (name, tensor) in enumerate(program.constants.items()):
            if tensor.is_floating_point() and name not in static_floats:
                attr = f"c{i}"
                self.register_buffer(attr, tensor, persistent=True)
                self._buffer_names[name] = attr
            else:  # shape arithmetic and Resize scales: python values, never device tensors
                value = tensor.tolist()
                self._static_constants[name] = value
        # index of the last node that reads each value, to free values early
        last_use: dict[str, int] = {}
        for index, node in enumerate(program.nodes):
            for name in node.inputs:
                last_use[name] = index
        self._free_after: list[tuple[str, ...]] = [() for _ in program.nodes]
        for name, index in last_use.items():
            if name not in program.outputs:
                self._free_after[index] += (name,)

    @property
    def metadata(self) -> dict[str, str]:
        return self.program.metadata

    def _constant(self, name: str) -> Value | None:
        attr = self._buffer_names.get(name)
        if attr is not None:
            return getattr(self, attr)
        return self._static_constants.get(name)

    def forward(self, *args: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if len(args) != len(self.program.inputs):
            raise ValueError(f"expected {len(self.program.inputs)} inputs, got {len(args)}")
        values: dict[str, Value] = dict(zip(self.program.inputs, args, strict=True))
        for node, free in zip(self.program.nodes, self._free_after, strict=True):
            ins = [self._lookup(values, name) for name in node.inputs]
            outs = SUPPORTED_OPS[node.op](ins, node.attrs)
            for name, value in zip(node.outputs, outs, strict=False):
                values[name] = value
            for name in free:
                values.pop(name, None)
        result = tuple(values[name] for name in self.program.outputs)
        return result[0] if len(result) == 1 else result

    def _lookup(self, values: dict[str, Value], name: str) -> Value | None:
        if name == "":  # an omitted optional input
            return None
        if name in values:
            return values[name]
        constant = self._constant(name)
        if constant is None and name not in self._static_constants:
            raise KeyError(f"graph value {name!r} is used before it is defined")
        return constant


def _static_float_inputs(program: GraphProgram) -> set[str]:
    """Float constants that only parametrise operators (Resize scales): kept as python floats."""
    param_uses: set[str] = set()
    data_uses: set[str] = set()
    for node in program.nodes:
        for position, name in enumerate(node.inputs):
            (param_uses if node.op == "Resize" and position > 0 else data_uses).add(name)
    return {n for n in param_uses - data_uses if n in program.constants and program.constants[n].is_floating_point()}


# --- operators ------------------------------------------------------------------------
# Each takes the node's inputs (tensors, python lists or None) and attributes, and
# returns a list of outputs. Only the attribute combinations ONNX opset 11 allows are
# handled; anything else raises, so a new model fails loudly at its first forward.

OpFn = Callable[[list[Value], dict[str, Any]], list[Value]]


def _ints(value: Value) -> list[int]:
    """A static integer list. A tensor here would mean a host read, so it is refused."""
    if isinstance(value, torch.Tensor):
        raise NotImplementedError("shape arithmetic on a tensor value (would read the device)")
    return [value] if not isinstance(value, list) else list(value)


def _is_static(value: Value) -> bool:
    return isinstance(value, (int, float, list))


def _same_pads(kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int], size: Sequence[int],
               upper: bool) -> list[int]:
    """F.pad order (last dim first) for ONNX auto_pad SAME_UPPER / SAME_LOWER."""
    pads: list[int] = []
    for k, s, d, n in reversed(list(zip(kernel, strides, dilations, size, strict=True))):
        out = math.ceil(n / s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - n)
        small, big = total // 2, total - total // 2
        pads += [small, big] if upper else [big, small]
    return pads


def _explicit_pads(pads: Sequence[int]) -> list[int]:
    """ONNX [x1_begin, x2_begin, x1_end, x2_end] -> F.pad order [x2_begin, x2_end, x1_begin, x1_end]."""
    half = len(pads) // 2
    out: list[int] = []
    for axis in reversed(range(half)):
        out += [pads[axis], pads[axis + half]]
    return out


def _pool_padding(x: torch.Tensor, attrs: dict[str, Any], kernel: Sequence[int], fill: float) -> torch.Tensor:
    auto_pad = attrs.get("auto_pad", "NOTSET")
    strides = attrs.get("strides", [1] * len(kernel))
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        pads = _same_pads(kernel, strides, [1] * len(kernel), x.shape[2:], auto_pad == "SAME_UPPER")
    elif auto_pad in ("NOTSET", "VALID"):
        pads = _explicit_pads(attrs.get("pads", [0] * 2 * len(kernel))) if auto_pad == "NOTSET" else []
    else:
        raise NotImplementedError(f"auto_pad={auto_pad}")
    if any(pads):
        x = F.pad(x, pads, value=fill)
    return x


def _low(a: torch.Tensor, b: torch.Tensor) -> torch.dtype:
    """The narrower float dtype of two tensors: the dtype a product of them is computed in."""
    return b.dtype if a.dtype == torch.float32 else a.dtype


def _conv(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x, w = ins[0].to(ins[1].dtype), ins[1]
    b = ins[2] if len(ins) > 2 else None
    kernel = list(w.shape[2:])
    strides = attrs.get("strides", [1] * len(kernel))
    dilations = attrs.get("dilations", [1] * len(kernel))
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        x = F.pad(x, _same_pads(kernel, strides, dilations, x.shape[2:], auto_pad == "SAME_UPPER"))
        padding: Any = 0
    else:
        pads = attrs.get("pads", [0] * 2 * len(kernel))
        half = len(pads) // 2
        if list(pads[:half]) == list(pads[half:]):
            padding = list(pads[:half])
        else:
            x = F.pad(x, _explicit_pads(pads))
            padding = 0
    return [F.conv2d(x, w, b, strides, padding, dilations, attrs.get("group", 1))]


def _conv_transpose(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x, w = ins[0].to(ins[1].dtype), ins[1]
    b = ins[2] if len(ins) > 2 else None
    pads = attrs.get("pads", [0, 0, 0, 0])
    if pads[:2] != pads[2:] or "output_shape" in attrs or attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise NotImplementedError("ConvTranspose with asymmetric pads or output_shape")
    return [F.conv_transpose2d(x, w, b, attrs.get("strides", [1, 1]), list(pads[:2]),
                               attrs.get("output_padding", [0, 0]), attrs.get("group", 1),
                               attrs.get("dilations", [1, 1]))]


def _max_pool(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    kernel = attrs["kernel_shape"]
    if attrs.get("ceil_mode", 0) or attrs.get("dilations", [1] * len(kernel)) != [1] * len(kernel):
        raise NotImplementedError("MaxPool with ceil_mode or dilations")
    x = _pool_padding(ins[0], attrs, kernel, float("-inf"))
    return [F.max_pool2d(x, kernel, attrs.get("strides", [1] * len(kernel)))]


def _average_pool(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    kernel = attrs["kernel_shape"]
    pads = attrs.get("pads", [0] * 2 * len(kernel))
    if any(pads) or attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise NotImplementedError("AveragePool with padding")
    return [F.avg_pool2d(ins[0], kernel, attrs.get("strides", kernel), ceil_mode=bool(attrs.get("ceil_mode", 0)))]


def _batch_norm(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x, scale, bias, mean, var = ins[:5]
    x = x.to(scale.dtype)
    return [F.batch_norm(x, mean, var, scale, bias, False, 0.0, attrs.get("epsilon", 1e-5))]


def _resize(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x = ins[0]
    mode = attrs.get("mode", "nearest")
    transform = attrs.get("coordinate_transformation_mode", "half_pixel")
    scales = ins[2] if len(ins) > 2 and ins[2] is not None and len(_ints(ins[2])) else None
    sizes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None and len(_ints(ins[3])) else None
    if mode != "nearest" or transform != "asymmetric" or attrs.get("nearest_mode", "round_prefer_floor") != "floor":
        raise NotImplementedError(f"Resize mode={mode} transform={transform}")
    if sizes is not None:
        return [F.interpolate(x, size=sizes[2:], mode="nearest")]
    factors = [float(s) for s in _ints(scales)]
    if factors[:2] != [1.0, 1.0]:
        raise NotImplementedError("Resize over batch or channel axes")
    powers_of_two = all(f >= 1 and f == int(f) and int(f) & (int(f) - 1) == 0 for f in factors[2:])
    if not powers_of_two and all(f == int(f) for f in factors[2:]):
        # other integer upsampling (3x): 1 / f is not exact in binary, so nearest interpolation could
        # pick a neighbour's index; a plain repeat is exact
        out = x
        for axis, f in zip((2, 3), factors[2:], strict=True):
            if f != 1:
                out = out.repeat_interleave(int(f), dim=axis)
        return [out]
    # for power-of-two factors (the DB necks' 2x, 4x, 8x) nearest interpolation picks source index
    # floor(i / f) exactly, and is 5-10x faster on CPU than a repeat
    return [F.interpolate(x, scale_factor=factors[2:], mode="nearest")]


def _reduce_mean(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    axes = attrs.get("axes")
    keep = bool(attrs.get("keepdims", 1))
    x = ins[0].float()  # statistics in float32 (layer norms): what follows is promoted to float32 too
    if axes is None:
        return [x.mean(keepdim=keep) if keep else x.mean()]
    return [x.mean(dim=list(axes), keepdim=keep)]


def _matmul(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    a, b = ins
    if _is_static(a) or _is_static(b):
        raise NotImplementedError("MatMul of shape values")
    dtype = _low(a, b)
    return [torch.matmul(a.to(dtype), b.to(dtype))]


def _shape(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    return [list(ins[0].shape)]  # python ints (symbolic under torch.compile): no tensor, no host read


def _slice(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x = ins[0]
    starts, ends = _ints(ins[1]), _ints(ins[2])
    if isinstance(x, list):  # shape arithmetic on a 1-D static value
        if len(starts) != 1 or (len(ins) > 4 and ins[4] is not None and _ints(ins[4]) != [1]):
            raise NotImplementedError("Slice of a shape value with several axes or a step")
        return [x[slice(starts[0], ends[0])]]
    axes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index: list[slice] = [slice(None)] * x.dim()
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        if step <= 0:
            raise NotImplementedError("Slice with a non-positive step")
        n = x.shape[axis]
        start = max(0, min(n, start + n if start < 0 else start))
        end = max(0, min(n, end + n if end < 0 else end))
        index[axis] = slice(start, end, step)
    return [x[tuple(index)]]


def _reshape(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x, shape = ins[0], _ints(ins[1])
    if _is_static(x):  # reshaping a static value: only to a scalar or a 1-D list
        flat = _ints(x)
        if shape == [] and len(flat) == 1:
            return [flat[0]]
        if len(shape) == 1 and shape[0] in (-1, len(flat)):
            return [flat]
        raise NotImplementedError(f"Reshape of a shape value to {shape}")
    shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def _concat(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    values = [t for t in ins if t is not None]
    if all(_is_static(v) for v in values):
        return [[item for v in values for item in _ints(v)]]
    if any(_is_static(v) for v in values):
        raise NotImplementedError("Concat of a shape value with a tensor")
    return [torch.cat(values, dim=attrs["axis"])]


def _squeeze(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    axes = attrs.get("axes")
    if _is_static(ins[0]):
        flat = _ints(ins[0])
        if len(flat) != 1 or axes not in (None, [0], [-1]):
            raise NotImplementedError("Squeeze of a shape value with more than one element")
        return [flat[0]]
    if axes is None:
        return [ins[0].squeeze()]
    x = ins[0]
    for axis in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(axis)
    return [x]


def _unsqueeze(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    x = ins[0]
    if _is_static(x):
        if isinstance(x, list) or attrs["axes"] not in ([0], [-1]):
            raise NotImplementedError("Unsqueeze of a 1-D shape value")
        return [[x]]
    for axis in sorted(attrs["axes"]):
        x = x.unsqueeze(axis if axis >= 0 else axis + x.dim() + 1)
    return [x]


def _binary(fn: Callable[[Any, Any], Any]) -> OpFn:
    def op(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
        a, b = ins
        if _is_static(a) or _is_static(b):
            raise NotImplementedError("arithmetic on shape values")
        return [fn(a, b)]

    return op


def _hard_sigmoid(ins: list[Value], attrs: dict[str, Any]) -> list[Value]:
    alpha, beta = attrs.get("alpha", 0.2), attrs.get("beta", 0.5)
    return [torch.clamp(ins[0] * alpha + beta, 0.0, 1.0)]


SUPPORTED_OPS: dict[str, OpFn] = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": lambda ins, a: [ins[0].mean(dim=(2, 3), keepdim=True)],
    "BatchNormalization": _batch_norm,
    "Resize": _resize,
    "Identity": lambda ins, a: [ins[0]],
    "Relu": lambda ins, a: [F.relu(ins[0])],
    "Sigmoid": lambda ins, a: [torch.sigmoid(ins[0])],
    "HardSigmoid": _hard_sigmoid,
    "Erf": lambda ins, a: [torch.erf(ins[0])],
    "Gelu": lambda ins, a: [F.gelu(ins[0], approximate=a.get("approximate", "none"))],
    "Sqrt": lambda ins, a: [torch.sqrt(ins[0])],
    "Softmax": lambda ins, a: [torch.softmax(ins[0].float(), dim=a.get("axis", -1))],
    "Add": _binary(torch.add),
    "Sub": _binary(torch.sub),
    "Mul": _binary(torch.mul),
    "Div": _binary(torch.div),
    "Pow": _binary(torch.pow),
    "MatMul": _matmul,
    "ReduceMean": _reduce_mean,
    "Concat": _concat,
    "Shape": _shape,
    "Slice": _slice,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Transpose": lambda ins, a: [ins[0].permute(a["perm"])],
}
"""The operators OnnxGraphModule implements, by ONNX op_type."""
