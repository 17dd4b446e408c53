"""The smaller fail-closed items: --out mistakes, stale .part files, planted links, key-file and
output modes, NumberOfFrames '1.5', a FIFO input, the serve default address, and codec BaseExceptions."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from pixelsvc.client.batch import load_key, run_batch
from pixelsvc.client.headers import HeaderDeidentifier
from pixelsvc.client.redact import FileRedactor, PixelResult
from pixelsvc.config import DecodeLimits, ServiceConfig
from pixelsvc.errors import ConfigError, InvalidFrameError
from pixelsvc.files import make_private_dirs, remove_stale_parts
from pixelsvc.types import Frame, MaskedFrame, PhiContext, Policy
from tests.robustness.harness import REPO, run_cli
from tests.robustness.mutations import _dataset, _image, _save

KEY = b"small-items-key-0123456789abcdef"


class PassThrough:
    """A real PixelBackend that changes nothing (these tests are about files, not OCR)."""

    name = "pass-through"

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]:
        return [PixelResult(MaskedFrame(f, f.pixels, (), False), ()) for f in frames]


class Panicking(PassThrough):
    """Raises a BaseException that is not an Exception, like pylibjpeg-rle's pyo3 PanicException."""

    class PanicException(BaseException):
        pass

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]:
        if frames[0].pixels.shape[0] == 48:
            raise self.PanicException("codec panicked")
        return super().redact(frames, context, policy)


def _redactor(out: Path, backend: PassThrough | None = None) -> FileRedactor:
    return FileRedactor(backend or PassThrough(), HeaderDeidentifier(KEY), out,
                        limits=DecodeLimits(decode_in_child=False))


def _small(folder: Path, name: str = "a.dcm", rows: int = 48) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return _save(_dataset(_image(rows=rows)), folder / name)


def test_base_exception_fails_one_file_and_the_run_goes_on(tmp_path: Path) -> None:
    inputs = [_small(tmp_path / "in", "panic.dcm"), _small(tmp_path / "in", "fine.dcm", rows=40)]
    report = (tmp_path / "r.jsonl").open("w")
    summary = run_batch(_redactor(tmp_path / "out", Panicking()), inputs, report=report)
    report.close()
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    assert len(lines) == 2 and summary.counts == {"failed": 1, "clean": 1}
    assert "PanicException" in next(line for line in lines if "panic.dcm" in line)


def test_fifo_input_fails_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "in.dcm"
    os.mkfifo(fifo)
    outcome = _redactor(tmp_path / "out").redact(fifo)
    assert outcome.status == "failed" and "not a regular file" in outcome.error


def test_number_of_frames_must_be_an_integer(tmp_path: Path) -> None:
    ds = _dataset(_image())
    ds.NumberOfFrames = "1.5"
    path = _save(ds, tmp_path / "f.dcm")
    outcome = _redactor(tmp_path / "out").redact(path)
    assert outcome.status == "failed" and "NumberOfFrames" in outcome.error


def test_decode_limits_refuse_before_decoding(tmp_path: Path) -> None:
    path = _small(tmp_path)
    outcome = FileRedactor(PassThrough(), HeaderDeidentifier(KEY), tmp_path / "out",
                           limits=DecodeLimits(max_frame_decoded_bytes=1024, decode_in_child=False)).redact(path)
    assert outcome.status == "failed" and "max_frame_decoded_bytes" in outcome.error
    with pytest.raises(ConfigError):
        DecodeLimits(decode_timeout_s=0)
    assert issubclass(InvalidFrameError, ValueError)


def test_out_naming_a_file_or_an_uncreatable_folder_is_a_clean_error(tmp_path: Path) -> None:
    source = _small(tmp_path / "in")
    key = tmp_path / "k.key"
    key.write_text("0123456789abcdef0123456789abcdef")
    key.chmod(0o600)
    a_file = tmp_path / "taken.txt"
    a_file.write_text("x")
    for out, phrase in ((a_file, "names an existing file"), (a_file / "below", "cannot be created")):
        run = run_cli(["redact", str(source), "--out", str(out), "--key-file", str(key), "--device", "cpu"],
                      report=None)
        assert run.rc == 2 and phrase in run.stderr and "Traceback" not in run.stderr, run.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_out_unwritable_folder_is_a_clean_error(tmp_path: Path) -> None:
    source = _small(tmp_path / "in")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    run = run_cli(["redact", str(source), "--out", str(locked)], report=None)
    assert run.rc == 2 and "not writable" in run.stderr and "Traceback" not in run.stderr


def test_resume_removes_stale_part_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "p" / "s").mkdir(parents=True)
    stale = out / "p" / "s" / ".x.dcm.0123456789ab.part"
    stale.write_bytes(b"de-identified but incomplete")
    assert remove_stale_parts(out) == 1 and not stale.exists()
    stale.write_bytes(b"again")
    source = _small(tmp_path / "in")
    key = tmp_path / "k.key"
    key.write_text("0123456789abcdef0123456789abcdef")
    key.chmod(0o600)
    run = run_cli(["redact", str(source), "--out", str(out), "--key-file", str(key), "--resume", "--device", "cpu",
                   "--no-progress"], report=None)
    assert run.rc == 0, run.stderr
    assert not stale.exists() and "removed 1 incomplete" in run.stderr


def test_planted_symlink_in_outdir_is_not_followed(tmp_path: Path) -> None:
    source = _small(tmp_path / "in")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    first = _redactor(out).redact(source)
    assert first.status == "clean"
    patient_folder = Path(first.output).relative_to(out).parts[0]
    for path in sorted(out.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    elsewhere.mkdir()
    (out / patient_folder).symlink_to(elsewhere, target_is_directory=True)
    second = _redactor(out).redact(source)
    assert second.status == "failed" and "symbolic link" in second.error
    assert not any(elsewhere.rglob("*"))
    with pytest.raises(OSError):
        make_private_dirs(out, out / patient_folder / "x")


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    key.write_text("0123456789abcdef0123456789abcdef")
    key.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_key(key, tmp_path / "out")
    key.chmod(0o600)
    assert load_key(key, tmp_path / "out")[0].startswith(b"0123")


def test_outputs_are_private_whatever_the_umask(tmp_path: Path) -> None:
    source = _small(tmp_path / "in")
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    run = run_cli(["redact", str(source), "--out", str(out), "--report", str(report), "--device", "cpu",
                   "--no-progress"], report=report, umask=0)
    assert run.rc == 0, run.stderr
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [out, *out.rglob("*"), report, tmp_path / "out.key"]}
    assert all(mode == (0o700 if (tmp_path / p).is_dir() else 0o600) for p, mode in modes.items()), modes


def test_serve_listens_on_loopback_unless_told() -> None:
    assert ServiceConfig().host == "127.0.0.1"
    assert "PIXELSVC_HOST=0.0.0.0" in (REPO / "Dockerfile.gpu").read_text()
    deployment = (REPO / "k8s" / "base" / "deployment.yaml").read_text()
    assert "name: PIXELSVC_HOST" in deployment and '"0.0.0.0"' in deployment


def test_decoded_frames_match_in_and_out_of_the_child(tmp_path: Path) -> None:
    """The isolated decoder gives the same frames as decoding in-process."""
    path = _small(tmp_path / "in")
    outcomes = [FileRedactor(PassThrough(), HeaderDeidentifier(KEY), tmp_path / f"out{i}",
                             limits=DecodeLimits(decode_in_child=child)).redact(path) for i, child in enumerate((0, 1))]
    assert [o.status for o in outcomes] == ["clean", "clean"]
    assert Path(outcomes[0].output).read_bytes() == Path(outcomes[1].output).read_bytes()
