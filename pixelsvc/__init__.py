"""pixelsvc: remove burned-in patient information from DICOM pixel data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pixelsvc.config import EngineConfig
from pixelsvc.types import Frame, FrameResult, Label, PhiContext, Policy

if TYPE_CHECKING:
    from pixelsvc.pipeline import Engine

__all__ = ["Engine", "EngineConfig", "Frame", "FrameResult", "Label", "PhiContext", "Policy"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Engine imports torch (seconds, hundreds of MB): only when it is used, so that the CLI's
    # help, the client with --server and the health probe start fast
    if name == "Engine":
        from pixelsvc.pipeline import Engine

        return Engine
    raise AttributeError(f"module 'pixelsvc' has no attribute {name!r}")
