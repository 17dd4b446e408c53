"""Command line: `pixelsvc scan` runs the embedded engine over DICOM files; `pixelsvc serve` runs the gRPC service.

`scan` decodes every frame, finds and classifies burned-in text and writes one JSON line
per input file (boxes, labels, rule names; never the text). It writes no DICOM: the
de-identifying `redact` client is a separate piece of work.

`serve` starts the pixelsvc.v1 gRPC server. Every flag has a ``PIXELSVC_*`` environment
variable (shown in --help); flags override variables, which override defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pixelsvc.config import load_engine_config
from pixelsvc.errors import NotDicomError, PixelsvcError
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
                    "window_frames", "grace_seconds", "tls_cert", "tls_key", "tls_client_ca", "plaintext"),
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

    flag("--host", "address to listen on (default [::])")
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
    flag("--tls-cert", "PEM server certificate chain (TLS)", type=Path)
    flag("--tls-key", "PEM private key of --tls-cert", type=Path)
    flag("--tls-client-ca", "PEM CA that client certificates must chain to (mutual TLS)", type=Path)
    flag("--plaintext", "serve without TLS (must be asked for explicitly)", action="store_const", const=True)
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pixelsvc", description="Remove burned-in PHI from DICOM pixel data")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="find and classify burned-in text (embedded engine, report only)")
    scan.add_argument("inputs", nargs="+", type=Path, help="DICOM files or folders (recursive)")
    scan.add_argument("--report", type=Path, help="write one JSON line per input here")
    scan.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.PHI.value)
    scan.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: auto)")
    scan.add_argument("--residual-check", action="store_true", help="re-read masked frames and count leaks")
    _add_serve_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # pydicom logs each decoder plug-in it tries and its value-validation warnings quote header
    # values (PHI): silence it; a file that fails is reported with our own, PHI-free error
    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)
    return _scan(args)


if __name__ == "__main__":
    sys.exit(main())
