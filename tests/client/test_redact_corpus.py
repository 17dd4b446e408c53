"""`pixelsvc redact` over the whole shared corpus, with the real engine, then checked file by file.

One run of exactly the README's command (``pixelsvc redact ../shared/data/real
../shared/data/presidio --out OUT --report R.jsonl``, with a fixed key file) feeds every
test here: statuses, PHI left in headers, UID and date-shift consistency, byte-identical
passthrough, masks, resume, and the same run against a live `pixelsvc serve` on loopback.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import pytest

from pixelsvc.cli import main
from pixelsvc.client.headers import OPTION_CODES
from pixelsvc.client.profile import BASIC_PROFILE
from pixelsvc.config import DecodeLimits, MaskConfig
from pixelsvc.dicom.accounting import account_pixel_data
from pixelsvc.dicom.decode import frame_info, iter_frames, phi_context, read_dataset
from pixelsvc.mask import FrameMasker
from pixelsvc.pipeline import Engine
from pixelsvc.types import Frame, TextBox
from tests.dicom.pixel_bytes import encoded_frames
from tests.reference import load_catalog, using_own_corpus
from tests.service.harness import local_config, running_server

# The module-scoped run below analyses all 579 frames of the corpus with the real engine: about
# 9 minutes on this project's 2-core machines, and more than the suite's 900 s default on CI's
# (its setup counts against the first test). The bound is for a hung run, not a slow one.
pytestmark = pytest.mark.timeout(2700)

KEY_TEXT = "corpus-test-key-0123456789abcdef"
STATUSES = {"redacted", "clean", "excluded", "failed"}
OUTPUT_PATH = re.compile(r"^[A-Za-z0-9._-]+/(2\.25\.\d+|unknown-study)/(2\.25\.\d+|unknown-series)/2\.25\.\d+\.dcm$")
TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UN", "UR", "UT"}
OUR_CODE_MEANINGS = {meaning for _code, meaning in OPTION_CODES.values()}
# files the server comparison re-runs: native grey and RGB, RLE palette, RLE YBR, lossy multi-frame, Presidio
SERVER_SUBSET = ("real/deid-data/ultrasounds/GREYSCALE_IMAGE.dcm", "real/pydicom/examples_rgb_color.dcm",
                 "real/cornerstoneWADOImageLoader/no-pixel-spacing.dcm", "real/dcm4che/YBR_FULL-RLE.dcm",
                 "real/pydicom/examples_ybr_color.dcm", "presidio/2_ORIGINAL.dcm", "presidio/RGB_ORIGINAL.dcm")


@dataclass
class CorpusRun:
    code: int
    root: Path
    out: Path
    key: Path
    lines: dict[str, dict]
    """Report lines by input path relative to the data root."""
    hashes: dict[Path, str]
    seconds: float


def _files(root: Path) -> Iterator[Path]:
    for folder in ("real", "presidio"):
        yield from sorted(p for p in (root / folder).rglob("*") if p.is_file())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    if using_own_corpus():
        # tests/client/test_review.py runs `pixelsvc redact` with the real engine on own-corpus files
        pytest.skip("the whole-corpus redact run needs the shared corpus (real/ and presidio/)")
    root = tmp_path_factory.mktemp("corpus")
    key = root / "run.key"
    key.write_text(KEY_TEXT)
    key.chmod(0o600)
    out = root / "OUT"
    report = root / "R.jsonl"
    hashes = {p: _sha(p) for p in _files(shared_data)}
    start = time.perf_counter()
    code = main(["redact", str(shared_data / "real"), str(shared_data / "presidio"), "--out", str(out),
                 "--report", str(report), "--key-file", str(key), "--device", "cpu", "--no-progress"])
    seconds = time.perf_counter() - start
    lines = {}
    for text in report.read_text().splitlines():
        line = json.loads(text)
        lines[str(Path(line["input"]).relative_to(shared_data))] = line
    return CorpusRun(code, shared_data, out, key, lines, hashes, seconds)


def _written(corpus: CorpusRun) -> list[tuple[str, dict]]:
    return [(rel, line) for rel, line in sorted(corpus.lines.items()) if line["output"]]


# --- statuses -------------------------------------------------------------------------


def test_every_input_has_a_status(corpus: CorpusRun) -> None:
    assert set(corpus.lines) == {str(p.relative_to(corpus.root)) for p in corpus.hashes}
    statuses = {line["status"] for line in corpus.lines.values()}
    assert statuses <= STATUSES
    for rel, line in corpus.lines.items():
        if line["status"] in ("failed", "excluded"):
            assert line["error"] and line["output"] is None, rel
        else:
            assert line["error"] is None and Path(line["output"]).is_file(), rel
    failed = [rel for rel, line in corpus.lines.items() if line["status"] == "failed"]
    assert corpus.code == (1 if failed else 0)


def test_decodable_files_are_written_and_the_rest_explained(corpus: CorpusRun) -> None:
    for entry in load_catalog(corpus.root):
        line = corpus.lines[f"real/{entry.path}"]
        if entry.is_zip:
            assert line["status"] == "excluded"  # the upstream zip archives are not DICOM
        elif entry.decodes and entry.has_pixels:
            if line["status"] == "excluded":  # a byte-identical copy is written once; embedded documents never
                assert "identical copy" in line["error"] or "encapsulated document" in line["error"], entry.path
                continue
            assert line["status"] in ("redacted", "clean"), f"{entry.path}: {line['status']} {line['error']}"
            assert line["frames"] == (entry.frames or 1)
        elif not entry.has_pixels:
            assert line["status"] == "excluded" and "pixel data" in line["error"]
        else:
            assert line["status"] == "failed" and line["error"]
    presidio = {rel: line for rel, line in corpus.lines.items() if rel.startswith("presidio/")}
    assert presidio["presidio/2_ORIGINAL.dcm"]["status"] == "redacted"
    assert presidio["presidio/0_ORIGINAL_no_pixels.dcm"]["status"] == "excluded"
    statuses = {line["status"] for line in corpus.lines.values()}
    assert {"redacted", "clean", "excluded"} <= statuses


def test_inputs_unchanged_and_outputs_complete(corpus: CorpusRun) -> None:
    assert all(_sha(p) == digest for p, digest in corpus.hashes.items())
    assert not list(corpus.out.rglob("*.part")) and not list(corpus.out.rglob(".*"))
    outputs = {Path(line["output"]) for _rel, line in _written(corpus)}
    assert outputs == set(corpus.out.rglob("*.dcm"))


def test_output_paths_carry_no_phi(corpus: CorpusRun) -> None:
    for rel, line in _written(corpus):
        relative = Path(line["output"]).relative_to(corpus.out).as_posix()
        assert OUTPUT_PATH.match(relative), rel
        ds = read_dataset(corpus.root / rel)
        stem = Path(rel).stem
        assert stem not in relative or len(stem) < 4, rel
        for keyword in ("PatientID", "PatientName", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            value = str(ds.get(keyword, "") or "").strip()
            assert len(value) < 4 or value not in relative, f"{rel}: {keyword} in the output path"


# --- headers ---------------------------------------------------------------------------


def _name_variants(name: str) -> set[str]:
    """DOE^JOHN^A -> DOE^JOHN^A, DOE JOHN A, JOHN DOE, DOE, JOHN, DOE, JOHN and each word of 5+ letters."""
    parts = [p.strip() for p in name.replace("=", "^").split("^") if p.strip()]
    variants = {name.strip("^ "), " ".join(parts)}
    if len(parts) >= 2:
        variants |= {f"{parts[1]} {parts[0]}", f"{parts[0]}, {parts[1]}", f"{parts[0]},{parts[1]}"}
    variants |= set(parts)
    variants |= {word for part in parts for word in part.split() if len(word) >= 5}
    return variants


def _phi_values(ds: pydicom.Dataset) -> tuple[set[str], set[str]]:
    """(values any output must not contain, values this file's own output must not contain).

    Dates are checked against the file's own output only: another patient's shifted date
    can equal this file's original date by chance.
    """
    context = phi_context(ds)
    everywhere: set[str] = set()
    for name in context.names:
        everywhere |= _name_variants(name)
    everywhere |= set(context.ids) | set(context.institutions)
    own = set(everywhere) | set(context.dates)
    birth = str(ds.get("PatientBirthDate", "") or "").strip()
    if birth:
        own |= {birth, f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", f"{birth[4:6]}/{birth[6:]}/{birth[:4]}"}
    return {v for v in everywhere if len(v) >= 6}, {v for v in own if len(v) >= 4}


def _suspect_texts(original: pydicom.Dataset, written: pydicom.Dataset) -> list[str]:
    """The output's text values that could carry PHI.

    Left out: unchanged copies of input elements that the profile does not treat as
    identifying (a Manufacturer 'TOSHIBA' is not the InstitutionName 'TOSHIBA' that leaked),
    and the values pixelsvc itself writes (method codes, pseudonyms, checked elsewhere).
    """
    kept = {(e.tag, _text_of(e)) for e in _elements(original) if not _identifying(e)}
    texts = []
    for element in [*_elements(written.file_meta), *_elements(written)]:
        if element.VR not in TEXT_VRS or element.keyword in ("PatientName", "PatientID", "DeidentificationMethod"):
            continue
        text = _text_of(element)
        if (element.tag, text) in kept or text in OUR_CODE_MEANINGS:
            continue
        texts.append(text)
    return texts


def _text_of(element: pydicom.DataElement) -> str:
    value = element.value
    return bytes(value).decode("latin-1") if isinstance(value, bytes) else str(value)


def _elements(ds: pydicom.Dataset) -> Iterator[pydicom.DataElement]:
    """Every element, sequences included, skipping stray delimiters (group FFFE) pydicom cannot convert."""
    for tag in list(ds.keys()):
        if tag.group == 0xFFFE:
            continue
        element = ds[tag]
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from _elements(item)


def _identifying(element: pydicom.DataElement) -> bool:
    action = BASIC_PROFILE.get(element.keyword)
    return element.VR in ("PN", "DA", "DT") or element.tag.is_private or (action is not None and action != "K")


def test_no_header_phi_in_any_output(corpus: CorpusRun) -> None:
    """Every output's header holds none of any input's identifying values (counts only are reported)."""
    everywhere: set[str] = set()
    own: dict[str, set[str]] = {}
    originals: dict[str, pydicom.Dataset] = {}
    for rel, _line in _written(corpus):
        originals[rel] = read_dataset(corpus.root / rel)
        shared, mine = _phi_values(originals[rel])
        everywhere |= shared
        own[rel] = mine
    assert len(everywhere) > 100, "the corpus should carry header PHI"
    pattern = re.compile("|".join(re.escape(v) for v in sorted(everywhere, key=len, reverse=True)))
    leaks = pseudonyms_kept = 0
    for rel, line in _written(corpus):
        written = pydicom.dcmread(line["output"], stop_before_pixels=True)
        for text in _suspect_texts(originals[rel], written):
            leaks += len(pattern.findall(text)) + sum(value in text for value in own[rel])
        original_name = str(originals[rel].get("PatientName", "") or "")
        original_id = str(originals[rel].get("PatientID", "") or "")
        pseudonyms_kept += (len(original_name) > 3 and original_name in str(written.PatientName)) + (
            len(original_id) > 3 and original_id in str(written.PatientID))
    assert leaks == 0, f"{leaks} original header values found in the outputs"
    assert pseudonyms_kept == 0


def test_header_flags(corpus: CorpusRun) -> None:
    for rel, line in _written(corpus):
        ds = pydicom.dcmread(line["output"])
        assert ds.PatientIdentityRemoved == "YES", rel
        assert ds.BurnedInAnnotation == "NO", rel
        assert "IconImageSequence" not in ds, rel
        tags = list(ds.keys())
        assert not [t for t in tags if t.group & 0xFF00 == 0x6000], f"{rel}: overlay left"
        assert not [t for t in tags if t.is_private], f"{rel}: private element left"


def test_uids_consistent_across_series(corpus: CorpusRun) -> None:
    by_series: dict[str, set[str]] = defaultdict(set)
    by_study: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = defaultdict(int)
    for rel, line in _written(corpus):
        original = read_dataset(corpus.root / rel)
        written = pydicom.dcmread(line["output"], stop_before_pixels=True)
        if "SeriesInstanceUID" in original and "StudyInstanceUID" in original:
            by_series[str(original.SeriesInstanceUID)].add(str(written.SeriesInstanceUID))
            by_study[str(original.StudyInstanceUID)].add(str(written.StudyInstanceUID))
            sizes[str(original.SeriesInstanceUID)] += 1
        assert written.SOPInstanceUID != original.get("SOPInstanceUID")
        assert written.file_meta.MediaStorageSOPInstanceUID == written.SOPInstanceUID
    assert max(sizes.values()) >= 2, "the corpus should hold a multi-file series"
    assert all(len(new) == 1 for new in by_series.values())
    assert all(len(new) == 1 for new in by_study.values())
    assert len({next(iter(v)) for v in by_series.values()}) == len(by_series)  # distinct stay distinct


def test_date_shift_consistent_per_patient(corpus: CorpusRun) -> None:
    shifts: dict[tuple[str, str], set[int]] = defaultdict(set)
    for rel, line in _written(corpus):
        original = read_dataset(corpus.root / rel)
        written = pydicom.dcmread(line["output"], stop_before_pixels=True)
        before, after = str(original.get("StudyDate", "") or ""), str(written.get("StudyDate", "") or "")
        if len(before) == 8 and before.isdigit() and after:
            days = (np.datetime64(f"{after[:4]}-{after[4:6]}-{after[6:]}")
                    - np.datetime64(f"{before[:4]}-{before[4:6]}-{before[6:]}")).astype(int)
            patient = (str(original.get("PatientID", "")), str(original.get("IssuerOfPatientID", "")))
            shifts[patient].add(int(days))
    assert len(shifts) >= 5
    assert all(len(days) == 1 for days in shifts.values())
    assert all(-1825 <= next(iter(days)) <= -30 for days in shifts.values())


# --- pixels ----------------------------------------------------------------------------


def _mask_boxes(line: dict, index: int, frame: Frame) -> tuple[TextBox, ...]:
    """The rectangles the masker paints for a frame's reported masked regions (cut to their ink)."""
    boxes = [TextBox(*r["box"]) for r in line["regions"] if r["frame"] == index and r["masked"]]
    return FrameMasker(MaskConfig()).mask(frame, boxes).boxes


def test_pixels_change_only_inside_masks(corpus: CorpusRun) -> None:
    """Decoded outputs equal decoded inputs outside the reported masks; unmasked frames keep their bytes."""
    checked = kept = 0
    for rel, line in _written(corpus):
        original = read_dataset(corpus.root / rel)
        written = read_dataset(line["output"])
        method = line["pixel_data"]["method"]
        if line["pixel_data"].get("unanalysed"):
            # bytes no decoder reads were dropped: compare with the accounted data, which must decode the same
            account_pixel_data(original, frame_info(original), DecodeLimits())
            assert line["pixel_data"]["unanalysed"]["dropped_bytes"] >= 0
        if method == "kept":
            keyword = frame_info(original).pixel_keyword
            before_value, after_value = original[keyword].value, written[keyword].value
            # the same bytes; an odd-length input value gets the padding byte DICOM requires
            assert after_value == before_value or (len(before_value) % 2 and after_value == before_value + b"\0"), rel
            assert written.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
            kept += 1
        masked_frames = {r["frame"] for r in line["regions"] if r["masked"]}
        for index, (before, after) in enumerate(zip(iter_frames(original), iter_frames(written), strict=True)):
            outside = np.ones(before.pixels.shape[:2], dtype=bool)
            for box in _mask_boxes(line, index, before):
                outside[box.y0:box.y1, box.x0:box.x1] = False
            assert np.array_equal(before.pixels[outside], after.pixels[outside]), f"{rel} frame {index}"
            if index in masked_frames:
                assert not np.array_equal(before.pixels, after.pixels), f"{rel} frame {index} not masked"
        if method in ("edited", "reencoded") and not line["pixel_data"]["overlay_bit_frames"]:
            before_bytes, after_bytes = encoded_frames(original), encoded_frames(written)
            for index in range(len(before_bytes)):
                if index not in masked_frames:
                    assert before_bytes[index] == after_bytes[index], f"{rel} frame {index} re-encoded"
        checked += 1
    assert checked >= 120 and kept >= 40


# --- resume and the server --------------------------------------------------------------


def test_resume_skips_everything_written(corpus: CorpusRun, tmp_path: Path) -> None:
    stamps = {p: p.stat().st_mtime_ns for p in corpus.out.rglob("*.dcm")}
    report = tmp_path / "again.jsonl"
    main(["redact", str(corpus.root / "real"), str(corpus.root / "presidio"), "--out", str(corpus.out),
          "--report", str(report), "--key-file", str(corpus.key), "--device", "cpu", "--no-progress", "--resume"])
    lines = {str(Path(line["input"]).relative_to(corpus.root)): line
             for line in map(json.loads, report.read_text().splitlines())}
    for rel, line in corpus.lines.items():
        expected = "resumed" if line["output"] else line["status"]
        assert lines[rel]["status"] == expected, rel
    assert stamps == {p: p.stat().st_mtime_ns for p in corpus.out.rglob("*.dcm")}


def test_server_run_gives_the_same_outputs(corpus: CorpusRun, engine: Engine, tmp_path: Path) -> None:
    """The same files through a live server on loopback: byte-identical outputs, the same regions.

    Files whose SOP Instance UID another input of the corpus shares are left out: the corpus
    run may have given them the content-keyed UID reserved for a second claimant.
    """
    uids: dict[str, int] = defaultdict(int)
    for rel, _line in _written(corpus):
        uids[str(read_dataset(corpus.root / rel).get("SOPInstanceUID", ""))] += 1
    unique = [rel for rel in SERVER_SUBSET if uids[str(read_dataset(corpus.root / rel).SOPInstanceUID)] == 1]
    assert len(unique) >= 6
    inputs = [corpus.root / rel for rel in unique]
    out = tmp_path / "OUT"
    report = tmp_path / "R.jsonl"
    with running_server(local_config(engine), engine) as server:
        code = main(["redact", *map(str, inputs), "--out", str(out), "--report", str(report), "--key-file",
                     str(corpus.key), "--server", server.address, "--plaintext", "--no-progress"])
    assert code == 0
    for line in map(json.loads, report.read_text().splitlines()):
        rel = str(Path(line["input"]).relative_to(corpus.root))
        embedded = corpus.lines[rel]
        assert line["status"] == embedded["status"] and line["status"] in ("redacted", "clean"), rel
        assert Path(line["output"]).relative_to(out) == Path(embedded["output"]).relative_to(corpus.out)
        assert Path(line["output"]).read_bytes() == Path(embedded["output"]).read_bytes(), rel
        strip = [{k: v for k, v in r.items() if k != "confidence"} for r in line["regions"]]
        assert strip == [{k: v for k, v in r.items() if k != "confidence"} for r in embedded["regions"]]
        assert np.allclose([r["confidence"] for r in line["regions"]],
                           [r["confidence"] for r in embedded["regions"]], atol=2e-3)


def test_readme_quick_start_is_this_run() -> None:
    """The README's quick start is the command the corpus fixture runs (plus a fixed key and CPU)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = "bash scripts/run.sh redact ../shared/data/real ../shared/data/presidio --out OUT --report R.jsonl\n"
    assert command in readme
