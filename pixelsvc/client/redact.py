"""One DICOM file in, one de-identified DICOM file out: the client's whole job for a file.

read -> exclude what is not an image -> decode frames -> pixel step (the embedded engine
or the gRPC service: a `PixelBackend`) -> header de-identification -> encode the masked
frames -> write atomically under a PHI-free path.

The header values that identify the patient go to the pixel step as its PHI context
*before* the header is cleaned. Nothing is written for a file that fails at any step, and
the input is only ever read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

from pixelsvc.client.headers import HeaderDeidentifier, text_value
from pixelsvc.client.isolate import DecodeWorkers
from pixelsvc.config import DecodeLimits
from pixelsvc.dicom.accounting import PixelAccount, account_pixel_data
from pixelsvc.dicom.decode import frame_info, iter_frames, phi_context, read_dataset
from pixelsvc.dicom.encode import PixelEncoding, encode_pixels
from pixelsvc.dicom.write import write_any_syntax
from pixelsvc.errors import NotDicomError, PixelsvcError
from pixelsvc.files import make_private_dirs, sha256_file, write_atomic
from pixelsvc.types import Frame, MaskedFrame, PhiContext, Policy, TextBox

__all__ = [
    "EmbeddedBackend",
    "FileOutcome",
    "FileRedactor",
    "PixelBackend",
    "PixelResult",
    "Region",
    "RemoteBackend",
    "write_dataset",
]

_DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
_ENCAPSULATED_DOCUMENT_PREFIX = "1.2.840.10008.5.1.4.1.1.104."
_SAFE_PATH_PART = re.compile(r"[^A-Za-z0-9._-]")


class RedactError(PixelsvcError):
    """A file could not be redacted; the message carries no path and no header value."""


@dataclass(frozen=True, slots=True)
class Region:
    """One text region found in a frame, as reported: never the text."""

    frame: int
    box: TextBox
    label: str
    confidence: float
    masked: bool
    rule: str

    def to_json(self) -> dict[str, Any]:
        return {"frame": self.frame, "box": [self.box.x0, self.box.y0, self.box.x1, self.box.y1],
                "label": self.label, "confidence": round(self.confidence, 3), "masked": self.masked,
                "rule": self.rule}


@dataclass(frozen=True, slots=True)
class PixelResult:
    """The pixel step's answer for one frame, whichever backend ran it."""

    masked: MaskedFrame
    regions: tuple[Region, ...]


class PixelBackend(Protocol):
    """Runs the pixel step (detect, recognise, classify, mask) on a file's frames."""

    name: str

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]: ...


class EmbeddedBackend:
    """The engine in this process. Calls are serialised: the engine uses every core already."""

    name = "embedded"

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]:
        with self._lock:
            results = self.engine.process(frames, context, policy)
        return [
            PixelResult(result.masked, tuple(
                Region(index, v.region, v.label.value, float(v.read.confidence), v.mask, v.rule)
                for v in result.verdicts))
            for index, result in enumerate(results)
        ]


class RemoteBackend:
    """The gRPC service: one RedactSeries stream per file, frames chunked, masked frames streamed back.

    The channel balances over every address the target resolves to (``dns:///host:port``
    with the round_robin policy), so one client spreads files over all pods of a
    headless Kubernetes Service.
    """

    name = "remote"

    def __init__(self, target: str, *, credentials: grpc.ChannelCredentials | None = None,
                 timeout_s: float = 600.0, max_message_bytes: int = 8 << 20, chunk_bytes: int = 1 << 20) -> None:
        from pixelsvc.v1 import redactor_pb2_grpc

        options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.service_config", json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})),
        ]
        self.target = target
        self.timeout_s = timeout_s
        self.chunk_bytes = chunk_bytes
        if credentials is None:
            self._channel = grpc.insecure_channel(target, options=options)
        else:
            self._channel = grpc.secure_channel(target, credentials, options=options)
        self._stub = redactor_pb2_grpc.RedactorServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def redact(self, frames: Sequence[Frame], context: PhiContext, policy: Policy) -> list[PixelResult]:
        from pixelsvc.service.wire import read_series, series_requests

        requests = series_requests(frames, context, policy, chunk_bytes=self.chunk_bytes)
        try:
            answers = read_series(self._stub.RedactSeries(requests, timeout=self.timeout_s), frames)
        except grpc.RpcError as exc:
            code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
            details = exc.details() if hasattr(exc, "details") else ""
            raise RedactError(f"pixel service {code}: {details}") from None
        except ValueError as exc:  # malformed answer stream
            raise RedactError(f"pixel service answer is malformed: {exc}") from None
        if len(answers) != len(frames):
            raise RedactError(f"pixel service answered {len(answers)} of {len(frames)} frames")
        out = []
        for index, (frame, answer) in enumerate(zip(frames, answers, strict=True)):
            result = answer.result
            boxes = tuple(TextBox(b.x0, b.y0, b.x1, b.y1) for b in result.mask_boxes)
            if result.changed and answer.pixels is None:
                raise RedactError(f"pixel service sent no masked pixels for frame {index}")
            pixels = answer.pixels if result.changed else frame.pixels
            regions = tuple(
                Region(index, TextBox(r.box.x0, r.box.y0, r.box.x1, r.box.y1), r.label, float(r.confidence),
                       r.masked, r.rule)
                for r in result.regions)
            out.append(PixelResult(MaskedFrame(frame, pixels, boxes if result.changed else (), result.changed),
                                   regions))
        return out


@dataclass(slots=True)
class FileOutcome:
    """One report line. `input` is the path as given; nothing else here carries PHI."""

    input: str
    status: str = "failed"
    """'redacted', 'clean', 'excluded', 'failed', or 'resumed' (output already complete)."""
    output: str | None = None
    frames: int = 0
    regions: list[Region] = field(default_factory=list)
    error: str | None = None
    """Why the file failed or was excluded."""
    pixels: PixelEncoding | None = None
    account: PixelAccount | None = None
    """Pixel data bytes that were never decoded and so not written (see `account_pixel_data`)."""
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall time per client stage: read, decode, pixel_step, headers, encode, write."""

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "input": self.input, "output": self.output, "status": self.status, "frames": self.frames,
            "regions": [r.to_json() for r in self.regions], "error": self.error,
        }
        if self.pixels is not None:
            line["pixel_data"] = {"method": self.pixels.method, "transfer_syntax": self.pixels.transfer_syntax_uid,
                                  "frames_rewritten": self.pixels.frames_rewritten,
                                  "overlay_bit_frames": self.pixels.overlay_bit_frames,
                                  "reason": self.pixels.reason or None}
            if self.account is not None:
                line["pixel_data"]["unanalysed"] = self.account.to_json()
        line["seconds"] = round(self.seconds, 3)
        return line


class FileRedactor:
    """Redacts files into `out_dir/<patient pseudonym>/<study uid>/<series uid>/<sop uid>.dcm`."""

    def __init__(self, backend: PixelBackend, deidentifier: HeaderDeidentifier, out_dir: Path,
                 policy: Policy = Policy.PHI, *, max_frame_pixels: int | None = None,
                 limits: DecodeLimits | None = None) -> None:
        self.backend = backend
        self.limits = limits or DecodeLimits()
        self._decoders = DecodeWorkers(self.limits, max_frame_pixels=max_frame_pixels) \
            if self.limits.decode_in_child else None
        self.deidentifier = deidentifier
        self.out_dir = out_dir
        self.policy = Policy(policy)
        self.max_frame_pixels = max_frame_pixels
        self._claims: dict[Path, Path] = {}
        self._claims_lock = threading.Lock()

    def close(self) -> None:
        """Stop the decoder child processes."""
        if self._decoders is not None:
            self._decoders.close()

    def output_path(self, ds: Dataset, instance_uid: str | None = None) -> Path:
        """Where `ds` goes: derived from the key, so it is known before any pixel is decoded."""
        patient_id = text_value(ds.get("PatientID"))
        _name, pseudonym = self.deidentifier.pseudonym(patient_id, text_value(ds.get("IssuerOfPatientID")))
        parts = [_safe(pseudonym) or "unknown-patient"]
        for keyword, missing in (("StudyInstanceUID", "unknown-study"), ("SeriesInstanceUID", "unknown-series")):
            value = text_value(ds.get(keyword))
            parts.append(self.deidentifier.uid(value) if value else missing)
        return self.out_dir.joinpath(*parts, (instance_uid or self.instance_uid(ds)) + ".dcm")

    def instance_uid(self, ds: Dataset) -> str:
        """The output SOP Instance UID; a file without one gets one keyed on its pixel data (stable for --resume)."""
        sop = text_value(ds.get("SOPInstanceUID"))
        if sop:
            return self.deidentifier.uid(sop)
        pixels = next((ds[tag].value for tag in (0x7FE00010, 0x7FE00008, 0x7FE00009) if tag in ds), b"")
        return self.deidentifier.uid("pixel-data-sha256:" + hashlib.sha256(bytes(pixels or b"")).hexdigest())

    def redact(self, path: Path, *, resume: bool = False) -> FileOutcome:
        """Redact one file; every failure becomes a `failed` outcome with a PHI-free reason."""
        outcome = FileOutcome(input=str(path))
        start = time.perf_counter()
        try:
            self._redact(path, outcome, resume)
        except NotDicomError as exc:
            outcome.status, outcome.error = "excluded", str(exc)
        except PixelsvcError as exc:
            outcome.status, outcome.error = "failed", str(exc)
        except OSError as exc:  # str(exc) holds the path, which may hold a patient's name
            reason = exc.strerror or type(exc).__name__
            outcome.status, outcome.error = "failed", f"input or output file error: {reason}"
        except MemoryError:
            outcome.status, outcome.error = "failed", "out of memory while processing the file"
        except (KeyboardInterrupt, SystemExit):
            raise  # the run itself is being stopped
        except BaseException as exc:
            # (pylibjpeg-rle's pyo3 PanicException); the message of a library error may quote values
            outcome.status, outcome.error = "failed", f"unexpected {type(exc).__name__} while processing the file"
        if outcome.status == "failed":
            outcome.output = None
        outcome.seconds = time.perf_counter() - start
        return outcome

    def _redact(self, path: Path, outcome: FileOutcome, resume: bool) -> None:
        clock = _StageClock(outcome.stage_seconds)
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or device would block or never end
            raise RedactError("input is not a regular file (a FIFO, socket or device); it was not read")
        with clock("read"):
            ds = read_dataset(path, max_inflated_bytes=self.limits.max_inflated_bytes)
        reason = _exclusion_reason(ds)
        if reason:
            outcome.status, outcome.error = "excluded", reason
            return
        instance_uid = self._claim(path, ds)
        if instance_uid is None:
            outcome.status = "excluded"
            outcome.error = "identical copy of an earlier input of this run (same bytes): written once"
            return
        target_path = self.output_path(ds, instance_uid)
        if resume and target_path.is_file() and not target_path.is_symlink():
            outcome.status, outcome.output = "resumed", str(target_path)
            return

        with clock("decode"):
            info = frame_info(ds, max_frame_pixels=self.max_frame_pixels)
            account = account_pixel_data(ds, info, self.limits)  # before any decoder allocates
            outcome.account = account if account.notes else None
            if self._decoders is not None:  # a child process: a codec crash or hang fails this file only
                frames = self._decoders.decode(ds)
            else:
                frames = list(iter_frames(ds, "client", max_frame_pixels=self.max_frame_pixels))
            context = phi_context(ds)  # taken before the header is cleaned
        outcome.frames = len(frames)
        with clock("pixel_step"):
            results = self.backend.redact(frames, context, self.policy)
        if len(results) != len(frames):
            raise RedactError(f"pixel step returned {len(results)} results for {len(frames)} frames")
        outcome.regions = [region for result in results for region in result.regions]

        with clock("headers"):
            masking = self.policy in (Policy.PHI, Policy.ALL_TEXT)
            cleaned = self.deidentifier.deidentify(ds, pixels_cleaned=masking).dataset
            cleaned.SOPInstanceUID = instance_uid
            _ensure_file_meta(cleaned, ds)
        with clock("encode"):
            outcome.pixels = encode_pixels(cleaned, [result.masked for result in results], rewrite_all=account.rewrite)
        if target_path != self.output_path_of_clean(cleaned):
            raise RedactError("output path does not match the de-identified UIDs")
        with clock("write"):
            write_dataset(cleaned, target_path, root=self.out_dir)
        outcome.output = str(target_path)
        outcome.status = "redacted" if outcome.pixels.frames_rewritten or account.dropped_bytes else "clean"

    def _claim(self, path: Path, ds: Dataset) -> str | None:
        """The output SOP Instance UID of this input, unique within the run; None for a byte-identical copy.

        Two inputs with the same SOP Instance UID (a copy, or a file re-encoded by a test
        suite) would overwrite each other's output. A byte-identical copy is written once;
        a different file keeps the UID mapping for the first claimant (in input order with
        one worker) and gets a UID keyed on its content for the others.
        """
        uid = self.instance_uid(ds)
        with self._claims_lock:
            first = self._claims.setdefault(Path(uid), path)
        if first == path:
            return uid
        mine = sha256_file(path)
        if mine == sha256_file(first):
            return None
        uid = self.deidentifier.uid(f"{text_value(ds.get('SOPInstanceUID'))}#content-sha256:{mine}")
        with self._claims_lock:
            self._claims.setdefault(Path(uid), path)
        return uid

    def output_path_of_clean(self, cleaned: Dataset) -> Path:
        """The output path read back from the de-identified dataset (a consistency check)."""
        parts = [_safe(text_value(cleaned.get("PatientID"))) or "unknown-patient",
                 text_value(cleaned.get("StudyInstanceUID")) or "unknown-study",
                 text_value(cleaned.get("SeriesInstanceUID")) or "unknown-series"]
        return self.out_dir.joinpath(*parts, text_value(cleaned.get("SOPInstanceUID")) + ".dcm")


class _StageClock:
    """Adds each `with clock("stage"):` block's wall time to a dict."""

    def __init__(self, totals: dict[str, float]) -> None:
        self.totals = totals

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.totals[stage] = self.totals.get(stage, 0.0) + time.perf_counter() - start


OUTPUT_FILE_MODE = 0o600
"""De-identified files hold pixels: owner-only, whatever the umask (folders are 0o700)."""


def write_dataset(ds: Dataset, path: Path, *, root: Path | None = None) -> None:
    """Write `ds` as a DICOM file, atomically, mode 0600; it must read back as DICOM before it is renamed into place.

    Folders below `root` are created 0700 and never through a symbolic link (`make_private_dirs`).
    """
    if root is not None:
        make_private_dirs(root, path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda f: _write(f, ds), check=read_dataset, mode=OUTPUT_FILE_MODE)


def _write(f: Any, ds: Dataset) -> None:
    ds.preamble = b"\0" * 128  # never the input's preamble: it is outside every element and may hold anything
    write_any_syntax(f, ds, enforce_file_format=True)


def _ensure_file_meta(cleaned: Dataset, source: Dataset) -> None:
    """Give the output complete file meta, whatever the input had (ACR-NEMA files have none)."""
    meta = getattr(cleaned, "file_meta", None)
    if meta is None:
        meta = FileMetaDataset()
        cleaned.file_meta = meta
    if "TransferSyntaxUID" not in meta:
        from pixelsvc.dicom.decode import frame_info

        meta.TransferSyntaxUID = UID(frame_info(source, max_frame_pixels=1 << 62).transfer_syntax_uid)
    if "SOPClassUID" in cleaned:
        meta.MediaStorageSOPClassUID = cleaned.SOPClassUID
    meta.MediaStorageSOPInstanceUID = cleaned.SOPInstanceUID


def _exclusion_reason(ds: Dataset) -> str | None:
    """Why a DICOM object is not written at all, or None for an image we can clean."""
    sop_class = text_value(ds.get("SOPClassUID")) or text_value(getattr(ds, "file_meta", Dataset()).get(
        "MediaStorageSOPClassUID"))
    name = UID(sop_class).name if sop_class else "unknown SOP class"
    if sop_class == _DICOMDIR_CLASS or "DirectoryRecordSequence" in ds:
        return "DICOMDIR: a media directory, not an image"
    if sop_class.startswith(_ENCAPSULATED_DOCUMENT_PREFIX):
        return f"encapsulated document ({name}): its free text cannot be de-identified here"
    if "EncapsulatedDocument" in ds:
        return f"{name} object carrying an encapsulated document (0042,0011) whose text cannot be de-identified here"
    if not any(tag in ds for tag in (0x7FE00010, 0x7FE00008, 0x7FE00009)):
        return f"no pixel data ({name}): only images are de-identified here"
    return None


def _safe(text: str) -> str:
    return _SAFE_PATH_PART.sub("_", text)[:64]
