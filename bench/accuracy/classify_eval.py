"""Classifier-only accuracy: the benchmark's ground-truth strings fed to `PhiClassifier` as reads.

Fast (no detector, no recogniser): it measures what the classifier does with what OCR would
return. Every drawn PHI string is classified on its own and, when it has a label, as
`label value` (one read holding both), with the header context of its image and with an
empty one (an upstream tool blanked the header), as drawn and with simulated OCR noise
(O/0, I/1/l, S/5, B/8 confusions, a space dropped or added, a character dropped).
Distractors (clinical annotations) must stay unmasked.

Strings come from the benchmark generator (`pixelsvc.synth`, the `bench/accuracy` benchmark):
either straight from its value and layout pools (`--split dev`, deterministic by `--seed`), or
from the truth JSON files it wrote (`--truth DIR`), whose DICOM files give the header context.
Tune on dev only; the test split is reported, never tuned on.

    python bench/accuracy/classify_eval.py --split dev --patients 3000 --seed 1
    python bench/accuracy/classify_eval.py --truth /tmp/bench-dev

Prints one table (recall per category and condition, distractors kept) and, with `--misses N`,
up to N missed strings per category: those are synthetic, never real PHI. `--timing` times the
classifier alone (text cache off); with `--code DIR` it times another checkout's classifier on
the same strings, for a ratio measured in one run:

    for code in ../old-checkout .; do python bench/accuracy/classify_eval.py --truth /tmp/acc/dev \
        --timing --code $code; done
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


def _code_root(argv: list[str]) -> Path:
    """The checkout whose `pixelsvc` is measured: this one, or `--code DIR` (for A/B timing)."""
    if "--code" in argv and argv.index("--code") + 1 < len(argv):
        return Path(argv[argv.index("--code") + 1]).resolve()
    return Path(__file__).resolve().parents[2]


sys.path.insert(0, str(_code_root(sys.argv[1:])))

from pixelsvc.config import PhiConfig  # noqa: E402
from pixelsvc.phi import PhiClassifier  # noqa: E402
from pixelsvc.types import PhiContext, Policy, TextBox, TextRead  # noqa: E402

__all__ = ["Case", "add_noise", "evaluate", "main", "time_reads"]

BOX = TextBox(10, 10, 300, 30)
CONDITIONS = ("header", "no-header", "header+noise", "no-header+noise")

_CONFUSIONS = {
    "O": "0", "0": "O", "o": "0", "I": "1", "1": "l", "l": "1", "S": "5", "5": "S", "B": "8", "8": "B",
    "i": "l", "Z": "2", "G": "6",
}


@dataclass(frozen=True, slots=True)
class Case:
    """One drawn string: its category ('DISTRACTOR' for text that must stay), the label printed
    before it ('' for none) and the header context of its image."""

    category: str
    text: str
    label: str
    context: PhiContext = field(compare=False)


def add_noise(rng: random.Random, text: str) -> str:
    """One to three OCR slips: character confusions, a dropped or added space, a dropped character."""
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        if not chars:
            break
        kind = rng.random()
        if kind < 0.55:
            spots = [i for i, ch in enumerate(chars) if ch in _CONFUSIONS]
            if spots:
                i = rng.choice(spots)
                chars[i] = _CONFUSIONS[chars[i]]
        elif kind < 0.75:
            spaces = [i for i, ch in enumerate(chars) if ch == " "]
            if spaces:
                del chars[rng.choice(spaces)]
        elif kind < 0.85:
            chars.insert(rng.randrange(1, len(chars) + 1), " ")
        elif len(chars) > 3:
            del chars[rng.randrange(len(chars))]
    return "".join(chars)


def _context_of_header(header: dict[str, str]) -> PhiContext:
    """The classifier's context for a generator header, built the way `redact` builds it."""
    import pydicom

    from pixelsvc.dicom.decode import phi_context

    ds = pydicom.Dataset()
    for keyword, value in header.items():
        if value:
            setattr(ds, keyword, value)
    return phi_context(ds)


def synth_cases(split: str, patients: int, seed: int) -> Iterator[Case]:
    """Strings drawn by the benchmark generator's own value and layout code, one patient at a time."""
    from pixelsvc.synth.layout import distractor_texts
    from pixelsvc.synth.values import make_patient, phi_strings

    rng = random.Random(f"classify-eval:{split}:{seed}")
    for _ in range(patients):
        patient = make_patient(rng, split)
        context = _context_of_header(patient.header())
        for s in phi_strings(rng, patient):
            yield Case(s.category, s.text, s.label, context)
        for text in distractor_texts(rng):
            yield Case("DISTRACTOR", text, "", context)


def truth_cases(root: Path) -> Iterator[Case]:
    """Strings listed in the generator's truth files (`root/truth/*-h.json`, the with-header
    variant of each image), with the header context read from the DICOM file each one names.
    A `LABEL` string followed by the next string of the same frame becomes that string's label."""
    import pydicom

    from pixelsvc.dicom.decode import phi_context

    paths = sorted((root / "truth").glob("*.json")) if (root / "truth").is_dir() else [root]
    for path in paths:
        doc = json.loads(path.read_text())
        if doc.get("header", "with-header") != "with-header":
            continue  # the no-header twin holds the same strings; the empty context is a condition here
        dcm = path.parent.parent / "dicom" / doc["file"]
        context = phi_context(pydicom.dcmread(dcm, stop_before_pixels=True)) if dcm.is_file() else PhiContext()
        strings = doc["strings"]
        for i, item in enumerate(strings):
            text, category = item.get("text") or "", item["category"]
            if category == "LABEL" or not text.strip() or text == "<scale bar>":
                continue  # a scale bar is drawn, not written: its read has no letters or digits
            before = strings[i - 1] if i else None
            labelled = before is not None and before["category"] == "LABEL" and before["frame"] == item["frame"]
            label = before["text"] if labelled else ""
            yield Case(category, text, label, context)


def _reads(case: Case) -> list[str]:
    """The reads OCR may return for a case: the value alone, and label and value as one read."""
    return [case.text, f"{case.label} {case.text}"] if case.label else [case.text]


@dataclass
class Tally:
    """Counts per (condition, category): reads seen and reads masked, plus a few misses."""

    seen: Counter = field(default_factory=Counter)
    masked: Counter = field(default_factory=Counter)
    misses: dict = field(default_factory=lambda: defaultdict(list))


def evaluate(cases: Iterable[Case], config: PhiConfig | None = None, seed: int = 0,
             keep_misses: int = 0) -> Tally:
    """Classify every case under every condition (see `CONDITIONS`) with the default policy.

    Args:
        cases: the drawn strings.
        config: classifier settings (defaults when None).
        seed: seeds the OCR noise.
        keep_misses: how many missed strings to remember per condition and category.

    Returns:
        The tally.
    """
    classifier = PhiClassifier(config or PhiConfig())
    rng = random.Random(f"noise:{seed}")
    empty = PhiContext()
    tally = Tally()
    for case in cases:
        for read in _reads(case):
            noisy = add_noise(rng, read)
            for condition, text, context in (
                ("header", read, case.context), ("no-header", read, empty),
                ("header+noise", noisy, case.context), ("no-header+noise", noisy, empty),
            ):
                (verdict,) = classifier.classify([TextRead(BOX, text, 0.9)], context, Policy.PHI)
                key = (condition, case.category)
                tally.seen[key] += 1
                tally.masked[key] += verdict.mask
                wrong = verdict.mask if case.category == "DISTRACTOR" else not verdict.mask
                if wrong and len(tally.misses[key]) < keep_misses:
                    tally.misses[key].append((text, verdict.label.value, verdict.rule))
    return tally


def time_reads(cases: list[Case], seed: int = 0, passes: int = 3) -> float:
    """Seconds per read with the text cache off (every read classified from scratch), best of
    `passes`, over the same reads `evaluate` classifies."""
    rng = random.Random(f"noise:{seed}")
    empty = PhiContext()
    reads: list[tuple[str, PhiContext]] = []
    for case in cases:
        for read in _reads(case):
            noisy = add_noise(rng, read)
            reads += [(read, case.context), (read, empty), (noisy, case.context), (noisy, empty)]
    best = float("inf")
    for _ in range(passes):
        classifier = PhiClassifier(PhiConfig(text_cache_size=0))
        start = time.perf_counter()
        for text, context in reads:
            classifier.classify([TextRead(BOX, text, 0.9)], context, Policy.PHI)
        best = min(best, (time.perf_counter() - start) / len(reads))
    return best


def _table(tally: Tally) -> str:
    categories = sorted({c for _, c in tally.seen if c != "DISTRACTOR"})
    lines = ["| category | " + " | ".join(CONDITIONS) + " |", "|---|" + "---:|" * len(CONDITIONS)]
    for category in [*categories, "PHI (all)", "DISTRACTOR kept"]:
        cells = []
        for condition in CONDITIONS:
            if category == "PHI (all)":
                seen = sum(n for (c, k), n in tally.seen.items() if c == condition and k != "DISTRACTOR")
                hit = sum(n for (c, k), n in tally.masked.items() if c == condition and k != "DISTRACTOR")
            elif category == "DISTRACTOR kept":
                seen = tally.seen[(condition, "DISTRACTOR")]
                hit = seen - tally.masked[(condition, "DISTRACTOR")]
            else:
                seen, hit = tally.seen[(condition, category)], tally.masked[(condition, category)]
            cells.append(f"{hit / seen:.4f} ({seen})" if seen else "-")
        lines.append(f"| {category} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--split", choices=("dev", "test"), help="draw strings from the generator's pools")
    source.add_argument("--truth", type=Path, help="a folder the benchmark generator wrote (or one truth JSON)")
    parser.add_argument("--patients", type=int, default=2000, help="patients drawn with --split")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--misses", type=int, default=0, help="print up to N missed strings per category")
    parser.add_argument("--timing", action="store_true", help="only time the classifier (text cache off)")
    parser.add_argument("--code", type=Path, help="measure the pixelsvc of another checkout (A/B timing)")
    args = parser.parse_args(argv)
    cases = list(synth_cases(args.split, args.patients, args.seed) if args.split else truth_cases(args.truth))
    if args.timing:
        per_read = time_reads(cases, seed=args.seed)
        print(f"{len(cases)} strings: {1e6 * per_read:.1f} µs per read, text cache off, best of 3")
        return 0
    start = time.perf_counter()
    tally = evaluate(cases, seed=args.seed, keep_misses=args.misses)
    elapsed = time.perf_counter() - start
    reads = sum(tally.seen.values())
    print(_table(tally))
    print(f"\n{len(cases)} strings, {reads} reads classified in {elapsed:.1f} s "
          f"({1e6 * elapsed / max(reads, 1):.0f} µs per read, cache on)")
    for (condition, category), misses in sorted(tally.misses.items()):
        for text, label, rule in misses:
            print(f"miss {condition:16s} {category:12s} {label:18s} {rule:28s} {text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
