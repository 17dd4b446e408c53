"""Engine throughput: frames/s by batch size, time by stage, peak RSS, dedup speed-up.

Each case runs in a fresh subprocess so its peak RSS is its own. Results are printed as
a Markdown table and written as JSON lines (``--out``).

    python bench/engine.py                 # CPU, every case
    python bench/engine.py --device cuda   # the same on a GPU
    python bench/engine.py --quick         # fewer frames (a smoke run)

Cases:
- ``ct``: 512x512 16-bit CT-like frames (synthetic anatomy, burned-in text at the top of
  the range), all different so nothing is deduplicated.
- ``us``: 1024x768 RGB ultrasound frames: the real ``deid-data/ultrasounds/RGB_IMAGE.dcm``
  with per-frame noise in the image area (so frames differ, as in a cine).
- ``cine``: the 87-frame ``orthanc-tests/Issue164.dcm`` with frame/crop dedup on vs off.
- ``backends``: detector and recogniser forward time, torch vs onnxruntime, same inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA = Path(os.environ.get("PIXELSVC_TEST_DATA", REPO.parent / "shared" / "data"))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _engine(device: str, batch: int, dedup: bool):
    from pixelsvc.config import DetConfig, EngineConfig
    from pixelsvc.pipeline import Engine

    return Engine(EngineConfig(device=device, det=DetConfig(batch_size=batch), dedup_frames=dedup,
                               dedup_crops=dedup))


def _ct_frames(count: int):
    from tests.synth import make_frame

    return [make_frame(1000 + i, 512, 512, bits=16).frame for i in range(count)]


def _us_frames(count: int):
    import numpy as np

    from pixelsvc.dicom.decode import iter_frames, read_dataset

    base = next(iter_frames(read_dataset(DATA / "real/deid-data/ultrasounds/RGB_IMAGE.dcm")))
    rng = np.random.default_rng(0)
    frames = []
    for i in range(count):
        pixels = base.pixels.copy()
        noise = rng.integers(0, 3, (400, 600, 3), dtype=np.uint8)  # the image sector changes, text does not
        pixels[200:600, 200:800] = np.clip(pixels[200:600, 200:800].astype(np.int16) + noise, 0, 255)
        frames.append(type(base)(("us", i), pixels, base.photometric, base.bits_stored))
    return frames


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_throughput(case: str, device: str, batch: int, count: int) -> dict:
    """Process `count` frames in calls of `batch` frames; report frames/s and stage seconds."""
    frames = _ct_frames(count) if case == "ct" else _us_frames(count)
    return measure_engine(case, _engine(device, batch, dedup=False), frames, batch)


def measure_engine(case: str, engine, frames: list, batch: int) -> dict:
    """Frames/s of `engine.process` over `frames` in calls of `batch` frames, after one warm-up call."""
    device, count = str(engine.device), len(frames)
    engine.process(frames[:batch])  # warm-up: first-call allocations, kernel selection
    _sync(device)
    before = engine.stats
    start = time.perf_counter()
    for i in range(0, count, batch):
        engine.process(frames[i:i + batch])
    _sync(device)
    elapsed = time.perf_counter() - start
    after = engine.stats
    stages = {k: round(after.seconds[k] - before.seconds[k], 3) for k in after.seconds}
    return {"case": case, "device": device, "batch": batch, "frames": count, "seconds": round(elapsed, 3),
            "frames_per_s": round(count / elapsed, 2), "stage_seconds": stages,
            "views": after.views - before.views, "crops": after.crops - before.crops,
            "peak_rss_mb": round(_peak_rss_mb(), 1)}


def run_cine(device: str, dedup: bool) -> dict:
    from pixelsvc.dicom.decode import iter_frames, read_dataset

    frames = list(iter_frames(read_dataset(DATA / "real/orthanc-tests/Issue164.dcm")))
    engine = _engine(device, 8, dedup)
    engine.process(frames[:2])
    before = engine.stats
    start = time.perf_counter()
    results = engine.process(frames)
    _sync(device)
    elapsed = time.perf_counter() - start
    after = engine.stats
    masks = [[(b.x0, b.y0, b.x1, b.y1) for b in r.masked.boxes] for r in results]
    return {"case": "cine", "device": device, "dedup": dedup, "frames": len(frames), "seconds": round(elapsed, 3),
            "frames_per_s": round(len(frames) / elapsed, 2),
            "stage_seconds": {k: round(after.seconds[k] - before.seconds[k], 3) for k in after.seconds},
            "frames_deduplicated": after.frames_deduplicated - before.frames_deduplicated,
            "masks_sha256": hashlib.sha256(json.dumps(masks).encode()).hexdigest()[:16],
            "peak_rss_mb": round(_peak_rss_mb(), 1)}


def run_backends(device: str) -> dict:
    import numpy as np
    import onnxruntime as ort
    import torch

    from pixelsvc.ocr.weights import load_module, locate_model_file
    from pixelsvc.ocr.zoo import MODELS

    out = {"case": "backends", "device": device, "threads": torch.get_num_threads()}
    for name, shape in (("ppocrv6-small-det", (1, 3, 512, 512)), ("ppocrv6-small-rec", (16, 3, 48, 320))):
        spec = MODELS[name]
        module = load_module(spec, torch.device(device))
        x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = ort.InferenceSession(str(locate_model_file(spec)), options, providers=["CPUExecutionProvider"])
        xt = torch.from_numpy(x).to(device)

        def torch_run(module=module, xt=xt):
            with torch.inference_mode():
                module(xt)
            _sync(device)

        def ort_run(session=session, x=x):
            session.run(None, {"x": x})

        for label, fn in (("torch", torch_run), ("onnxruntime_cpu", ort_run)):
            fn()
            start = time.perf_counter()
            for _ in range(5):
                fn()
            out[f"{name}:{label}_s"] = round((time.perf_counter() - start) / 5, 4)
    return out


def _child(args: argparse.Namespace) -> None:
    if args.case in ("ct", "us"):
        result = run_throughput(args.case, args.device, args.batch, args.count)
    elif args.case == "cine":
        result = run_cine(args.device, args.dedup == "on")
    else:
        result = run_backends(args.device)
    print("RESULT " + json.dumps(result), flush=True)


def _spawn(extra: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--child", *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"benchmark case {extra} failed:\n{proc.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description="pixelsvc engine benchmark")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    parser.add_argument("--out", type=Path, default=None, help="write JSON lines here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", default="ct")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--dedup", default="on")
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    count = 8 if args.quick else 32
    results = []
    for case in ("ct", "us"):
        for batch in (1, 8, 32):
            results.append(_spawn(["--case", case, "--batch", str(batch), "--count", str(count),
                                   "--device", args.device]))
            print(json.dumps(results[-1]), flush=True)
    for dedup in ("off", "on"):
        results.append(_spawn(["--case", "cine", "--dedup", dedup, "--device", args.device]))
        print(json.dumps(results[-1]), flush=True)
    results.append(_spawn(["--case", "backends", "--device", args.device]))
    print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in results))
    print()
    print("| case | batch | frames | frames/s | render | detect | recognise | classify | mask | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if r["case"] in ("ct", "us", "cine"):
            s = r["stage_seconds"]
            label = r.get("batch", f"dedup {r.get('dedup')}")
            print(f"| {r['case']} | {label} | {r['frames']} | {r['frames_per_s']} | {s['render']} | {s['detect']} | "
                  f"{s['recognise']} | {s['classify']} | {s['mask']} | {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
