"""`pixelsvc review` over a real `pixelsvc redact` run, checked on disk and in headless Chromium.

One module-wide run: `pixelsvc redact` with the real CPU engine on a handful of real files
(burned-in PHI ultrasounds, a CT, a two-frame RLE series, a truncated file and a text
file), copied under a folder named like a patient, then `pixelsvc review` over its report.
The browser test opens the page from disk in Debian's Chromium (skipped where it is not
installed: ``apt-get install chromium``) and drives it as a reviewer would.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from pixelsvc.cli import main
from pixelsvc.client.preview import display_image
from pixelsvc.client.review import SITE, ReviewError, build_review
from pixelsvc.dicom.decode import iter_frames, phi_context, read_dataset
from tests.browser import Browser, find_chromium
from tests.reference import data_root

FILES = (
    "deid-data/ultrasounds/GREYSCALE_IMAGE.dcm",  # test-patient name, ID, dates burned in
    "deid-data/ultrasounds/RGB_IMAGE.dcm",
    "pydicom/CT_small.dcm",
    "pydicom/SC_rgb_rle_2frame.dcm",
    "spark-ocr-workshop/deidentify-medical-1.dcm",  # shared corpus only: synthetic PHI (Apache-2.0)
    "spark-ocr-workshop/MultiframeTest.dcm",  # shared corpus only: MONOCHROME1, text on both frames
)
PATIENT_FOLDER = "DOE^JANE 1951-08-29"
"""Input folders often carry patient names: the page must not show them."""
BURNED_IN = ("ZZZ TEST PATIENT", "00079241539", "ZZZDOWNTIME", "120907058", "John Stiles", "0545234234325V")


@dataclass
class ReviewRun:
    inputs: Path
    report: Path
    lines: list[dict]
    site: Path
    index: dict


def _index(site: Path) -> dict:
    text = (site / "data" / "index.js").read_text()
    return json.loads(text.removeprefix("window.REVIEW_INDEX = ").rstrip().removesuffix(";"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> ReviewRun:
    root = tmp_path_factory.mktemp("review")
    inputs = root / "in" / PATIENT_FOLDER
    inputs.mkdir(parents=True)
    real = data_root() / "real"
    for rel in FILES:
        if (real / rel).is_file():
            shutil.copyfile(real / rel, inputs / Path(rel).name)
    data = (real / "pydicom/MR_small.dcm").read_bytes()
    (inputs / "truncated.dcm").write_bytes(data[: len(data) // 2])
    (inputs / "notes.txt").write_text("not a DICOM file")
    key = root / "run.key"
    key.write_text("review-test-key-0123456789abcdef")
    key.chmod(0o600)  # a key others can read is refused
    report = root / "R.jsonl"
    code = main(["redact", str(inputs), "--out", str(root / "OUT"), "--report", str(report), "--key-file", str(key),
                 "--device", "cpu", "--no-progress"])
    assert code == 1  # the truncated file fails, the run goes on
    site = root / "REVIEW"
    assert main(["review", str(report), "--out", str(site), "--workers", "2"]) == 0
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    return ReviewRun(inputs, report, lines, site, _index(site))


def test_every_report_line_is_a_card_with_its_counts(run: ReviewRun) -> None:
    index = run.index
    assert [c["id"] for c in index["cards"]] == list(range(1, len(run.lines) + 1))
    assert [c["status"] for c in index["cards"]] == [line["status"] for line in run.lines]
    counts = index["counts"]
    assert counts["files"] == len(run.lines) and counts["frames"] == sum(line["frames"] for line in run.lines)
    assert counts["regions_by_label"] == dict(Counter(r["label"] for line in run.lines for r in line["regions"]))
    assert counts["statuses"]["failed"] == 1 and counts["statuses"]["excluded"] == 1
    assert sum(counts["failures_by_reason"].values()) == 1
    assert counts["statuses"].get("redacted", 0) >= 2


def test_a_thumbnail_and_a_view_for_every_frame_with_text(run: ReviewRun) -> None:
    for card, line in zip(run.index["cards"], run.lines, strict=True):
        assert card["text_frames"] == sorted({r["frame"] for r in line["regions"]})
        folder = run.site / "img" / card["key"][:2] / card["key"]
        for frame in card["text_frames"]:
            assert (folder / f"{frame}.jpg").is_file() and (folder / f"{frame}.png").is_file()
            assert not (folder / f"{frame}.orig.png").exists()
    assert (run.site / "data" / "regions" / "0.js").is_file()
    assert any(len(c["text_frames"]) for c in run.index["cards"])


def test_views_show_the_deidentified_output(run: ReviewRun) -> None:
    """Inside a masked box the view shows the output's fill, not the original's text."""
    line = next(line for line in run.lines if Path(line["input"]).name == "GREYSCALE_IMAGE.dcm")
    card = run.index["cards"][run.lines.index(line)]
    view = cv2.cvtColor(cv2.imread(str(run.site / "img" / card["key"][:2] / card["key"] / "0.png")), cv2.COLOR_BGR2RGB)
    output = display_image(next(iter_frames(read_dataset(Path(line["output"])))))
    original = display_image(next(iter_frames(read_dataset(Path(line["input"])))))
    assert view.shape == output.shape  # 1024 wide: not scaled
    masked = [r["box"] for r in line["regions"] if r["masked"]]
    assert masked
    inside = np.zeros(view.shape[:2], bool)
    for x0, y0, x1, y1 in masked:
        inside[y0 + 3:y1 - 3, x0 + 3:x1 - 3] = True
    # outlines of overlapping regions and their numbers cross some boxes: most pixels are the output's
    same = (view[inside] == output[inside]).all(axis=-1)
    assert same.mean() > 0.8
    differs = [np.abs(view[y0:y1, x0:x1].astype(int) - original[y0:y1, x0:x1]).max() > 50 for x0, y0, x1, y1 in masked]
    assert any(differs)


def test_files_are_owner_only(run: ReviewRun) -> None:
    paths = [run.site, *run.site.rglob("*")]
    assert len(paths) > 10
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path.relative_to(run.site)}: {oct(mode)}"


def test_page_holds_no_text_header_values_or_input_paths(run: ReviewRun) -> None:
    secrets = {PATIENT_FOLDER, "DOE^JANE", str(run.inputs), *BURNED_IN}
    for path in run.inputs.iterdir():
        if path.suffix == ".dcm" and path.name != "truncated.dcm":
            ctx = phi_context(read_dataset(path))
            secrets |= {v for v in (*ctx.names, *ctx.ids, *ctx.institutions) if len(v) >= 5}
    for name in ("index.html", "review.js", "review.css"):  # the page itself: copied unchanged
        assert (run.site / name).read_bytes() == (SITE / name).read_bytes()
    text = "\n".join(p.read_text() for p in (run.site / "data").rglob("*.js"))
    for secret in secrets:
        assert secret not in text and secret.upper() not in text.upper()
    assert "GREYSCALE_IMAGE" not in text  # not even input file names


def test_rerun_reuses_every_image(run: ReviewRun) -> None:
    summary = build_review(run.report, run.site, workers=1)
    assert summary.images_written == 0 and summary.images_reused == 2 * summary.text_frames > 0


def test_many_files_are_drawn_in_worker_processes_once(run: ReviewRun, tmp_path: Path) -> None:
    """Enough files for the process pool: each output hard-linked under new names (new image keys)."""
    lines = []
    for copy in range(20):
        for line in run.lines:
            if line["output"] and line["regions"]:
                link = tmp_path / f"{copy}-{Path(line['output']).name}"
                os.link(line["output"], link)
                lines.append({**line, "output": str(link)})
    report = tmp_path / "many.jsonl"
    report.write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = build_review(report, tmp_path / "site", workers=2)
    assert summary.files == len(lines) >= 20 and summary.image_failures == 0
    assert summary.images_written == 2 * summary.text_frames and summary.images_reused == 0
    index = _index(tmp_path / "site")
    first, last = index["cards"][0], index["cards"][len(lines) // 20 * 19]  # the same output, linked twice
    assert first["key"] != last["key"]
    frame = first["text_frames"][0]
    site = tmp_path / "site"
    images = [(site / "img" / c["key"][:2] / c["key"] / f"{frame}.png").read_bytes() for c in (first, last)]
    assert images[0] == images[1]
    again = build_review(report, tmp_path / "site", workers=2)
    assert again.images_written == 0 and again.images_reused == summary.images_written


def test_with_originals_adds_frames_paths_and_a_banner(run: ReviewRun, tmp_path: Path) -> None:
    site = tmp_path / "with-originals"
    build_review(run.report, site, with_originals=True, workers=1)
    index = _index(site)
    assert index["meta"]["with_originals"] is True
    assert "ORIGINAL frames" in (site / "index.html").read_text()
    cards = [c for c in index["cards"] if c["text_frames"]]
    assert cards and all(c["input"].startswith(str(run.inputs)) for c in index["cards"])
    for card in cards:
        for frame in card["text_frames"]:
            assert (site / "img" / card["key"][:2] / card["key"] / f"{frame}.orig.png").is_file()


def test_a_report_that_is_not_a_report_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"input": "x", "status": "clean"}\nnot json\n')
    with pytest.raises(ReviewError, match="report line 2 is not JSON"):
        build_review(bad, tmp_path / "site")
    bad.write_text('{"file": "x"}\n')
    with pytest.raises(ReviewError, match="no 'status' and 'input'"):
        build_review(bad, tmp_path / "site")
    assert main(["review", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "site")]) == 1


# --- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    with Browser(binary) as opened:
        yield opened


def _visible(browser: Browser) -> list[int]:
    return browser.evaluate("[...document.querySelectorAll('#cards .card')].map(c => Number(c.dataset.id))")


def _current(browser: Browser) -> int:
    return browser.evaluate("Number(document.querySelector('.card.current').dataset.id)")


def test_the_page_in_chromium(run: ReviewRun, browser: Browser) -> None:
    cards = run.index["cards"]
    browser.open((run.site / "index.html").as_uri())
    browser.wait_for("document.querySelectorAll('#cards .card').length > 0")
    assert _visible(browser) == [c["id"] for c in cards]
    browser.wait_for("[...document.images].filter(i => i.src.endsWith('.jpg')).every(i => i.complete)")
    assert browser.evaluate("[...document.images].filter(i => i.src.endsWith('.jpg'))"
                            ".every(i => i.naturalWidth > 0)"), "a thumbnail did not load"

    # filters change the visible cards
    for status in ("redacted", "clean", "excluded"):
        browser.click(f'input[name="status"][value="{status}"]')
    assert _visible(browser) == [c["id"] for c in cards if c["status"] == "failed"]
    for status in ("redacted", "clean", "excluded"):
        browser.click(f'input[name="status"][value="{status}"]')
    assert len(_visible(browser)) == len(cards)
    browser.evaluate("(() => { const s = document.getElementById('label-filter'); s.value = 'PHI:NAME';"
                     " s.dispatchEvent(new Event('change')); })()")
    named = [c["id"] for c in cards if c["labels"].get("PHI:NAME")]
    assert named and _visible(browser) == named
    browser.evaluate("(() => { const s = document.getElementById('label-filter'); s.value = '';"
                     " s.dispatchEvent(new Event('change')); })()")
    browser.click("#unknown-kept")
    assert _visible(browser) == [c["id"] for c in cards if c["unknown_kept"]]
    browser.click("#unknown-kept")

    # keyboard: next, previous, flag, frame view with zoom
    for _ in range(len(cards)):
        browser.press("k")
    assert _current(browser) == 1
    browser.press("j")
    browser.press("j")
    assert _current(browser) == 3
    browser.press("k")
    assert _current(browser) == 2
    with_text = next(c for c in cards if c["text_frames"])
    while _current(browser) != with_text["id"]:
        browser.press("j" if _current(browser) < with_text["id"] else "k")
    browser.press("f")
    browser.wait_for(f"document.querySelector('.card[data-id=\"{with_text['id']}\"]').classList.contains('decision-flag')")
    browser.press("Enter")
    browser.wait_for("!document.getElementById('viewer').hidden && document.getElementById('viewer-img').naturalWidth")
    browser.wait_for("document.querySelectorAll('#viewer-regions tbody tr').length > 0")
    rows = browser.evaluate("document.querySelectorAll('#viewer-regions tbody tr').length")
    frame = with_text["text_frames"][0]
    line = run.lines[with_text["id"] - 1]
    assert rows == sum(1 for r in line["regions"] if r["frame"] == frame)
    before = browser.evaluate("document.getElementById('viewer-img').getBoundingClientRect().width")
    browser.press("+")
    browser.press("+")
    after = browser.evaluate("document.getElementById('viewer-img').getBoundingClientRect().width")
    assert after > before * 1.4
    browser.press("Escape")
    assert browser.evaluate("document.getElementById('viewer').hidden")

    # the flag lands in the exported CSV
    browser.click("#export")
    deadline = time.monotonic() + 10
    while not (done := [p for p in browser.downloads.glob("*.csv")]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert done, "no CSV was downloaded"
    rows = list(csv.DictReader(io.StringIO(done[0].read_text())))
    assert [int(r["report_line"]) for r in rows] == [c["id"] for c in cards]
    assert {int(r["report_line"]): r["decision"] for r in rows if r["decision"]} == {with_text["id"]: "flag"}
    assert "input" not in rows[0]
    assert browser.errors == []
    shot = os.environ.get("PIXELSVC_REVIEW_SCREENSHOT")
    if shot:  # the README's picture: PIXELSVC_REVIEW_SCREENSHOT=docs/review.png with the shared corpus
        browser.evaluate("window.scrollTo(0, 0)")
        browser.screenshot(Path(shot))
