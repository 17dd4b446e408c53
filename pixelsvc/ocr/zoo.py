"""The registry of OCR models pixelsvc can run, by name.

Each entry says which PyPI wheel ships the ONNX file, where inside it, the file's
sha256 and its licence. Weights are read only from the installed wheel after a hash
check; nothing is downloaded at run time. `models/MANIFEST.md` documents the same
entries for people (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MODELS", "ModelSpec", "get_spec"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Where a model's weights come from and how its input is normalised."""

    name: str
    task: str  # "det" or "rec"
    package: str
    version: str
    member: str
    sha256: str
    licence: str
    attribution: str
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)


_PADDLE = "PaddleOCR PP-OCRv6 (c) Baidu / PaddlePaddle authors; ONNX conversion by RapidOCR"

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="ppocrv6-small-det",
            task="det",
            package="rapidocr",
            version="3.10.0",
            member="rapidocr/models/PP-OCRv6_det_small.onnx",
            sha256="090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
            licence="Apache-2.0",
            attribution=_PADDLE,
        ),
        ModelSpec(
            name="ppocrv6-small-rec",
            task="rec",
            package="rapidocr",
            version="3.10.0",
            member="rapidocr/models/PP-OCRv6_rec_small.onnx",
            sha256="6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
            licence="Apache-2.0",
            attribution=_PADDLE,
        ),
    )
}
"""Every registered model. Unknown names are rejected by `get_spec`."""


def get_spec(name: str, task: str) -> ModelSpec:
    """Look up a registered model.

    Raises:
        ModelError: the name is unknown or registered for another task.
    """
    from pixelsvc.errors import ModelError

    spec = MODELS.get(name)
    if spec is None or spec.task != task:
        known = ", ".join(sorted(n for n, s in MODELS.items() if s.task == task))
        raise ModelError(f"unknown {task} model {name!r}; registered {task} models: {known}")
    return spec
