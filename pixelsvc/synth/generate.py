"""Generate a benchmark split: cases -> two DICOM files each (with and without header values) + truth.

Layout of an output folder::

    DIR/dicom/<case>-h.dcm    identifying values in the header, matching the burned-in ones
    DIR/dicom/<case>-n.dcm    the same pixels, a header with no identifying values
    DIR/truth/<case>-h.json   per file: every string (box, category, axes)
    DIR/truth/<case>.npz      per case: ink label image per frame
    DIR/manifest.json         split, seed, counts, fonts and background sources used

A split is generated until it holds `min_phi_boxes` PHI boxes (counted on the
with-header files), so the same seed always gives the same files.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pixelsvc.synth.backgrounds import BackgroundSource, real_sources
from pixelsvc.synth.dicom import new_uids, to_stored, write_series
from pixelsvc.synth.fonts import fonts_for_split
from pixelsvc.synth.scene import Case, CaseSpec, make_case
from pixelsvc.synth.truth import FileTruth, save_masks, save_truth

__all__ = ["SPLITS", "SplitConfig", "generate_split", "write_case"]


@dataclass(frozen=True, slots=True)
class SplitConfig:
    seed: int
    min_phi_boxes: int


SPLITS = {"dev": SplitConfig(seed=1010, min_phi_boxes=1000), "test": SplitConfig(seed=2020, min_phi_boxes=3000)}


def write_case(case: Case, out: Path, name: str, split: str, *, rng: random.Random,
               variants: tuple[str, ...] = ("h", "n")) -> list[FileTruth]:
    """Write the header variants of a case ('h' with values, 'n' without) and their truth."""
    stored = [to_stored(f, case.fmt) for f in case.frames]
    masks_name = f"{name}.npz"
    save_masks(out / "truth" / masks_name, case.labels)
    truths = []
    for suffix in variants:
        header = case.patient.header() if suffix == "h" else {}
        file_name = f"{name}-{suffix}.dcm"
        syntax = write_series(out / "dicom" / file_name, stored, case.fmt, case.background.modality, header,
                              new_uids(rng))
        truth = FileTruth(
            file=file_name, case=name, split=split, header="with-header" if header else "no-header",
            frames=len(stored), rows=int(stored[0].shape[0]), cols=int(stored[0].shape[1]),
            photometric=case.fmt.photometric, bits_stored=case.fmt.bits_stored, signed=case.fmt.signed,
            transfer_syntax=syntax, background=case.background.source, modality=case.background.modality,
            masks=masks_name, strings=case.strings)
        save_truth(out / "truth" / f"{name}-{suffix}.json", truth)
        truths.append(truth)
    return truths


def generate_split(split: str, out: Path, *, seed: int | None = None, limit: int | None = None,
                   data_root: Path | None = None, min_phi_boxes: int | None = None,
                   spec: CaseSpec | None = None) -> dict[str, object]:
    """Generate a split into `out`; returns the manifest (also written to out/manifest.json)."""
    config = SPLITS[split]
    seed = config.seed if seed is None else seed
    target = config.min_phi_boxes if min_phi_boxes is None else min_phi_boxes
    fonts = fonts_for_split(split)
    sources: list[BackgroundSource] = real_sources(data_root, split) if data_root and data_root.is_dir() else []
    out.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    backgrounds: Counter[str] = Counter()
    frames = phi_boxes = index = 0
    while phi_boxes < target and (limit is None or index < limit):
        rng = random.Random(f"{split}:{seed}:{index}")
        case = make_case(rng, split, fonts, sources, spec or CaseSpec())
        write_case(case, out, f"{split}-{index:05d}", split, rng=rng)
        phi = [s for s in case.strings if s.is_phi]
        phi_boxes += len(phi)
        counts.update(s.category for s in case.strings)
        backgrounds[case.background.source.split("-")[0] + "-" + case.background.modality] += 1
        frames += len(case.frames)
        index += 1
    manifest: dict[str, object] = {
        "split": split, "seed": seed, "cases": index, "files": 2 * index, "frames_per_variant": frames,
        "phi_boxes_per_variant": phi_boxes, "strings_by_category": dict(sorted(counts.items())),
        "backgrounds": dict(sorted(backgrounds.items())), "fonts": sorted(f.name for f in fonts),
        "real_sources": sorted(s.source_id for s in sources),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest
