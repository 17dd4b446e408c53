"""Synthetic DICOM with burned-in text and exact ground truth: the accuracy benchmark and `pixelsvc demo`.

No torch here: generating a sample needs pydicom, numpy, OpenCV and Pillow only.
"""

from pixelsvc.synth.generate import SPLITS, generate_split

__all__ = ["SPLITS", "generate_split"]
