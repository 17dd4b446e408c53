"""The exceptions pixelsvc raises. Messages say what was wrong and how to fix it, never PHI."""

from __future__ import annotations

__all__ = [
    "BatcherStoppedError",
    "ConfigError",
    "DecodeError",
    "InvalidFrameError",
    "ModelError",
    "NotDicomError",
    "PixelsvcError",
    "QueueFullError",
    "UnsupportedEncodingError",
]


class PixelsvcError(Exception):
    """Base class of every error pixelsvc raises on purpose."""


class ConfigError(PixelsvcError, ValueError):
    """A configuration value is out of range or of the wrong kind."""


class InvalidFrameError(PixelsvcError, ValueError):
    """A frame has a shape, dtype, size or photometric interpretation the engine cannot process."""


class ModelError(PixelsvcError, RuntimeError):
    """Model weights are missing, fail their hash check, or do not match the network."""


class DecodeError(PixelsvcError):
    """A DICOM file or its pixel data could not be decoded."""


class NotDicomError(DecodeError):
    """The input is not a DICOM file at all (skipped by the command line, not failed)."""


class UnsupportedEncodingError(DecodeError):
    """The transfer syntax or pixel encoding has no decoder installed here."""


class QueueFullError(PixelsvcError):
    """The batcher's queue holds `max_queued_frames` frames: back off and retry, or add replicas.

    The service answers RESOURCE_EXHAUSTED; nothing was queued, so a retry is safe.
    """


class BatcherStoppedError(PixelsvcError, RuntimeError):
    """The batcher is not running (not started, or shutting down): retry on another replica.

    The service answers UNAVAILABLE.
    """
