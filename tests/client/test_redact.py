"""The redact client's file handling: statuses, paths, atomic writes, resume, keys, fail-closed.

These tests are about the client, not about OCR, so most use `FixedBoxBackend`: a real
`PixelBackend` that masks one fixed rectangle per frame (fast and deterministic). The
real engine and the real server run in test_redact_corpus.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pytest

from pixelsvc.cli import main
from pixelsvc.client.batch import iter_inputs, load_key, run_batch
from pixelsvc.client.headers import HeaderDeidentifier
from pixelsvc.client.redact import FileRedactor, PixelResult, Region
from pixelsvc.config import MaskConfig
from pixelsvc.dicom.decode import iter_frames, read_dataset
from pixelsvc.errors import ConfigError, PixelsvcError
from pixelsvc.mask import FrameMasker
from pixelsvc.pipeline import Engine
from pixelsvc.types import Frame, PhiContext, Policy, TextBox
from tests.reference import shared_only_reason
from tests.service.harness import free_port, local_config, running_server

KEY = b"redact-test-key-0123456789"
US = "deid-data/ultrasounds/GREYSCALE_IMAGE.dcm"
RLE = "pydicom-data/emri_small_RLE.dcm"
JPEG = "pydicom/SC_rgb_jpeg_dcmtk.dcm"
OVERLAY = "pydicom/examples_overlay.dcm"  # a 60xx overlay plane, no text in the pixels


class FixedBoxBackend:
    """Masks the top-left quarter-height band of every frame; records the PHI context it got."""

    name = "fixed-box"

    def __init__(self, fail_on_frames: int | None = None) -> None:
        self.masker = FrameMasker(MaskConfig())
        self.contexts: list[PhiContext] = []
        self.fail_on_frames = fail_on_frames

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]:
        self.contexts.append(context)
        if self.fail_on_frames is not None and len(frames) == self.fail_on_frames:
            raise PixelsvcError("pixel step unavailable (simulated)")
        out = []
        for index, frame in enumerate(frames):
            rows, cols = frame.pixels.shape[:2]
            box = TextBox(2, 2, max(3, cols // 3), max(3, rows // 8))
            masking = policy is not Policy.DETECT_ONLY
            out.append(PixelResult(self.masker.mask(frame, [box] if masking else []),
                                   (Region(index, box, "PHI:NAME", 0.9, masking, "test.fixed"),)))
        return out


def _copy(real_root: Path, rel: str, folder: Path, name: str | None = None) -> Path:
    source = real_root / rel
    if not source.is_file():
        pytest.skip(shared_only_reason(rel))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    shutil.copyfile(source, target)
    return target


def _redactor(out: Path, backend: FixedBoxBackend | None = None, policy: Policy = Policy.PHI) -> FileRedactor:
    return FileRedactor(backend or FixedBoxBackend(), HeaderDeidentifier(KEY), out, policy)


def test_statuses_and_outputs(real_root: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    files = [_copy(real_root, rel, inputs / str(i)) for i, rel in enumerate((US, RLE, JPEG, OVERLAY))]
    (inputs / "notes.txt").write_text("not dicom")
    out = tmp_path / "out"
    outcomes = {Path(o.input).name: o for o in (_redactor(out).redact(p) for p in [*files, inputs / "notes.txt"])}

    assert outcomes["GREYSCALE_IMAGE.dcm"].status == "redacted"
    assert outcomes["GREYSCALE_IMAGE.dcm"].pixels.method == "edited"
    assert outcomes["emri_small_RLE.dcm"].pixels.method == "reencoded"
    assert outcomes["SC_rgb_jpeg_dcmtk.dcm"].pixels.method == "converted"
    assert outcomes["examples_overlay.dcm"].status in ("redacted", "clean")
    assert outcomes["notes.txt"].status == "excluded" and outcomes["notes.txt"].output is None
    for outcome in outcomes.values():
        if outcome.output:
            written = read_dataset(outcome.output)
            assert written.PatientIdentityRemoved == "YES"
            assert written.BurnedInAnnotation == "NO"
            assert len(list(iter_frames(written))) == outcome.frames
    assert not list(out.rglob("*.part")), "temporary files left behind"


def test_excluded_objects(real_root: Path, presidio_root: Path, tmp_path: Path) -> None:
    redactor = _redactor(tmp_path / "out")
    no_pixels = presidio_root / "0_ORIGINAL_no_pixels.dcm"
    outcome = redactor.redact(no_pixels)
    assert outcome.status == "excluded" and "no pixel data" in outcome.error and outcome.output is None

    ds = read_dataset(real_root / US)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.1"  # Encapsulated PDF Storage
    ds.EncapsulatedDocument = b"%PDF-1.4 fake"
    for tag in (0x7FE00010,):
        del ds[tag]
    pdf = tmp_path / "doc.dcm"
    ds.save_as(pdf)
    outcome = redactor.redact(pdf)
    assert outcome.status == "excluded" and "encapsulated document" in outcome.error

    ds = read_dataset(real_root / US)
    ds.SOPClassUID = "1.2.840.10008.1.3.10"
    dicomdir = tmp_path / "DICOMDIR"
    ds.save_as(dicomdir)
    assert redactor.redact(dicomdir).status == "excluded"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.dcm"))


def test_output_path_carries_no_phi(real_root: Path, tmp_path: Path) -> None:
    """Folder and file names of inputs often hold patient names: none reach the output path."""
    source = _copy(real_root, US, tmp_path / "in" / "DOE^JANE 1951-08-29", "DOE_JANE_MRN00079241539.dcm")
    ds = read_dataset(source)
    outcome = _redactor(tmp_path / "out").redact(source)
    relative = Path(outcome.output).relative_to(tmp_path / "out")
    text = str(relative)
    for forbidden in ("DOE", "JANE", "1951", "00079241539", str(ds.PatientID), str(ds.StudyInstanceUID),
                      str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)):
        assert forbidden not in text
    patient, study, series, name = relative.parts
    written = read_dataset(outcome.output)
    assert (patient, study, series, name) == (written.PatientID, written.StudyInstanceUID,
                                              written.SeriesInstanceUID, written.SOPInstanceUID + ".dcm")


def test_phi_context_sent_before_the_header_is_cleaned(real_root: Path, tmp_path: Path) -> None:
    backend = FixedBoxBackend()
    _redactor(tmp_path / "out", backend).redact(_copy(real_root, US, tmp_path / "in"))
    (context,) = backend.contexts
    original = read_dataset(real_root / US)
    assert str(original.PatientName).rstrip("^") in context.names and str(original.PatientID) in context.ids


def test_failure_writes_nothing_and_the_run_goes_on(real_root: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    multi = _copy(real_root, RLE, inputs)  # 10 frames: the simulated pixel step fails on it
    single = _copy(real_root, US, inputs)
    truncated = inputs / "SMITH_JOHN.dcm"
    truncated.write_bytes(single.read_bytes()[:5000])
    out = tmp_path / "out"
    report = tmp_path / "r.jsonl"
    with report.open("w") as f:
        summary = run_batch(_redactor(out, FixedBoxBackend(fail_on_frames=10)), [multi, truncated, single],
                            report=f)
    lines = {Path(line["input"]).name: line for line in map(json.loads, report.read_text().splitlines())}
    assert lines["emri_small_RLE.dcm"]["status"] == "failed"
    assert "simulated" in lines["emri_small_RLE.dcm"]["error"] and lines["emri_small_RLE.dcm"]["output"] is None
    assert lines["SMITH_JOHN.dcm"]["status"] == "failed" and lines["SMITH_JOHN.dcm"]["error"]
    assert lines["GREYSCALE_IMAGE.dcm"]["status"] == "redacted"
    assert summary.failed == 2 and summary.counts["redacted"] == 1
    assert len(list(out.rglob("*.dcm"))) == 1
    for line in lines.values():  # PHI-free errors: no path, no header value
        assert line["error"] is None or ("SMITH" not in line["error"] and str(tmp_path) not in line["error"])


def test_inputs_never_modified(real_root: Path, tmp_path: Path) -> None:
    inputs = [_copy(real_root, rel, tmp_path / "in" / str(i)) for i, rel in enumerate((US, RLE, JPEG))]
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in inputs}
    run_batch(_redactor(tmp_path / "out"), inputs)
    assert before == {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in inputs}


def test_resume_skips_complete_outputs(real_root: Path, tmp_path: Path) -> None:
    inputs = [_copy(real_root, rel, tmp_path / "in" / str(i)) for i, rel in enumerate((US, RLE))]
    out = tmp_path / "out"
    run_batch(_redactor(out), inputs)
    outputs = sorted(out.rglob("*.dcm"))
    stamps = [p.stat().st_mtime_ns for p in outputs]
    outputs[0].unlink()  # as if the first run had stopped before this file
    backend = FixedBoxBackend()
    summary = run_batch(_redactor(out, backend), inputs, resume=True)
    assert summary.counts == {"resumed": 1, "redacted": 1}
    assert len(backend.contexts) == 1
    assert outputs[1].stat().st_mtime_ns == stamps[1] and outputs[0].is_file()


def test_detect_only_does_not_claim_clean_pixels(real_root: Path, tmp_path: Path) -> None:
    source = _copy(real_root, US, tmp_path / "in")
    outcome = _redactor(tmp_path / "out", policy=Policy.DETECT_ONLY).redact(source)
    assert outcome.status == "clean" and outcome.regions
    written = read_dataset(outcome.output)
    assert written.BurnedInAnnotation == read_dataset(source).BurnedInAnnotation == "YES"
    codes = [item.CodeValue for item in written.DeidentificationMethodCodeSequence]
    assert "113101" not in codes  # Clean Pixel Data option not claimed


def test_key_file_created_once_outside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    key, path, created = load_key(None, out)
    assert created and path == tmp_path / "out.key" and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(None, out) == (key, path, False)
    short = tmp_path / "short.key"
    short.write_text("too short")
    short.chmod(0o600)
    with pytest.raises(ConfigError):
        load_key(short, out)
    with pytest.raises(ConfigError):
        load_key(tmp_path / "missing.key", out)


def test_iter_inputs_skips_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.dcm").write_bytes(b"x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "y.dcm").write_bytes(b"y")
    assert list(iter_inputs([tmp_path], skip_under=tmp_path / "out")) == [tmp_path / "a" / "x.dcm"]


def test_cli_pseudonym_mapping_and_exit_codes(real_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              engine: object) -> None:
    source = _copy(real_root, "pydicom/CT_small.dcm", tmp_path / "in")
    original = read_dataset(source)
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"original_patient_id,new_name,new_id\n{original.PatientID},STUDY^SUBJECT7,SUBJ-007\n")
    key = tmp_path / "k.key"
    key.write_text("0123456789abcdef0123456789abcdef")
    key.chmod(0o600)
    out = tmp_path / "out"
    code = main(["redact", str(source), "--out", str(out), "--key-file", str(key), "--pseudonyms", str(mapping),
                 "--device", "cpu", "--no-progress", "--report", str(tmp_path / "r.jsonl")])
    assert code == 0
    (written,) = out.rglob("*.dcm")
    ds = pydicom.dcmread(written)
    assert (str(ds.PatientName), ds.PatientID) == ("STUDY^SUBJECT7", "SUBJ-007")
    assert written.relative_to(out).parts[0] == "SUBJ-007"
    assert "1 inputs" in capsys.readouterr().out

    broken = tmp_path / "broken.dcm"
    broken.write_bytes(source.read_bytes()[:4000])
    assert main(["redact", str(broken), "--out", str(out), "--key-file", str(key), "--device", "cpu",
                 "--no-progress"]) == 1
    assert main(["redact", str(source), "--out", str(out), "--key-file", str(tmp_path / "nope")]) == 2


def test_masked_values_land_only_in_the_box(real_root: Path, tmp_path: Path) -> None:
    """Native data is patched in place: bytes outside the masked rectangle are the input's bytes."""
    source = _copy(real_root, US, tmp_path / "in")
    outcome = _redactor(tmp_path / "out").redact(source)
    before = read_dataset(source)
    after = read_dataset(outcome.output)
    a = np.frombuffer(before.PixelData, np.uint8).reshape(before.Rows, before.Columns)
    b = np.frombuffer(after.PixelData, np.uint8).reshape(after.Rows, after.Columns)
    changed = np.argwhere(a != b)
    assert changed.size
    cols = before.Columns
    margin = MaskConfig().margin
    assert changed[:, 0].max() < before.Rows // 8 + margin and changed[:, 1].max() < cols // 3 + margin


def test_inputs_sharing_a_sop_instance_uid(real_root: Path, tmp_path: Path) -> None:
    """A byte-identical copy is written once; a different file with the same UID does not overwrite."""
    first = _copy(real_root, RLE, tmp_path / "in" / "a")
    copy = _copy(real_root, RLE, tmp_path / "in" / "b")
    ds = read_dataset(first)
    ds.SeriesDescription = "another encoding of the same instance"
    other = tmp_path / "in" / "c" / "other.dcm"
    other.parent.mkdir()
    ds.save_as(other)
    summary = run_batch(_redactor(tmp_path / "out"), [first, copy, other])
    assert summary.counts == {"redacted": 2, "excluded": 1}
    outputs = sorted(tmp_path.joinpath("out").rglob("*.dcm"))
    assert len(outputs) == 2 and outputs[0].parent == outputs[1].parent
    uids = {read_dataset(p).SOPInstanceUID for p in outputs}
    assert len(uids) == 2


def test_server_over_mutual_tls_and_failures(real_root: Path, tmp_path: Path, certificates: Path,
                                             engine: Engine) -> None:
    """--server with TLS options; a refused or unreachable server fails the file with a clear reason."""
    source = _copy(real_root, US, tmp_path / "in")
    key = tmp_path / "k.key"
    key.write_text("0123456789abcdef0123456789abcdef")
    key.chmod(0o600)
    d = certificates
    config = local_config(engine, plaintext=False, tls_cert=d / "server.pem", tls_key=d / "server.key",
                          tls_client_ca=d / "ca.pem")

    def run(out: str, *flags: str) -> tuple[int, dict]:
        report = tmp_path / f"{out}.jsonl"
        code = main(["redact", str(source), "--out", str(tmp_path / out), "--key-file", str(key),
                     "--report", str(report), "--no-progress", "--timeout", "20", *flags])
        return code, json.loads(report.read_text())

    with running_server(config, engine) as server:
        code, line = run("mtls", "--server", server.address, "--tls-ca", str(d / "ca.pem"),
                         "--tls-cert", str(d / "client.pem"), "--tls-key", str(d / "client.key"))
        assert code == 0 and line["status"] == "redacted"
        code, line = run("no-client-cert", "--server", server.address, "--tls-ca", str(d / "ca.pem"))
        assert code == 1 and line["status"] == "failed" and "pixel service" in line["error"]
        assert line["output"] is None and not (tmp_path / "no-client-cert").joinpath("x").exists()
    code, line = run("gone", "--server", f"127.0.0.1:{free_port()}", "--plaintext")
    assert code == 1 and line["status"] == "failed" and "UNAVAILABLE" in line["error"]
    assert not list((tmp_path / "gone").rglob("*.dcm"))


def test_cli_preview(real_root: Path, tmp_path: Path, engine: Engine) -> None:
    import cv2

    png = tmp_path / "preview.png"
    assert main(["preview", str(real_root / US), "--out", str(png), "--device", "cpu"]) == 0
    image = cv2.imread(str(png))
    rows = read_dataset(real_root / US).Rows
    assert image is not None and image.shape[0] > rows and image.shape[1] > 2 * 1024 * 0.9
    assert main(["preview", str(real_root / US), "--out", str(tmp_path / "x.png"), "--frame", "5",
                 "--device", "cpu"]) == 1
    assert not (tmp_path / "x.png").exists()


def test_progress_line_on_a_terminal_only(real_root: Path, tmp_path: Path) -> None:
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    inputs = [_copy(real_root, rel, tmp_path / "in" / str(i)) for i, rel in enumerate((US, RLE))]
    terminal, pipe = Terminal(), io.StringIO()
    run_batch(_redactor(tmp_path / "a"), inputs, progress=terminal)
    run_batch(_redactor(tmp_path / "b"), inputs, progress=pipe)
    shown = terminal.getvalue()
    assert "files 2/2" in shown and "frames 11" in shown and "(failed 0)" in shown and shown.endswith("\n")
    assert pipe.getvalue() == ""  # logs and CI output stay clean
