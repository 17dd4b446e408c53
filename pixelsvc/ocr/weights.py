"""Load a registered ONNX model from its installed wheel and turn it into a torch module.

The file is found through the wheel's installed metadata, its sha256 is checked against
the registry, and the graph is converted by `OnnxGraphModule`. A converted program may be
cached on disk under ``<cache_dir>/<sha256>.pt``; the cache key is the source's hash, so
a changed source can never be served from a stale cache.
"""

from __future__ import annotations

import importlib.metadata
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from pixelsvc.errors import ModelError
from pixelsvc.files import sha256_file, write_atomic
from pixelsvc.ocr.nets.fuse import fuse_program
from pixelsvc.ocr.nets.onnx_graph import GraphProgram, OnnxGraphModule, program_from_onnx
from pixelsvc.ocr.zoo import ModelSpec

if TYPE_CHECKING:
    from pixelsvc.config import EngineConfig

__all__ = ["DTYPES", "load_module", "load_program", "locate_model_file", "tune_module"]

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
"""`EngineConfig.precision` values and their torch dtypes."""

log = logging.getLogger(__name__)


def locate_model_file(spec: ModelSpec) -> Path:
    """Path of the model's ONNX file inside its installed wheel.

    Raises:
        ModelError: the package is not installed, is another version, or lacks the file.
    """
    try:
        dist = importlib.metadata.distribution(spec.package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"model {spec.name!r} needs the package {spec.package}=={spec.version}; install it with "
            f"'pip install {spec.package}=={spec.version}'"
        ) from None
    if dist.version != spec.version:
        raise ModelError(
            f"model {spec.name!r} is registered from {spec.package}=={spec.version} but {dist.version} is "
            f"installed; install the registered version"
        )
    for file in dist.files or ():
        if str(file).replace("\\", "/") == spec.member:
            return Path(str(file.locate()))
    raise ModelError(f"{spec.package}=={spec.version} is installed but has no {spec.member}")


def load_program(spec: ModelSpec, cache_dir: Path | None = None) -> GraphProgram:
    """The model's graph, converted from ONNX (or read from the cache), after a hash check."""
    path = locate_model_file(spec)
    actual = sha256_file(path)
    if actual != spec.sha256:
        raise ModelError(
            f"model {spec.name!r}: {spec.member} has sha256 {actual[:12]}…, expected {spec.sha256[:12]}…; "
            f"reinstall {spec.package}=={spec.version}"
        )
    cached = cache_dir / f"{spec.sha256}.pt" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        try:
            return GraphProgram.from_state(torch.load(cached, map_location="cpu", weights_only=True))
        except Exception:  # a broken cache file is rebuilt, never trusted
            log.warning("converted-model cache unreadable, rebuilding", extra={"model": spec.name})
    import onnx

    program = program_from_onnx(onnx.load(str(path)))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # 0o644: a shared cache (a container image's) must be readable by the user that serves
        write_atomic(cached, lambda f: torch.save(program.to_state(), f), mode=0o644)
    return program


def load_module(spec: ModelSpec, device: torch.device, cache_dir: Path | None = None) -> OnnxGraphModule:
    """A ready-to-run module on `device`, in eval mode with gradients off."""
    module = OnnxGraphModule(fuse_program(load_program(spec, cache_dir))).to(device).eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def tune_module(module: OnnxGraphModule, config: EngineConfig) -> OnnxGraphModule:
    """Cast a loaded module to the config's precision and memory format (`config` resolved `for_device`).

    The weights were hash-checked and loaded strictly in fp32 first; this only converts them.
    Callers take the input dtype from the module (`next(module.buffers()).dtype`). With
    `config.compile` the forward is wrapped in `torch.compile`; the module object stays the same.
    """
    module = module.to(DTYPES[config.precision])
    if config.channels_last == "on":
        module = module.to(memory_format=torch.channels_last)
    if next(module.buffers()).device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # shape buckets repeat: pick the fastest kernel once per shape
    if config.compile:
        # dynamic=None: the first new shape recompiles with symbolic sizes (the graph's shape
        # arithmetic is python ints, so it traces), instead of one graph per detector/crop width
        module.forward = torch.compile(module.forward)  # type: ignore[method-assign]
    return module
