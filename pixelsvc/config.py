"""Every tunable of the engine, in one place.

Each field carries its docstring directly below it and its bounds are checked when the
object is built; an error names the field, the value, the allowed range and the fix.
Nothing else in pixelsvc reads the environment or hard-codes a threshold.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from pixelsvc.errors import ConfigError
from pixelsvc.phi.lexicon import DEFAULT_ALLOWLIST
from pixelsvc.types import Policy

__all__ = [
    "PRECISIONS",
    "RENDERINGS",
    "BatcherConfig",
    "DecodeLimits",
    "DetConfig",
    "EngineConfig",
    "MaskConfig",
    "PhiConfig",
    "RecConfig",
    "RenderConfig",
    "ServiceConfig",
    "load_decode_limits",
    "load_engine_config",
    "load_service_config",
]


PRECISIONS = ("auto", "fp32", "bf16", "fp16")
"""Values of `EngineConfig.precision`."""
RENDERINGS = ("full", "robust", "extreme", "local")
"""The views `pixelsvc.render.FrameRenderer` makes of a frame (`RenderedFrame.rendering`)."""


def _check_range(owner: object, name: str, lo: float | None, hi: float | None) -> None:
    value = getattr(owner, name)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise ConfigError(
            f"{type(owner).__name__}.{name} = {value!r} is out of range {bounds}; "
            f"set it to a value within that range"
        )


@dataclass(frozen=True, slots=True)
class RenderConfig:
    """How a native frame becomes the 8-bit images the detector sees."""

    extreme_views: bool = True
    """Also render views that isolate values at the very top and bottom of the stored
    range, where scanners draw burned-in text (text can be invisible in a plain window)."""
    extreme_fraction: float = 0.02
    """Share of the frame's value range counted as 'extreme' for those views."""
    percentile_view: bool = True
    """Also render a robust (0.5-99.5 percentile) window, so text drawn inside the tissue
    range stays visible when a few outlier pixels stretch the min-max window."""

    local_contrast_view: bool = True
    """Also render a locally equalised (CLAHE) view: faint, semi-transparent text and dark text
    over bright or textured anatomy gain contrast against their own surroundings."""
    local_replaces_robust: bool = True
    """Detect on the local-contrast view instead of the robust window it is made from: one
    detector pass fewer per frame, and the same recall on the benchmark's dev split."""
    local_contrast_clip: float = 3.0
    """CLAHE clip limit: how much local contrast is amplified at most."""
    local_contrast_tile: int = 128
    """CLAHE tile side in frame pixels (about the size of an annotation block)."""

    def __post_init__(self) -> None:
        _check_range(self, "extreme_fraction", 0.001, 0.25)
        _check_range(self, "local_contrast_clip", 1.0, 40.0)
        _check_range(self, "local_contrast_tile", 16, 4096)


@dataclass(frozen=True, slots=True)
class DetConfig:
    """PP-OCR DB text detector: pre-processing and post-processing knobs."""

    model: str = "ppocrv6-small-det"
    """Registered detector name (see pixelsvc.ocr.zoo)."""
    max_side: int = 1280
    """Longest side of one detector input (multiples of 32); larger views are tiled."""
    min_side: int = 736
    """Views are upscaled until their short side reaches this (as PP-OCR does): glyphs 5-8 px high
    on 256-512 px CT/MR frames are not found at their own size."""
    max_upscale: float = 3.0
    """Largest upscaling factor for `min_side` (a 128 px frame is not blown up 6x)."""
    min_scale: float = 0.6
    """Views are never shrunk below this factor; a view that would need more is detected in
    tiles of `max_side` detector pixels, so small annotations on large radiographs survive.
    (Shrinking a 2048 px frame to 0.625 found its 8 px low-contrast text where 1.0 tiles did
    not, at a third of the time: area averaging lifts faint text out of the noise.)"""
    bin_thresh: float = 0.3
    """Probability above which a pixel counts as text."""
    box_thresh: float = 0.5
    """Mean probability inside a region needed to keep it as a box."""
    unclip_ratio: float = 1.6
    """How far a shrunk DB kernel is grown back to the text outline (DB paper's D = A*r/L)."""
    min_box_side: int = 3
    """Boxes with a side shorter than this (detector pixels) are discarded as noise."""
    batch_size: int = 0
    """Frames per detector forward pass; 0 picks per device: 1 on CPU (larger batches were
    slower there, see bench/RESULTS.md), 16 on CUDA."""
    fine_factor: float = 2.0
    """Scale of the fine pass relative to the first; 1.0 turns it off. Above 1, windows of the
    `fine_view` rendering where small-text ink lies outside every first-pass box
    (`pixelsvc.ocr.fine`) are detected again this much larger, and boxes found where the first
    pass found nothing are added: 5-8 px glyphs on small frames and on radiographs shrunk to fit
    are found there (bench/RESULTS.md)."""
    fine_everywhere: bool = False
    """Rescan the whole `fine_view`, not only its windows of candidate ink: a few more faint lines
    over texture are found, at 2.8x the CPU per frame; worth it on a GPU."""
    fine_kernel: int = 9
    """Side of the top-hat / black-hat element that picks out small-text strokes (wider than the
    strokes of 5-14 px glyphs, narrower than anatomy)."""
    fine_percentile: float = 99.5
    """A pixel is candidate ink when its response exceeds this percentile of the view's ..."""
    fine_min_response: int = 12
    """... and this many grey levels. On a quiet frame (a slide, an ultrasound panel) the percentile
    outside the first pass's boxes can fall below 25 while a faint line over the image answers with
    12-25: at 25 its window was never rescanned (a fresh dev seed: recall 96.7 -> 97.4 %, collateral
    unchanged)."""
    fine_flat_ground: float = 3.0
    """A cell whose ink answers above `fine_min_response` but below the view's percentile is
    still looked at when its other pixels are flat, varying by at most this many grey levels
    (standard deviation): faint letters on a black border or a plain panel, on a frame whose
    anatomy sets the percentile far above them. Such windows are detected contrast-stretched
    (`pixelsvc.ocr.fine`). 0 turns it off."""
    fine_cell: int = 32
    """Side in source pixels of the cells whose share of candidate ink decides where to look."""
    fine_min_ink: float = 0.04
    """A cell is looked at again when at least this share of its pixels is candidate ink ..."""
    fine_max_ink: float = 0.7
    """... and at most this share (more is a flat bright structure, not strokes)."""
    fine_max_line: int = 48
    """Fine-pass boxes thicker than this (source pixels, the shorter side) are dropped: the pass is
    for small lines, and at twice the scale tissue texture gives large false boxes (a 67 px one
    over a saturated region masked 5 % of a frame in tests/test_recall_classes.py)."""
    fine_cover_line: int = 96
    """First-pass boxes thicker than this (source pixels, the shorter side) do not count as
    covering the ink inside them: such a box is a block of small lines, or tissue, that the
    first scale saw as one blob (on 3000 px radiographs a 9 px block came back inside a
    2133 px box), and it is read as one garbled line. The fine pass looks inside it, and the
    lines it finds there are added."""
    rescan_confidence: float = 0.5
    """A line box (no thicker than `fine_cover_line`) read as at most one letter or digit below
    this confidence is detected again by the fine pass, and the lines found inside it are read
    (a box over two fused small lines reads as nothing); 0 turns it off."""
    rescan_block_share: float = 0.02
    """A box thicker than `fine_cover_line` read as at most one letter or digit, whatever the
    confidence, and covering at most this share of the frame, is rescanned the same way: it is
    a block of small lines the first scale fused (a 6-line block of 11 px glyphs on a 3000 px
    ultrasound frame read as one glyph, `三`, at 0.94), and its ink did not stand out enough for the
    fine pass's windows. Larger blobs are tissue. 0 turns it off."""
    fine_view: str = "local"
    """Which rendering the fine pass rescans (the local-contrast view found most of those lines)."""
    fine_max_scale: float = 4.0
    """Largest scale of the fine pass (a 256 px frame is detected at 1024 px, not 1472)."""
    tile_overlap: int = 64
    """Overlap in source pixels between tiles when a frame is too large to detect at once."""
    drop_rulers: bool = True
    """Drop boxes whose ink is a scale bar (a thin rule with ticks, `pixelsvc.ink.is_ruler`): the
    detector takes rulers for text, they read as garbage, and garbage is masked as unreadable."""
    join_turned: bool = True
    """Add one box over each line printed at 90 degrees that the detector cut into word or glyph
    pieces, so the line is read as a whole (`pixelsvc.ocr.boxes.join_turned_pieces`): alone, the
    pieces of `18 DEC 2015` read `2015`, `DEC`, `8`, `1`, and a bare number is kept."""
    extend_lines: bool = True
    """Grow each box along its line over ink that continues past its ends, up to the next box
    on the line: a DB box can stop a character short of a faint or partly hidden line end, and
    the recogniser then reads `AG` for `SAG` and the mask leaves the letter (see `pixelsvc.ink`)."""

    def __post_init__(self) -> None:
        _check_range(self, "max_side", 64, 4096)
        _check_range(self, "min_side", 32, 2048)
        _check_range(self, "max_upscale", 1.0, 8.0)
        _check_range(self, "min_scale", 0.1, 1.0)
        _check_range(self, "bin_thresh", 0.01, 0.99)
        _check_range(self, "box_thresh", 0.01, 0.99)
        _check_range(self, "unclip_ratio", 0.5, 4.0)
        _check_range(self, "min_box_side", 1, 64)
        _check_range(self, "batch_size", 0, 256)
        _check_range(self, "tile_overlap", 0, 512)
        _check_range(self, "fine_factor", 1.0, 4.0)
        _check_range(self, "fine_max_scale", 0.5, 8.0)
        _check_range(self, "fine_kernel", 3, 63)
        _check_range(self, "fine_max_line", 8, 4096)
        _check_range(self, "fine_cover_line", 8, 100_000)
        _check_range(self, "rescan_confidence", 0.0, 1.0)
        _check_range(self, "rescan_block_share", 0.0, 1.0)
        _check_range(self, "fine_percentile", 50.0, 100.0)
        _check_range(self, "fine_min_response", 0, 255)
        _check_range(self, "fine_cell", 8, 512)
        _check_range(self, "fine_flat_ground", 0.0, 64.0)
        _check_range(self, "fine_min_ink", 0.0, 1.0)
        _check_range(self, "fine_max_ink", 0.0, 1.0)
        if self.fine_view not in RENDERINGS:
            raise ConfigError(f"DetConfig.fine_view = {self.fine_view!r} is not a rendering; use one of "
                              f"{', '.join(RENDERINGS)}")
        if self.max_side % 32:
            raise ConfigError(
                f"DetConfig.max_side = {self.max_side} must be a multiple of 32; use {self.max_side // 32 * 32 or 32}"
            )


@dataclass(frozen=True, slots=True)
class RecConfig:
    """PP-OCR CTC recogniser knobs."""

    model: str = "ppocrv6-small-rec"
    """Registered recogniser name (see pixelsvc.ocr.zoo)."""
    height: int = 48
    """Input height of the recogniser (fixed by the model)."""
    max_width: int = 1600
    """Crops wider than this after resizing to `height` are split into overlapping pieces."""
    batch_size: int = 0
    """Crops per recogniser forward pass (crops are sorted by width to limit padding); 0 picks per
    device: 32 on CPU, 128 on CUDA (see `for_device`)."""
    cache_size: int = 4096
    """Reads remembered across calls, by crop digest (LRU), so cine overlays streamed frame by frame
    are read once; 0 disables. Held in memory only. A read never depends on its batch mates, so a
    remembered read equals a fresh one."""
    retry_confidence: float = 0.9
    """A line read with a lower mean character confidence on its best view is read again on
    the frame's other views, and the most confident read is kept. 0 turns retries off."""
    vertical_aspect: float = 1.5
    """Boxes at least this many times taller than wide are read turned a quarter both ways
    (vertical text); up to twice this, as they stand too (a short upright word)."""
    probe_reach: float = 2.5
    """Over texture the detector cannot tell where a line ends and often stops a word short: the
    recogniser reads this many line heights past each end of every line read as text (with one
    line height of the box for context), and the line's mask extent grows over the letters and
    digits it reads there, up to three probes per end (`pixelsvc.ocr.lines`). 0 turns it off."""
    probe_confidence: float = 0.7
    """A probe's read grows the box only when at least this confident."""

    def __post_init__(self) -> None:
        _check_range(self, "height", 16, 128)
        _check_range(self, "max_width", 64, 8192)
        _check_range(self, "batch_size", 0, 1024)
        _check_range(self, "cache_size", 0, 1_000_000)
        _check_range(self, "retry_confidence", 0.0, 1.0)
        _check_range(self, "vertical_aspect", 1.0, 10.0)
        _check_range(self, "probe_reach", 0.0, 20.0)
        _check_range(self, "probe_confidence", 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class PhiConfig:
    """How recognised text is classified as PHI."""

    allowlist: tuple[str, ...] = DEFAULT_ALLOWLIST
    """Words and phrases (case-insensitive) that are clinical annotations, never PHI on their own;
    the default is `pixelsvc.phi.lexicon.DEFAULT_ALLOWLIST`."""
    fuzzy_threshold: float = 0.82
    """Minimum similarity (0-1, after OCR-confusion normalisation) for a read to match a
    header value."""
    min_match_length: int = 3
    """Header values shorter than this are only matched exactly (avoids masking 'M' for a
    patient whose initial is M)."""
    min_id_digits: int = 5
    """Digit runs at least this long are treated as identifiers when no header matches."""
    unreadable_confidence: float = 0.5
    """Unknown lines read with a mean character confidence below this are treated as PHI
    (fail closed: garbled small text may be a name or ID). 0 turns the rule off."""
    safe_min_confidence: float = 0.5
    """A read is kept as a clinical annotation only when it was read with at least this mean
    character confidence; a less confident `safe` read (`0` at 0.39 over a block of faint
    lines, `8668` cut from an id) is unknown text and masked as such (fail closed). 0 turns
    the rule off."""
    misread_likelihood: float = 0.1
    """An unknown line is kept as a clinical annotation it may be a misread of (`LSFT` for `LEFT`,
    `mtAs 250` for `mAs 250`: allowlisted words one or two edits away, `pixelsvc.phi.readings`)
    only when the recogniser found that spelling at least this many times as likely as what it
    read; 0 turns this off."""
    unknown_min_chars: int = 2
    """Under the default `phi` policy, unknown text (neither PHI-shaped nor a clinical annotation)
    is masked when it has at least this many letters or digits; a lone glyph (`K`, `x`) carries no
    identifier and is mostly a detector's stray mark. Reads with no letters or digits are kept."""
    unreadable_min_chars: int = 4
    """Only lines with at least this many letters or digits count as unreadable text;
    shorter ones are stray glyphs and marks."""
    min_alnum_id_length: int = 6
    """Tokens mixing letters and digits at least this long (separators not counted) ..."""
    min_alnum_id_digits: int = 4
    """... with at least this many digits are identifiers (`0545234234325V`); shorter codes with
    fewer digits are probe and parameter names (`L12-5`, `4V1c-S`)."""
    name_heuristic: bool = True
    """Mask lines that are only a person's name (two or three capitalised words, one a common given
    name: `John Doe`) even when the header has no name to match (headers are often scrubbed)."""
    use_layout: bool = True
    """Use neighbouring reads of the same frame on the same text row: the value to the right of
    a bare `Name:` read takes its label, a bare `hh:mm` beside a date is a time, and a piece cut off
    a PHI line is PHI (`pixelsvc.phi.layout`)."""
    overlap_safe_confidence: float = 0.9
    """An unknown read that covers the same pixels as a clinical annotation read with at least this
    confidence (and more than its own) is another, worse reading of that annotation and is kept;
    1.0 turns this off."""
    layout_gap: float = 3.0
    """Largest horizontal gap, in text-line heights, between two reads that count as one row."""
    fragment_aspect: float = 1.5
    """A read no longer than this many times its thickness (one or two glyphs) that lies along a
    PHI read, at most `fragment_gap` line thicknesses from it, is a cut-off piece of that line and
    PHI too, whatever it reads as (`M` after `MERCY UNIVERSITY HOSPITA`); 0 turns this off."""
    fragment_gap: float = 1.0
    """Largest gap, in line thicknesses, between a PHI read and a piece of it (`fragment_aspect`)."""
    text_cache_size: int = 4096
    """Verdicts remembered per header context, keyed by read text (overlays repeat on every frame);
    0 disables the cache. Held in memory only."""

    def __post_init__(self) -> None:
        _check_range(self, "fuzzy_threshold", 0.5, 1.0)
        _check_range(self, "min_match_length", 1, 16)
        _check_range(self, "min_id_digits", 3, 20)
        _check_range(self, "unreadable_confidence", 0.0, 1.0)
        _check_range(self, "unreadable_min_chars", 1, 64)
        _check_range(self, "safe_min_confidence", 0.0, 1.0)
        _check_range(self, "misread_likelihood", 0.0, 1.0)
        _check_range(self, "unknown_min_chars", 1, 64)
        _check_range(self, "min_alnum_id_length", 4, 32)
        _check_range(self, "min_alnum_id_digits", 2, 20)
        _check_range(self, "layout_gap", 0.0, 20.0)
        _check_range(self, "fragment_aspect", 0.0, 10.0)
        _check_range(self, "fragment_gap", 0.0, 10.0)
        _check_range(self, "overlap_safe_confidence", 0.5, 1.0)
        _check_range(self, "text_cache_size", 0, 1_000_000)


@dataclass(frozen=True, slots=True)
class MaskConfig:
    """How PHI regions are painted out."""

    margin: int = 3
    """Pixels added around every box before masking (never zero)."""
    merge_distance: int = 4
    """Boxes closer than this (pixels) are merged into one mask rectangle."""
    fill: str | int = "darkest"
    """'darkest' (the value that displays darkest for the frame's photometric
    interpretation), 'brightest', or an integer stored value."""
    tighten_to_ink: bool = True
    """Cut each box down to rectangles around its ink (one per word) where the ink stands out
    clearly from the background, so masks do not black out the tissue beside the text; where
    it does not, the whole box is masked."""
    max_unread_share: float = 0.05
    """A box covering more than this share of the frame is masked only if its text was read
    (confidence at least `read_confidence`): a large region the recogniser cannot read is
    anatomy the detector mistook for text (saturated or textured tissue), and blacking it out
    would destroy the image. 1.0 turns the rule off."""
    read_confidence: float = 0.5
    """Mean character confidence at which a large box counts as read text."""
    bridge_line_gap: float = 3.0
    """Masked pieces of one line closer than this many line heights are joined (the words
    between were not detected); 0 turns it off."""
    bridge_block_gap: float = 1.5
    """Masked lines of a block closer than this many line heights are joined (a small line
    between them was not detected); 0 turns it off."""
    carry_static_change: float = 0.5
    """A line masked as PHI on one frame of a series is masked on the next frames whose pixels in its
    box show the same picture: the RMS difference of the two regions, each scaled to zero mean and
    unit deviation, at most this (0.5 is a correlation of 0.875; `pixelsvc.static_text`). A cine's
    static overlay read in full on one frame and two glyphs short, or not at all, on the next.
    0 turns it off."""

    def __post_init__(self) -> None:
        _check_range(self, "margin", 1, 256)
        _check_range(self, "max_unread_share", 0.001, 1.0)
        _check_range(self, "read_confidence", 0.0, 1.0)
        _check_range(self, "merge_distance", 0, 256)
        _check_range(self, "bridge_line_gap", 0.0, 20.0)
        _check_range(self, "bridge_block_gap", 0.0, 20.0)
        _check_range(self, "carry_static_change", 0.0, 1.0)
        if isinstance(self.fill, str) and self.fill not in ("darkest", "brightest"):
            raise ConfigError(
                f"MaskConfig.fill = {self.fill!r} is not valid; use 'darkest', 'brightest' or an integer value"
            )


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The whole in-process engine."""

    device: str = "auto"
    """'auto' (CUDA when present, else CPU), 'cpu', 'cuda' or 'cuda:N'."""
    policy: Policy = Policy.PHI
    """Default policy when a call does not give one."""
    dedup_frames: bool = True
    """Analyse identical frames (by content hash) once."""
    dedup_crops: bool = True
    """Recognise identical text crops once."""
    residual_check: bool = False
    """After masking, detect and read the masked frames again and report PHI still readable."""
    cpu_threads: int = 0
    """torch intra-op threads on CPU; 0 keeps torch's default."""
    cache_dir: Path | None = None
    """Where converted models are cached (keyed by the source's sha256); None disables."""
    max_frame_pixels: int = 64_000_000
    """Frames with more pixels than this are refused (absurd dimensions)."""
    chunk_pixels: int = 8_000_000
    """`Engine.process` analyses a series in groups of frames of at most this many pixels together,
    so memory holds the rendered views (three 8-bit RGB images per frame) of one group only."""
    precision: str = "auto"
    """Float type of the networks: 'fp32', 'bf16' or 'fp16'; 'auto' is fp32 on CPU (half-precision
    convolutions are slower on most CPUs) and fp16 on CUDA. fp16 reads agree with fp32 on more lines
    than bf16 (8 mantissa bits shift DB region edges and change a few reads); measured with
    bench/parity.py, numbers in bench/RESULTS.md. Reductions and softmax stay float32 either way."""
    channels_last: str = "auto"
    """'on', 'off', or 'auto' (on): store conv weights and inputs NHWC, the layout cuDNN's fastest
    kernels use and oneDNN's on CPU too (detector forwards ~30 % less CPU time, recogniser ~10 %, the
    same reads; bench/RESULTS.md). CUDA also gets cudnn.benchmark (the detector's shape buckets repeat)."""
    heap_retain_mb: int = 1024
    """CPU memory (MiB) malloc may keep free for the next frame instead of returning it to the OS
    (glibc: mmap off, this trim threshold; `pixelsvc.heap`). Detector forwards then reuse their pages
    instead of faulting them in again: engine CPU time per frame 12-25 % less, peak memory about
    10 % more (bench/RESULTS.md). 0 leaves malloc's defaults. Process-wide."""
    compile: bool = False
    """Wrap both networks in `torch.compile` (one graph per shape bucket; the nets have no host reads).
    Opt-in: on CPU it needs a C++ compiler and compiles for minutes; measure before turning it on."""
    render: RenderConfig = field(default_factory=RenderConfig)
    det: DetConfig = field(default_factory=DetConfig)
    rec: RecConfig = field(default_factory=RecConfig)
    phi: PhiConfig = field(default_factory=PhiConfig)
    mask: MaskConfig = field(default_factory=MaskConfig)

    def __post_init__(self) -> None:
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ConfigError(
                f"EngineConfig.device = {self.device!r} is not valid; use 'auto', 'cpu', 'cuda' or 'cuda:N'"
            )
        if not isinstance(self.policy, Policy):
            object.__setattr__(self, "policy", Policy(self.policy))
        _check_range(self, "cpu_threads", 0, 1024)
        _check_range(self, "heap_retain_mb", 0, 2047)
        _check_range(self, "max_frame_pixels", 1, 1_000_000_000)
        _check_range(self, "chunk_pixels", 1, 1_000_000_000)
        if self.precision not in PRECISIONS:
            raise ConfigError(f"EngineConfig.precision = {self.precision!r} is not valid; use one of "
                              f"{', '.join(PRECISIONS)}")
        if self.channels_last not in ("auto", "on", "off"):
            raise ConfigError(f"EngineConfig.channels_last = {self.channels_last!r} is not valid; use 'auto', "
                              f"'on' or 'off'")

    def for_device(self, device_type: str) -> EngineConfig:
        """This config with every per-device default ('auto', 0) resolved for 'cpu' or 'cuda'.

        CPU keeps what was measured fastest there (bench/RESULTS.md): fp32, NCHW, detector batch 1,
        recogniser batch 32. CUDA gets bf16, channels-last and larger batches, which keep the GPU busy.
        """
        cuda = device_type == "cuda"
        det = self.det if self.det.batch_size else replace(self.det, batch_size=16 if cuda else 1)
        rec = self.rec if self.rec.batch_size else replace(self.rec, batch_size=128 if cuda else 32)
        precision = self.precision if self.precision != "auto" else ("fp16" if cuda else "fp32")
        layout = self.channels_last if self.channels_last != "auto" else "on"
        return replace(self, det=det, rec=rec, precision=precision, channels_last=layout)


@dataclass(frozen=True, slots=True)
class BatcherConfig:
    """How the service packs frames from all streams into device batches (Triton's dynamic-batcher knobs).

    A batch is formed when `max_batch_frames` frames or `max_batch_pixels` pixels are queued, or
    when the oldest queued frame has waited `max_wait_ms`, whichever comes first.
    """

    max_batch_frames: int = 16
    """Most frames in one batch. Larger batches raise device throughput until the device is busy;
    past that they only add latency."""
    max_batch_pixels: int = 16_777_216
    """Most source pixels (rows x cols) in one batch: this, not the frame count, bounds the device
    memory one batch needs, so a batch of large radiographs stays as safe as one of small CT slices.
    A single frame larger than this still runs, alone."""
    max_wait_ms: float = 5.0
    """Longest time the oldest queued frame waits for company before a partial batch runs. Derive it
    from the latency target: keep it well under (p99 target - batch run time); 0 never waits."""
    max_queued_frames: int = 256
    """Frames that may wait across all streams; beyond this a submit is refused at once
    (RESOURCE_EXHAUSTED) instead of queueing without bound. Size it to a few batches: more only
    adds latency, and the queue depth is the autoscaler's signal to add replicas."""

    batches_in_flight: int = 0
    """Batches that may run at once, each on its own worker thread; 0 picks per device: 2 on CUDA (the
    host prepares batch N+1 - render, resize, upload - while the GPU runs batch N), 1 on CPU (both
    would share the same cores). A batch only forms when a worker is free, so queue wait stays bounded."""

    def __post_init__(self) -> None:
        _check_range(self, "batches_in_flight", 0, 8)
        _check_range(self, "max_batch_frames", 1, 1024)
        _check_range(self, "max_batch_pixels", 1, None)
        _check_range(self, "max_wait_ms", 0.0, 10_000.0)
        _check_range(self, "max_queued_frames", 1, 1_000_000)
        self.verify_queue()

    def verify_queue(self) -> None:
        """The queue must hold at least one full batch, or the frame trigger could never fire."""
        if self.max_queued_frames < self.max_batch_frames:
            raise ConfigError(
                f"BatcherConfig.max_queued_frames = {self.max_queued_frames} is smaller than "
                f"max_batch_frames = {self.max_batch_frames}, so a full batch can never form; raise "
                f"max_queued_frames to at least {self.max_batch_frames} or lower max_batch_frames"
            )


_MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """How much one input file may cost the client that decodes it (memory bombs fail that file only).

    Checked from the header and the codestreams' own size fields before a decoder allocates.
    Each field has a ``PIXELSVC_<FIELD>`` variable (``load_decode_limits``).
    """

    max_frame_decoded_bytes: int = 256 * _MIB
    """Most bytes one decoded frame may take (rows x columns x samples x bytes per sample)."""
    max_file_decoded_bytes: int = 1024 * _MIB
    """Most bytes all decoded frames of one file may take together; the frames of a file are held
    at once while the pixel step and the encoder work on them."""
    max_inflated_bytes: int = 256 * _MIB
    """Most bytes a Deflated Explicit VR Little Endian dataset may inflate to."""
    decode_in_child: bool = True
    """Decode pixel data in a child process (`pixelsvc.client.isolate`), so that a codec crash,
    hang or runaway allocation fails that file only."""
    decode_memory_bytes: int = 3 * 1024 * _MIB
    """Address-space limit (RLIMIT_AS) of a decoder child: more than max_file_decoded_bytes plus the
    child's own ~0.5 GB of libraries."""
    decode_timeout_s: float = 120.0
    """Longest a decoder child may take for one file before it is stopped and the file fails."""

    def __post_init__(self) -> None:
        _check_range(self, "decode_memory_bytes", 256 * _MIB, 1 << 44)
        _check_range(self, "decode_timeout_s", 1.0, 86_400.0)
        _check_range(self, "max_frame_decoded_bytes", 1024, 1 << 40)
        _check_range(self, "max_file_decoded_bytes", 1024, 1 << 40)
        _check_range(self, "max_inflated_bytes", 1024, 1 << 40)


def load_decode_limits(environ: Mapping[str, str] | None = None) -> DecodeLimits:
    """Defaults, then ``PIXELSVC_MAX_FRAME_DECODED_BYTES`` etc.

    >>> load_decode_limits({"PIXELSVC_MAX_INFLATED_BYTES": "4096"}).max_inflated_bytes
    4096
    """
    return DecodeLimits(**_env_values(DecodeLimits, os.environ if environ is None else environ))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The gRPC service: listening sockets, message limits, TLS, shutdown, and the nested batcher and engine.

    Transport security is explicit: give `tls_cert` and `tls_key` (plus `tls_client_ca` for mutual
    TLS), or set `plaintext` to serve without TLS (a sidecar or mesh terminates it). The server
    refuses to start with neither (see `verify_transport`).
    """

    host: str = "127.0.0.1"
    """Address to listen on: loopback unless told otherwise ('[::]' or '0.0.0.0' for every interface;
    the container image and the Kubernetes manifests set it explicitly)."""
    port: int = 50051
    """gRPC port; 0 picks a free port (the server logs and returns the one it bound)."""
    metrics_port: int = 9464
    """Prometheus /metrics HTTP port, served apart from gRPC; 0 disables the HTTP endpoint."""
    max_message_bytes: int = 8 * _MIB
    """Largest gRPC message accepted or sent. Frames travel in chunks, so this bounds memory per
    message, not the frame size; it must leave room for one chunk plus the message envelope."""
    max_chunk_bytes: int = 4 * _MIB
    """Largest `FrameChunk.data` accepted, and the size masked frames are sent back in."""
    max_frame_pixels: int = 64_000_000
    """Frames whose rows x columns exceed this are refused from the header, before any allocation."""
    max_frame_bytes: int = 256 * _MIB
    """Frames whose byte size (rows x columns x samples x bytes per sample) exceeds this are refused
    from the header: one stream can never make the server allocate more than this per frame."""
    max_bytes_in_flight: int = 1024 * _MIB
    """Pixel bytes all streams together may hold while frames arrive and wait (received chunks,
    whole frames queued or in the engine). A chunk that would pass it is answered
    RESOURCE_EXHAUSTED before anything is allocated for it."""
    window_frames: int = 4
    """Frames of one stream that may be in the batcher at once. More than 1 lets a stream's frames
    share a batch; results still go out in frame order."""
    warmup: str = "auto"
    """'on', 'off', or 'auto' (on for CUDA): before health turns SERVING, run a few synthetic frames
    (512x512 mono, 800x600 RGB, at batch 1 and the detector batch size) through the engine, so
    first-shape costs (cuDNN kernel search, allocator growth, compiled graphs) stay out of client
    latency. CPU has no kernel search, and warming costs it seconds of start-up: off there by default."""
    dedup_window: int = 8
    """A frame identical to one of the stream's last `dedup_window` distinct frames (content hash)
    reuses that frame's analysis instead of being batched again (static cine loops). Only these
    results are held in memory per stream; 0 disables (so does EngineConfig.dedup_frames=False)."""
    grace_seconds: float = 30.0
    """On SIGTERM, how long in-flight streams may take to finish before they are cancelled (keep it
    under the pod's terminationGracePeriodSeconds)."""
    max_connection_age_seconds: float = 0.0
    """Close each client connection after this long (0: never), letting it finish its streams for up
    to 10 minutes. Round-robin clients then reconnect and reach pods added by a scale-up."""
    tls_cert: Path | None = None
    """PEM server certificate chain; with `tls_key`, enables TLS."""
    tls_key: Path | None = None
    """PEM private key of `tls_cert`."""
    tls_client_ca: Path | None = None
    """PEM CA bundle; when given, clients must present a certificate it signed (mutual TLS)."""
    plaintext: bool = False
    """Serve without TLS. Must be asked for explicitly; never combined with certificate paths."""
    batcher: BatcherConfig = field(default_factory=BatcherConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)

    def __post_init__(self) -> None:
        if self.warmup not in ("auto", "on", "off"):
            raise ConfigError(f"ServiceConfig.warmup = {self.warmup!r} is not valid; use 'auto', 'on' or 'off'")
        _check_range(self, "port", 0, 65535)
        _check_range(self, "metrics_port", 0, 65535)
        _check_range(self, "max_message_bytes", 64 * 1024, 1 << 30)
        _check_range(self, "max_chunk_bytes", 1024, 1 << 30)
        _check_range(self, "max_frame_pixels", 1, 1_000_000_000)
        _check_range(self, "max_frame_bytes", 1, 1 << 34)
        _check_range(self, "max_bytes_in_flight", 1024, 1 << 40)
        _check_range(self, "window_frames", 1, 1024)
        _check_range(self, "dedup_window", 0, 4096)
        _check_range(self, "grace_seconds", 0.0, 3600.0)
        _check_range(self, "max_connection_age_seconds", 0.0, 7 * 86400.0)
        for name in ("tls_cert", "tls_key", "tls_client_ca"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))
        self.verify_limits()

    def verify_limits(self) -> None:
        """A chunk plus its envelope must fit in one message, or no frame could ever be sent."""
        envelope = 16 * 1024
        if self.max_chunk_bytes + envelope > self.max_message_bytes:
            raise ConfigError(
                f"ServiceConfig.max_chunk_bytes = {self.max_chunk_bytes} does not fit in max_message_bytes = "
                f"{self.max_message_bytes} with {envelope} bytes of message envelope; raise max_message_bytes "
                f"to at least {self.max_chunk_bytes + envelope} or lower max_chunk_bytes"
            )

    def verify_transport(self) -> None:
        """TLS paths and the plaintext flag must agree; called when the server starts.

        Raises:
            ConfigError: neither TLS nor plaintext was chosen, or the choice is incomplete.
        """
        if self.plaintext and (self.tls_cert or self.tls_key or self.tls_client_ca):
            raise ConfigError("ServiceConfig.plaintext is set together with TLS paths; choose one: drop "
                              "--plaintext (PIXELSVC_PLAINTEXT) or the --tls-* paths (PIXELSVC_TLS_*)")
        if self.plaintext:
            return
        if self.tls_cert is None or self.tls_key is None:
            raise ConfigError("no transport security chosen: give --tls-cert and --tls-key (PIXELSVC_TLS_CERT, "
                              "PIXELSVC_TLS_KEY), or --plaintext (PIXELSVC_PLAINTEXT=1) to serve without TLS")
        for name in ("tls_cert", "tls_key", "tls_client_ca"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ConfigError(f"ServiceConfig.{name} = {str(path)!r} is not a readable file")


_ENV_PREFIX = "PIXELSVC_"


def load_engine_config(environ: dict[str, str] | None = None, **overrides: object) -> EngineConfig:
    """Build an EngineConfig from defaults, then ``PIXELSVC_*`` variables, then keyword overrides.

    Environment variables name top-level fields (``PIXELSVC_DEVICE=cpu``,
    ``PIXELSVC_RESIDUAL_CHECK=1``, ``PIXELSVC_CACHE_DIR=/var/cache/pixelsvc``) and the scalar
    fields of each stage's section (``PIXELSVC_DET_FINE_FACTOR=1.0``, ``PIXELSVC_MASK_...``).
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(EngineConfig):
        raw = env.get(_ENV_PREFIX + f.name.upper())
        if raw is None or f.name in ("render", "det", "rec", "phi", "mask"):
            continue
        default = getattr(EngineConfig(), f.name)
        if isinstance(default, bool):
            values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            try:
                values[f.name] = int(raw)
            except ValueError:
                raise ConfigError(f"{_ENV_PREFIX}{f.name.upper()} = {raw!r} is not an integer") from None
        elif f.name == "cache_dir":
            values[f.name] = Path(raw) if raw else None
        else:
            values[f.name] = raw
    defaults = EngineConfig()
    for section in ("render", "det", "rec", "phi", "mask"):
        section_values = _env_values(type(getattr(defaults, section)), env,
                                     prefix=f"{_ENV_PREFIX}{section.upper()}_")
        if section_values:
            values[section] = replace(getattr(defaults, section), **section_values)
    values.update(overrides)
    return replace(EngineConfig(), **values)


def _env_values(cls: type, env: Mapping[str, str], skip: tuple[str, ...] = (),
                prefix: str = _ENV_PREFIX) -> dict[str, object]:
    """Parse ``<prefix><FIELD>`` for each scalar field of a config dataclass, typed by its default."""
    values: dict[str, object] = {}
    defaults = cls()
    for f in fields(cls):
        name = prefix + f.name.upper()
        raw = env.get(name)
        if raw is None or f.name in skip:
            continue
        default = getattr(defaults, f.name)
        if not isinstance(default, (bool, int, float, str)) and "Path" not in str(f.type):
            raise ConfigError(f"{name} cannot be set from the environment (not a scalar setting)")
        try:
            if isinstance(default, bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            elif "Path" in str(f.type):
                values[f.name] = Path(raw) if raw else None
            else:
                values[f.name] = raw
        except ValueError:
            kind = "an integer" if isinstance(default, int) else "a number"
            raise ConfigError(f"{name} = {raw!r} is not {kind}") from None
    return values


def load_service_config(environ: Mapping[str, str] | None = None, *, engine: Mapping[str, object] | None = None,
                        batcher: Mapping[str, object] | None = None, **overrides: object) -> ServiceConfig:
    """Build the service's whole config: defaults, then ``PIXELSVC_*`` variables, then overrides (CLI flags).

    Every field of ServiceConfig, BatcherConfig and EngineConfig has one variable named after it:
    ``PIXELSVC_PORT``, ``PIXELSVC_TLS_CERT``, ``PIXELSVC_PLAINTEXT=1``, ``PIXELSVC_MAX_BATCH_FRAMES``,
    ``PIXELSVC_MAX_WAIT_MS``, ``PIXELSVC_DEVICE``. ``PIXELSVC_MAX_FRAME_PIXELS`` sets both the service's
    and the engine's limit.

    >>> load_service_config({"PIXELSVC_PORT": "6000", "PIXELSVC_PLAINTEXT": "1"}).port
    6000
    """
    env = os.environ if environ is None else environ
    engine_config = load_engine_config(dict(env), **dict(engine or {}))
    batcher_values = _env_values(BatcherConfig, env)
    batcher_values.update(batcher or {})
    values = _env_values(ServiceConfig, env, skip=("batcher", "engine"))
    values.update(overrides)
    return ServiceConfig(**values, batcher=BatcherConfig(**batcher_values), engine=engine_config)  # type: ignore[arg-type]
