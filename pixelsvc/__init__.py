"""pixelsvc: remove burned-in patient information from DICOM pixel data."""

from pixelsvc.config import EngineConfig
from pixelsvc.pipeline import Engine
from pixelsvc.types import Frame, FrameResult, Label, PhiContext, Policy

__all__ = ["Engine", "EngineConfig", "Frame", "FrameResult", "Label", "PhiContext", "Policy"]
__version__ = "0.1.0"
