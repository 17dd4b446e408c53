"""`pixelsvc review` at scale: a 10,000-file page opened in headless Chromium, and image drawing.

    python bench/review.py --report R.jsonl [--files 10000] [--copies 40]

R.jsonl is the report of a real ``pixelsvc redact`` run (a few files is enough). Two parts,
each measured within one run:

1. Page: a 10,000-line report made by repeating R.jsonl's lines (repeated lines point at the
   same outputs, so their images are drawn once). Prints the build time, the size of
   ``data/index.js`` and, in Debian's Chromium, the time from navigation to the first page
   of cards, the images in the document, and the time a filter change and a page turn take.
2. Drawing: every output hard-linked `--copies` times under new names (new image keys),
   drawn with 1 worker and then with one per core; then rebuilt, when every image is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pixelsvc.client.review import build_review
from tests.browser import Browser, find_chromium


def _page(lines: list[dict], files: int, work: Path) -> None:
    report = work / "big.jsonl"
    report.write_text("".join(json.dumps(lines[i % len(lines)]) + "\n" for i in range(files)))
    start = time.perf_counter()
    summary = build_review(report, work / "big")
    build = time.perf_counter() - start
    index_mb = (work / "big" / "data" / "index.js").stat().st_size / 1e6
    print(f"page: {files} files, build {build:.1f} s ({summary.line()}); data/index.js {index_mb:.2f} MB")
    binary = find_chromium()
    if binary is None:
        print("page: chromium not installed; skipping the browser timings")
        return
    with Browser(binary) as browser:
        browser.open((work / "big" / "index.html").as_uri())
        browser.wait_for("document.querySelectorAll('#cards .card').length > 0")
        loaded = browser.evaluate("performance.now()")
        cards = browser.evaluate("document.querySelectorAll('#cards .card').length")
        images = browser.evaluate("document.images.length")
        start = browser.evaluate("performance.now()")
        browser.click('input[name="status"][value="redacted"]')
        filtered = browser.evaluate("performance.now()") - start
        start = browser.evaluate("performance.now()")
        browser.press("n")
        turned = browser.evaluate("performance.now()") - start
        print(f"page: first {cards} cards after {loaded:.0f} ms from navigation ({images} images in the document); "
              f"filter change {filtered:.0f} ms, page turn {turned:.0f} ms; console errors {len(browser.errors)}")


def _drawing(lines: list[dict], copies: int, work: Path) -> None:
    links = work / "links"
    links.mkdir()
    drawn = []
    for copy in range(copies):
        for number, line in enumerate(lines):
            if line.get("output") and line.get("regions"):
                target = links / f"{copy}-{number}.dcm"
                os.link(line["output"], target)
                drawn.append({**line, "output": str(target)})
    report = work / "links.jsonl"
    report.write_text("".join(json.dumps(line) + "\n" for line in drawn))
    cores = os.cpu_count() or 1
    times = {}
    for workers in (1, cores):
        start = time.perf_counter()
        summary = build_review(report, work / f"draw-{workers}", workers=workers)
        times[workers] = time.perf_counter() - start
        print(f"drawing: {len(drawn)} files, workers={workers}: {times[workers]:.1f} s ({summary.line()})")
    start = time.perf_counter()
    summary = build_review(report, work / f"draw-{cores}", workers=cores)
    again = time.perf_counter() - start
    print(f"drawing: speed-up with {cores} workers {times[1] / times[cores]:.2f}x; "
          f"rebuild {again:.1f} s ({summary.images_written} drawn, {summary.images_reused} reused)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", type=Path, required=True, help="report of a real pixelsvc redact run")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    lines = [json.loads(text) for text in args.report.read_text().splitlines() if text.strip()]
    with tempfile.TemporaryDirectory(prefix="pixelsvc-bench-review-") as folder:
        work = Path(folder)
        _page(lines, args.files, work)
        _drawing(lines, args.copies, work)


if __name__ == "__main__":
    main()
