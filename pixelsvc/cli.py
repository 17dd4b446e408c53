"""Command line: `pixelsvc redact` de-identifies DICOM files; `serve` runs the gRPC service.

`redact` reads files and folders, sends every frame to the pixel step (the embedded
engine by default, or a `pixelsvc serve` with --server), de-identifies the header
(PS3.15) and writes ``OUTDIR/<patient pseudonym>/<study>/<series>/<sop>.dcm``, with
one JSON report line per input (boxes, labels, rule names; never the text).

`preview` draws one frame before and after masking, boxes coloured by label.
`scan` runs the embedded engine and writes only the report (an audit, no DICOM out).
`review` turns a redact report into a static page for a QA reviewer (pixelsvc/client/review.py).

`demo` makes a small synthetic sample with fake PHI, redacts it and prints the recall.

`serve` starts the pixelsvc.v1 gRPC server. Every flag has a ``PIXELSVC_*`` environment
variable (shown in --help); flags override variables, which override defaults.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from pixelsvc.config import load_engine_config
from pixelsvc.errors import ConfigError, NotDicomError, PixelsvcError
from pixelsvc.types import Policy

__all__ = ["main"]

log = logging.getLogger("pixelsvc")


def _inputs(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _scan(args: argparse.Namespace) -> int:
    from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset
    from pixelsvc.pipeline import Engine

    config = load_engine_config(**({"device": args.device} if args.device else {}))
    engine = Engine(config)
    policy = Policy(args.policy)
    report = args.report.open("w") if args.report else None
    counts: Counter[str] = Counter()
    frames_done = 0
    start = time.perf_counter()
    try:
        for path in _inputs(args.inputs):
            line: dict[str, object] = {"input": str(path), "status": "failed", "frames": 0, "regions": [],
                                       "residual": 0, "error": None}
            try:
                ds = read_dataset(path)
                frames = list(iter_frames(ds, "cli"))
                results = engine.process(frames, phi_context(ds), policy, residual_check=args.residual_check)
            except NotDicomError as exc:
                line.update(status="skipped", error=str(exc))
            except PixelsvcError as exc:
                line.update(status="failed", error=str(exc))
            else:
                frames_done += len(frames)
                regions = [
                    {"frame": r.key[1], "box": [v.read.box.x0, v.read.box.y0, v.read.box.x1, v.read.box.y1],
                     "label": v.label.value, "confidence": round(v.read.confidence, 3), "rule": v.rule,
                     "masked": v.mask}
                    for r in results for v in r.verdicts
                ]
                line.update(frames=len(frames), regions=regions,
                            residual=sum(len(r.residual) for r in results),
                            status="phi" if any(r["masked"] for r in regions) else "clean")
            counts[str(line["status"])] += 1
            if report:
                report.write(json.dumps(line) + "\n")
    finally:
        if report:
            report.close()
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"{sum(counts.values())} inputs ({summary}); {frames_done} frames in {elapsed:.1f}s "
          f"({frames_done / max(elapsed, 1e-9):.2f} frames/s) on {engine.device}")
    return 1 if counts.get("failed") else 0


def _engine(device: str | None) -> Any:
    """The embedded engine (torch is imported only when one is needed)."""
    from pixelsvc.pipeline import Engine

    return Engine(load_engine_config(**({"device": device} if device else {})))


def _channel_credentials(args: argparse.Namespace) -> object | None:
    """TLS by default (system roots or --tls-ca); plaintext only when asked for."""
    import grpc

    if args.plaintext:
        if args.tls_ca or args.tls_cert or args.tls_key:
            raise ConfigError("--plaintext cannot be combined with --tls-ca/--tls-cert/--tls-key")
        return None
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together (mutual TLS)")
    return grpc.ssl_channel_credentials(
        root_certificates=args.tls_ca.read_bytes() if args.tls_ca else None,
        private_key=args.tls_key.read_bytes() if args.tls_key else None,
        certificate_chain=args.tls_cert.read_bytes() if args.tls_cert else None,
    )


def _read_pseudonyms(path: Path) -> dict[str, tuple[str, str]]:
    """original_patient_id,new_patient_name,new_patient_id rows (a header row is allowed)."""
    import csv

    mapping: dict[str, tuple[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if not row or (number == 1 and row[0].strip().lower() in ("patient_id", "original_patient_id")):
                continue
            if len(row) != 3 or not all(cell.strip() for cell in row):
                raise ConfigError(f"--pseudonyms line {number}: expected original_id,new_name,new_id")
            mapping[row[0].strip()] = (row[1].strip(), row[2].strip())
    return mapping


def _check_out_dir(out: Path) -> None:
    """--out must be a folder we can write (created 0700 when missing): say so instead of a traceback."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out names an existing file; give a folder (it is created when missing)")
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out folder cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ConfigError("--out folder is not writable by this user; choose another folder or fix its permissions")


def _open_private(path: Path) -> TextIO:
    """A report file, mode 0600 whatever the umask: its lines name the input paths."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


def _redact(args: argparse.Namespace) -> int:
    from pixelsvc.client.batch import iter_inputs, load_key, run_batch
    from pixelsvc.client.headers import HeaderDeidentifier
    from pixelsvc.client.redact import EmbeddedBackend, FileRedactor, RemoteBackend
    from pixelsvc.config import load_decode_limits
    from pixelsvc.files import remove_stale_parts

    try:
        _check_out_dir(args.out)
        key, key_path, created = load_key(args.key_file, args.out)
        pseudonyms = _read_pseudonyms(args.pseudonyms) if args.pseudonyms else None
        deidentifier = HeaderDeidentifier(key, pseudonyms=pseudonyms)
        if args.server:
            backend = RemoteBackend(args.server, credentials=_channel_credentials(args), timeout_s=args.timeout)
        else:
            backend = EmbeddedBackend(_engine(args.device))
    except (PixelsvcError, ValueError, OSError) as exc:
        print(f"pixelsvc redact: {exc}", file=sys.stderr)
        return 2
    if created:
        print(f"pixelsvc redact: created a new key in {key_path}; keep it secret and reuse it "
              "(--key-file) for files that must get the same pseudonyms and UIDs", file=sys.stderr)
    inputs = list(iter_inputs(args.inputs, skip_under=args.out))
    if args.resume:
        stale = remove_stale_parts(args.out)
        if stale:
            print(f"pixelsvc redact: removed {stale} incomplete temporary files of an interrupted run", file=sys.stderr)
    redactor = FileRedactor(backend, deidentifier, args.out, Policy(args.policy), limits=load_decode_limits())
    workers = args.workers or (4 if args.server else 1)
    try:
        report = _open_private(args.report) if args.report else None
    except OSError as exc:
        print(f"pixelsvc redact: the --report file cannot be written: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        summary = run_batch(redactor, inputs, report=report, workers=workers, resume=args.resume,
                            progress=None if args.no_progress else sys.stderr)
    finally:
        redactor.close()
        if report:
            report.close()
        if isinstance(backend, RemoteBackend):
            backend.close()
    print(f"{summary.line()} with the {backend.name} pixel step; outputs in {args.out}")
    return 1 if summary.failed else 0


def _preview(args: argparse.Namespace) -> int:
    from pixelsvc.client.preview import preview_image, write_png
    from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset

    try:
        ds = read_dataset(args.file)
        frames = iter_frames(ds, "preview")
        frame = next(itertools.islice(frames, args.frame, None), None) if args.frame >= 0 else None
        if frame is None:
            raise ConfigError(f"--frame {args.frame} is past the last frame")
        result = _engine(args.device).process([frame], phi_context(ds), Policy(args.policy))[0]
        write_png(preview_image(frame, result), args.out)
    except PixelsvcError as exc:
        print(f"pixelsvc preview: {exc}", file=sys.stderr)
        return 1
    masked = sum(v.mask for v in result.verdicts)
    print(f"frame {args.frame}: {len(result.verdicts)} text regions, {masked} masked; preview in {args.out}")
    return 0


def _add_redact_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    redact = sub.add_parser("redact", help="de-identify DICOM files: pixels and headers (embedded engine by default)",
                            description="De-identify DICOM files and folders into OUTDIR.")
    redact.add_argument("inputs", nargs="+", type=Path, help="DICOM files or folders (recursive)")
    redact.add_argument("--out", type=Path, required=True, help="output folder")
    redact.add_argument("--report", type=Path, help="write one JSON line per input here")
    redact.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.PHI.value)
    redact.add_argument("--key-file", type=Path,
                        help="secret for pseudonyms, UIDs and date shifts (default: OUTDIR.key, created once)")
    redact.add_argument("--pseudonyms", type=Path, help="CSV of original_id,new_name,new_id to use as pseudonyms")
    redact.add_argument("--workers", type=int, default=0, help="files in flight (default 1 embedded, 4 --server)")
    redact.add_argument("--resume", action="store_true", help="skip inputs whose output already exists")
    redact.add_argument("--device", help="embedded engine device: auto, cpu, cuda or cuda:N (default auto)")
    redact.add_argument("--server", help="HOST:PORT (or dns:///host:port) of a pixelsvc serve to use")
    redact.add_argument("--timeout", type=float, default=600.0, help="seconds per file with --server")
    redact.add_argument("--tls-ca", type=Path, help="PEM CA for the server certificate (default: system roots)")
    redact.add_argument("--tls-cert", type=Path, help="PEM client certificate (mutual TLS)")
    redact.add_argument("--tls-key", type=Path, help="PEM key of --tls-cert")
    redact.add_argument("--plaintext", action="store_true", help="connect without TLS (loopback, tests)")
    redact.add_argument("--no-progress", action="store_true", help="no progress line on the terminal")

    preview = sub.add_parser("preview", help="one frame before and after masking, boxes coloured by label")
    preview.add_argument("file", type=Path, help="a DICOM file")
    preview.add_argument("--out", type=Path, required=True,
                         help="PNG to write (mode 0600: its left half is the original frame, with its PHI)")
    preview.add_argument("--frame", type=int, default=0, help="frame index (default 0)")
    preview.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.PHI.value)
    preview.add_argument("--device", help="auto, cpu, cuda or cuda:N (default auto)")


# --- review: the QA page over a redact report ---------------------------------------------


def _review(args: argparse.Namespace) -> int:
    from pixelsvc.client.review import build_review

    try:
        summary = build_review(args.report, args.out, with_originals=args.with_originals, workers=args.workers)
    except PixelsvcError as exc:
        print(f"pixelsvc review: {exc}", file=sys.stderr)
        return 1
    print(f"review of {summary.line()}; open {args.out / 'index.html'}")
    return 0


def _add_review_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    review = sub.add_parser("review", help="a static QA page over a redact report (opens from disk)",
                            description="Write a static review site for REPORT (pixelsvc redact --report) into OUT.")
    review.add_argument("report", type=Path, help="the JSON-lines report of pixelsvc redact")
    review.add_argument("--out", type=Path, required=True, help="review folder (mode 0700; open OUT/index.html)")
    review.add_argument("--with-originals", action="store_true",
                        help="add the original frames and input paths (PHI: for reviewers inside the hospital)")
    review.add_argument("--workers", type=int, help="processes drawing images (default: one per CPU core)")


def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from pixelsvc.config import load_service_config
    from pixelsvc.service.server import configure_logging, serve

    def given(*names: str) -> dict[str, object]:
        return {name: getattr(args, name) for name in names if getattr(args, name) is not None}

    configure_logging(args.log_level)
    try:
        config = load_service_config(
            engine=given("device", "cpu_threads", "cache_dir"),
            batcher=given("max_batch_frames", "max_batch_pixels", "max_wait_ms", "max_queued_frames"),
            **given("host", "port", "metrics_port", "max_message_bytes", "max_chunk_bytes", "max_frame_pixels",
                    "window_frames", "grace_seconds", "max_connection_age_seconds",
                    "tls_cert", "tls_key", "tls_client_ca", "plaintext"),
        )
        config.verify_transport()
    except PixelsvcError as exc:
        print(f"pixelsvc serve: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve(config))


def _add_serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="run the gRPC service (pixelsvc.v1.RedactorService)",
                           description="Run the gRPC service. Each flag defaults to its PIXELSVC_* variable.")

    def flag(name: str, help_text: str, **kwargs: object) -> None:
        env = "PIXELSVC_" + name.lstrip("-").replace("-", "_").upper()
        serve.add_argument(name, default=None, help=f"{help_text} [env {env}]", **kwargs)  # type: ignore[arg-type]

    flag("--host", "address to listen on (default 127.0.0.1; 0.0.0.0 or [::] for every interface)")
    flag("--port", "gRPC port; 0 picks a free one (default 50051)", type=int)
    flag("--metrics-port", "Prometheus /metrics port; 0 disables it (default 9464)", type=int)
    flag("--device", "auto, cpu, cuda or cuda:N (default auto)")
    flag("--cpu-threads", "torch intra-op threads on CPU; 0 keeps torch's default", type=int)
    flag("--cache-dir", "where converted models are cached", type=Path)
    flag("--max-batch-frames", "most frames per device batch (default 16)", type=int)
    flag("--max-batch-pixels", "most source pixels per device batch", type=int)
    flag("--max-wait-ms", "longest wait of the oldest queued frame before a partial batch runs", type=float)
    flag("--max-queued-frames", "frames that may wait across all streams before RESOURCE_EXHAUSTED", type=int)
    flag("--window-frames", "frames of one stream in the batcher at once (default 4)", type=int)
    flag("--max-message-bytes", "largest gRPC message (default 8 MiB)", type=int)
    flag("--max-chunk-bytes", "largest frame chunk accepted and sent (default 4 MiB)", type=int)
    flag("--max-frame-pixels", "largest frame (rows x columns) accepted", type=int)
    flag("--grace-seconds", "on SIGTERM, how long in-flight streams may finish (default 30)", type=float)
    flag("--max-connection-age-seconds", "close client connections after this long so they rebalance "
         "(0: never)", type=float)
    flag("--tls-cert", "PEM server certificate chain (TLS)", type=Path)
    flag("--tls-key", "PEM private key of --tls-cert", type=Path)
    flag("--tls-client-ca", "PEM CA that client certificates must chain to (mutual TLS)", type=Path)
    flag("--plaintext", "serve without TLS (must be asked for explicitly)", action="store_const", const=True)
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


# --- `pixelsvc demo`: a self-contained first run (pixelsvc/synth/demo.py) ---------------------------


def _add_demo_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser("demo", help="make a small synthetic sample with fake PHI, redact it, print the recall",
                          description="Make three synthetic series (CT-like, ultrasound-like RGB cine, X-ray-like "
                                      "MONOCHROME1) with fake PHI and clinical annotations, redact them with the "
                                      "embedded engine and score the result against the sample's own truth.")
    demo.add_argument("--out", type=Path, default=Path("pixelsvc-demo"),
                      help="folder to write (default ./pixelsvc-demo)")
    demo.add_argument("--device", help="auto, cpu, cuda or cuda:N (default auto)")


def _demo(args: argparse.Namespace) -> int:
    from pixelsvc.synth.demo import run_demo

    try:
        return run_demo(args.out, device=args.device)
    except (PixelsvcError, OSError) as exc:
        print(f"pixelsvc demo: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pixelsvc", description="Remove burned-in PHI from DICOM pixel data")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_redact_parsers(sub)
    scan = sub.add_parser("scan", help="find and classify burned-in text (embedded engine, report only)")
    scan.add_argument("inputs", nargs="+", type=Path, help="DICOM files or folders (recursive)")
    scan.add_argument("--report", type=Path, help="write one JSON line per input here")
    scan.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.PHI.value)
    scan.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: auto)")
    scan.add_argument("--residual-check", action="store_true", help="re-read masked frames and count leaks")
    _add_serve_parser(sub)
    _add_demo_parser(sub)
    _add_review_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    import pydicom  # noqa: F401 - importing pydicom resets its logger's level: import it before silencing it

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # pydicom logs each decoder plug-in it tries and its value-validation warnings quote header
    # values (PHI): silence it; a file that fails is reported with our own, PHI-free error
    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore", module="pydicom")  # value-validation warnings quote values
    if args.command == "redact":
        return _redact(args)
    if args.command == "preview":
        return _preview(args)
    if args.command == "demo":
        return _demo(args)
    if args.command == "review":
        return _review(args)
    return _scan(args)


if __name__ == "__main__":
    sys.exit(main())
