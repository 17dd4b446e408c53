"""The small typed records passed between pipeline stages.

decode -> Frame -> render -> RenderedFrame -> detect -> Detection -> recognise -> TextRead
-> classify -> Verdict -> mask -> MaskedFrame.  Nothing here imports torch or pydicom,
and no record prints recognised text or header values in its repr.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Detection",
    "Frame",
    "FrameKey",
    "FrameResult",
    "Label",
    "MaskedFrame",
    "PhiContext",
    "Policy",
    "ReadLattice",
    "RenderedFrame",
    "TextBox",
    "TextRead",
    "Verdict",
]

FrameKey = tuple[str, int]
"""(stream id, frame index): identifies a frame without UIDs or names."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame in its native dtype and value range.

    `pixels` is (rows, cols) for monochrome or (rows, cols, 3) for colour. Colour
    frames are RGB: YBR is converted and palettes expanded before a Frame is made.
    """

    key: FrameKey
    pixels: np.ndarray = field(repr=False)
    photometric: str
    bits_stored: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.pixels.shape)


@dataclass(frozen=True, slots=True)
class RenderedFrame:
    """An 8-bit RGB view of a frame for the detector, at the frame's own pixel grid.

    A frame may have several renderings (e.g. full range and an extreme-value view);
    boxes found on any of them are in source-frame pixels because the grid is the same.
    """

    key: FrameKey
    image: np.ndarray = field(repr=False)  # uint8, (rows, cols, 3)
    rendering: str


@dataclass(frozen=True, slots=True)
class TextBox:
    """An axis-aligned text box in source-frame pixels: x0, y0 inclusive, x1, y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int
    score: float = 0.0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def grown(self, margin: int) -> TextBox:
        """This box with `margin` pixels added on every side (not clipped to a frame)."""
        return TextBox(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin, self.score)

    def overlap(self, other: TextBox) -> int:
        """Pixels this box shares with `other`."""
        width = min(self.x1, other.x1) - max(self.x0, other.x0)
        height = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0, width) * max(0, height)

    def mostly_inside(self, other: TextBox) -> bool:
        """At least half of this box (and some of it) lies inside `other`."""
        shared = self.overlap(other)
        return shared > 0 and 2 * shared >= self.area()


@dataclass(frozen=True, slots=True)
class Detection:
    """A frame's text box after merging the boxes of all its views, and the view to read it on."""

    box: TextBox
    view: int
    """Index into the frame's list of `RenderedFrame` views: the one whose box scored best."""
    found: TextBox | None = None
    """The detector's own box when `box` was grown along its line over ink past its ends
    (`pixelsvc.ink.extend_along_line`), else None. The recogniser keeps of the growth only what
    it reads letters or digits in (`pixelsvc.ocr.lines`)."""


_LATTICE_FLOOR = 1e-4
"""Probability given to a character the recogniser did not rank at a time step (at most the
smallest one it did rank): an unranked character counts against a reading, never for it."""


@dataclass(frozen=True, slots=True, eq=False)
class ReadLattice:
    """What the CTC recogniser saw at each time step of a crop: its most likely classes (upper case,
    `""` for the blank) and their probabilities. It says how likely the recogniser found another
    spelling of the line than the one it read (`pixelsvc.phi.readings` asks whether a misread is an
    annotation: `LSFT` as `LEFT`). It holds read text: never logged or reported."""

    chars: np.ndarray = field(repr=False)  # (steps, k) str, upper case; "" is the blank
    probs: np.ndarray = field(repr=False)  # (steps, k) float32, best first

    def log_likelihood(self, text: str) -> float:
        """log P(text | crop): `log_likelihoods` of one text."""
        return float(self.log_likelihoods([text])[0])

    def log_likelihoods(self, texts: list[str]) -> np.ndarray:
        """log P(text | crop) of each text by the CTC forward sum over all alignments, all texts at
        once; letters match without case (the allowlist has none), and a character outside a
        step's ranked classes gets a floor probability."""
        uppers = [text.upper() for text in texts]
        size = 2 * max((len(u) for u in uppers), default=0) + 1
        ext = np.full((len(uppers), size), "", dtype=object)
        length = np.array([2 * len(u) + 1 for u in uppers])
        for n, upper in enumerate(uppers):
            ext[n, 1:2 * len(upper):2] = list(upper)
        ext = ext.astype(str)  # (texts, 2L+1): blank, c0, blank, c1, ..., blank
        valid = np.arange(size)[None, :] < length[:, None]
        floor = np.minimum(_LATTICE_FLOOR, self.probs[:, -1])[None, :, None]
        same = self.chars[None, :, :, None] == ext[:, None, None, :]  # (texts, steps, k, 2L+1)
        emit = np.maximum((self.probs[None, :, :, None] * same).sum(axis=2), floor) * valid[:, None, :]
        # a step may skip the blank between two different letters, never between the same two
        skip = np.zeros(ext.shape, dtype=bool)
        skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
        alpha = np.zeros(ext.shape)
        alpha[:, :2] = emit[:, 0, :2]
        total = np.zeros(len(uppers))
        for t in range(1, emit.shape[1]):
            scale = alpha.sum(axis=1, keepdims=True)
            scale[scale <= 0] = 1e-300
            total += np.log(scale[:, 0])
            prev = alpha / scale
            alpha = prev.copy()
            alpha[:, 1:] += prev[:, :-1]
            alpha[:, 2:] += np.where(skip[:, 2:], prev[:, :-2], 0.0)
            alpha *= emit[:, t]
        rows = np.arange(len(uppers))
        end = alpha[rows, length - 1] + np.where(length > 1, alpha[rows, np.maximum(length - 2, 0)], 0.0)
        with np.errstate(divide="ignore"):
            return total + np.log(end)


@dataclass(frozen=True, slots=True)
class TextRead:
    """A recognised text line. `text` may be PHI: it never appears in repr, logs or errors."""

    box: TextBox
    text: str = field(repr=False)
    confidence: float = 0.0
    extent: TextBox | None = None
    """The line's box grown over letters the recogniser read past `box` (`pixelsvc.ocr.lines`
    probes the ends of lines over texture), or None. A mask covers it; the layout rules, and
    the boxes kept as annotations, use `box`: what was read past a box only ever adds mask."""
    lattice: ReadLattice | None = field(default=None, repr=False, compare=False)
    """The recogniser's ranked classes per time step of the crop `text` was read from, or None."""

    @property
    def mask_box(self) -> TextBox:
        """What a mask of this line covers: `extent` when there is one, else `box`."""
        return self.extent if self.extent is not None else self.box


@dataclass(frozen=True, slots=True)
class PhiContext:
    """Header values known to identify the patient, sent with a series.

    Values are given as they are stored in DICOM: person names as PN (``DOE^JOHN``),
    dates as DA (``YYYYMMDD``), times as TM, ages as AS (``067Y``). The repr never
    shows them.
    """

    names: tuple[str, ...] = field(default=(), repr=False)
    """Patient name, other patient names, physicians, operators (PN values)."""
    ids: tuple[str, ...] = field(default=(), repr=False)
    """Patient ID, other patient IDs, accession number, study ID, requesting ids."""
    dates: tuple[str, ...] = field(default=(), repr=False)
    """Birth date and study/series/acquisition/content dates (DA or DT values)."""
    times: tuple[str, ...] = field(default=(), repr=False)
    """Study/series/acquisition/content times (TM values)."""
    ages: tuple[str, ...] = field(default=(), repr=False)
    """Patient age (AS values such as ``067Y``)."""
    institutions: tuple[str, ...] = field(default=(), repr=False)
    """Institution name and address, station name, department, referring addresses."""
    other: tuple[str, ...] = field(default=(), repr=False)
    """Any other identifying free text (addresses, phone numbers, descriptions)."""

    def is_empty(self) -> bool:
        return not any(
            (self.names, self.ids, self.dates, self.times, self.ages, self.institutions, self.other)
        )

    def __repr__(self) -> str:  # never print values
        counts = ", ".join(
            f"{name}={len(getattr(self, name))}"
            for name in ("names", "ids", "dates", "times", "ages", "institutions", "other")
        )
        return f"PhiContext({counts})"


class Policy(enum.StrEnum):
    """What gets masked."""

    PHI = "phi"
    """The default, fail closed: mask every line labelled PHI and every line that is not
    confidently a clinical annotation (unknown text with two or more letters or digits); keep
    lines that are (`TEXT:SAFE`) and reads with no letters or digits (scale bars, dashes)."""
    ALL_TEXT = "all-text"
    """Mask every text region with a letter or digit, clinical annotations included."""
    DETECT_ONLY = "detect-only"
    """Report regions, mask nothing."""


class Label(enum.StrEnum):
    """What a text region was classified as. Safe to log and to use as a metric label."""

    NAME = "PHI:NAME"
    DATE = "PHI:DATE"
    TIME = "PHI:TIME"
    ID = "PHI:ID"
    AGE = "PHI:AGE"
    """An age, or a patient's sex printed with it or after a sex label (`83 M`, `Sex: F`)."""
    INSTITUTION = "PHI:INSTITUTION"
    CONTACT = "PHI:CONTACT"
    """Phone numbers, e-mail addresses, SSN-like numbers, street addresses."""
    PHI_OTHER = "PHI:OTHER"
    """Matches an 'other' header value or follows a PHI label such as ``Name:``."""
    SAFE = "TEXT:SAFE"
    """Confidently a clinical annotation: every token allowlisted, a number or a measurement, and
    no PHI shape on the line."""
    UNKNOWN = "TEXT:UNKNOWN"
    """Text that is neither PHI-like nor a clinical annotation: masked by the default policy."""

    @property
    def is_phi(self) -> bool:
        return self.value.startswith("PHI:")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's decision for one text read.

    `rule` names the rule that fired (``header.names~fuzzy``, ``pattern.date``,
    ``allowlist``): safe to log, never contains the text.
    """

    read: TextRead
    label: Label
    mask: bool
    rule: str

    @property
    def region(self) -> TextBox:
        """The box a report shows: what was masked for a masked line (its extent), else the read's box."""
        return self.read.mask_box if self.mask else self.read.box


@dataclass(frozen=True, slots=True)
class MaskedFrame:
    """A frame after masking. `changed=False` means the original pixels are untouched."""

    frame: Frame
    pixels: np.ndarray = field(repr=False)
    boxes: tuple[TextBox, ...]
    changed: bool


@dataclass(frozen=True, slots=True)
class FrameResult:
    """Everything the engine knows about one frame after the pipeline ran."""

    key: FrameKey
    verdicts: tuple[Verdict, ...]
    masked: MaskedFrame
    residual: tuple[Verdict, ...] = ()
    """PHI still readable after masking (residual check); empty when it passed or did not run."""
    residual_checked: bool = False
    deduplicated: bool = False
    """True when this frame was identical to an earlier one and reused its analysis."""
