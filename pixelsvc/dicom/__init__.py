"""DICOM side of the engine: pydicom in, typed frames out (no torch here).

`decode` turns a file into `Frame`s and the `PhiContext` of its header.
"""

from pixelsvc.dicom.decode import FrameInfo, frame_info, iter_frames, phi_context, read_dataset

__all__ = ["FrameInfo", "frame_info", "iter_frames", "phi_context", "read_dataset"]
