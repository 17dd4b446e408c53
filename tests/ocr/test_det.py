"""The DB text detector finds burned-in text and returns integer source-frame boxes."""

from __future__ import annotations

import dataclasses
import itertools
import random

import cv2
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageFont

from pixelsvc.config import DetConfig
from pixelsvc.ocr.det import (
    DBPostProcessor,
    TextDetector,
    _detection_scale,
    _split_lines,
    _target_shape,
    _tile_starts,
    merge_boxes,
    new_fine_lines,
)
from pixelsvc.ocr.fine import fine_windows
from pixelsvc.ocr.zoo import get_spec
from pixelsvc.synth.backgrounds import procedural
from pixelsvc.types import Frame, TextBox
from tests.synth import find_fonts, make_frame


def _covered(boxes: list[TextBox], ink: np.ndarray, margin: int = 3) -> float:
    cover = np.zeros(ink.shape, bool)
    for b in boxes:
        cover[max(0, b.y0 - margin):b.y1 + margin, max(0, b.x0 - margin):b.x1 + margin] = True
    return float(cover[ink].mean())


@pytest.mark.parametrize("kind", [dict(bits=16), dict(bits=8, photometric="RGB"), dict(bits=12, text_value="min")])
def test_every_string_is_inside_a_box(engine, kind):
    synth = make_frame(21, 384, 448, sizes=(10, 18), **kind)
    views = engine.renderer.render(synth.frame)
    boxes = [b for per_view in engine.detector.detect(views) for b in per_view]
    for text in synth.texts:
        assert _covered(boxes, text.ink) >= 0.98, text.text if text.kind == "safe" else "a PHI string"
    rows, cols = synth.frame.pixels.shape[:2]
    for b in boxes:
        assert all(isinstance(v, int) for v in (b.x0, b.y0, b.x1, b.y1))
        assert 0 <= b.x0 < b.x1 <= cols and 0 <= b.y0 < b.y1 <= rows


def test_a_batch_gives_the_same_boxes_as_one_frame_at_a_time(engine):
    frames = [make_frame(s, 256, 320, bits=12).frame for s in (31, 32, 33)]
    views = [engine.renderer.render(f)[0] for f in frames]
    together = engine.detector.detect(views)
    alone = [engine.detector.detect([v])[0] for v in views]
    coords = [[(b.x0, b.y0, b.x1, b.y1) for b in boxes] for boxes in together]
    assert coords == [[(b.x0, b.y0, b.x1, b.y1) for b in boxes] for boxes in alone]
    scores = np.array([b.score for boxes in together for b in boxes])
    assert np.allclose(scores, [b.score for boxes in alone for b in boxes], atol=1e-4)


def test_large_frames_are_tiled_so_small_text_survives(engine):
    small = make_frame(41, 600, 800, bits=12, sizes=(12, 14))
    big = np.zeros((2900, 3000), np.uint16)
    big[2300:2900, 2200:3000] = small.frame.pixels  # the annotations sit in a corner of a big radiograph
    frame = Frame(("big", 0), big, "MONOCHROME2", 12)
    view = engine.renderer.render(frame)[0]
    jobs = engine.detector.plan(0, view)
    assert len(jobs) == 1  # the flat tiles of the empty radiograph are skipped
    textured = Frame(("big", 1), np.random.default_rng(0).integers(0, 4096, big.shape, dtype=np.uint16),
                     "MONOCHROME2", 12)
    tiles = engine.detector.plan(0, engine.renderer.render(textured)[0])
    assert len(tiles) > 1 and len({j.shape for j in tiles}) == 1  # equal tiles: one batch shape
    assert {j.shape for j in tiles} == {(1280, 1280)}  # shrunk no more than min_scale
    boxes = engine.detector.detect([view])[0]
    for text in small.texts:
        if len(text.text) < 2:
            continue  # a lone laterality glyph, 10 px on a 3000 px frame, may go at min_scale; it is no PHI
        ink = np.zeros(big.shape, bool)
        ink[2300:2900, 2200:3000] = text.ink
        assert _covered(boxes, ink) >= 0.98


def _detector(engine, **changes) -> TextDetector:
    """The suite engine's detector network with other detector settings."""
    spec = get_spec(engine.config.det.model, "det")
    return TextDetector(engine.detector.net, dataclasses.replace(engine.detector.config, **changes),
                        spec.mean, spec.std)


def test_the_fine_pass_rescans_one_view_at_twice_the_scale(engine):
    synth = make_frame(51, 512, 512, bits=12)
    views = engine.renderer.render(synth.frame)
    detector = _detector(engine, fine_factor=2.0, fine_everywhere=True)
    cfg = detector.config
    fine_view = [v.rendering for v in views].index(cfg.fine_view)
    first = [job for index, view in enumerate(views) for job in detector.plan(index, view)]
    fine = [job for index, view in enumerate(views) for job in detector.plan_fine(index, view, [])]
    assert len(first) == len(views) and {j.shape for j in first} == {(736, 736)} and not any(j.fine for j in first)
    assert fine and all(j.fine for j in fine) and {j.view for j in fine} == {fine_view}  # only the fine view
    assert all(max(j.shape) <= cfg.max_side for j in fine)
    covered = np.zeros((512, 512), bool)
    for j in fine:
        covered[j.y0:j.y1, j.x0:j.x1] = True
        assert round((j.x1 - j.x0) * 736 / 512 * cfg.fine_factor / 32) * 32 == j.shape[1]
    assert covered.all()  # fine_everywhere: the whole view, tiled at 2x
    off = _detector(engine, fine_factor=1.0)
    assert not any(off.plan_fine(index, view, []) for index, view in enumerate(views))


def test_the_fine_pass_looks_only_at_small_text_ink_outside_first_pass_boxes(engine):
    cfg = engine.detector.config
    rng = np.random.default_rng(3)
    rows = np.linspace(60, 140, 512, dtype=np.float32)[:, None]
    grey = np.clip(rows + rng.normal(0, 4, (512, 512)), 0, 255).astype(np.uint8)  # smooth anatomy
    noise_only = grey.copy()
    cv2.putText(grey, "ID 4471-2093", (300, 470), cv2.FONT_HERSHEY_PLAIN, 0.6, 175, 1)  # ~7 px glyphs, faint
    ink = np.abs(grey.astype(int) - noise_only) > 10
    windows = fine_windows(grey, [], cfg).ink
    looked = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in windows:
        looked[y0:y1, x0:x1] = True
    assert looked[ink].mean() >= 0.99, "the small line must lie in a fine-pass window"
    assert looked.mean() < 0.1  # a window around the line, not the view
    assert fine_windows(grey, [TextBox(290, 455, 420, 478, 1.0)], cfg).ink == []  # its ink is in a first-pass box
    assert fine_windows(noise_only, [], cfg).ink == []  # texture alone is not rescanned


def test_a_faint_line_on_a_quiet_frame_is_rescanned(engine):
    """On a quiet frame a faint line's strokes answer the stroke filter with less than 25 grey
    levels: above the floor of `fine_min_response` (12) its window is rescanned, at 25 it is not."""
    cfg = engine.detector.config
    rng = np.random.default_rng(5)
    quiet = np.clip(100 + rng.normal(0, 1, (512, 512)), 0, 255).astype(np.uint8)
    grey = quiet.copy()
    cv2.putText(grey, "Ward 5  E783382", (300, 60), cv2.FONT_HERSHEY_PLAIN, 0.7, 118, 1)  # 18 levels up
    ink = grey != quiet
    looked = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in fine_windows(grey, [], cfg).ink:
        looked[y0:y1, x0:x1] = True
    assert cfg.fine_min_response == 12 and looked[ink].mean() >= 0.99
    assert not fine_windows(grey, [], dataclasses.replace(cfg, fine_min_response=25)).ink
    assert fine_windows(quiet, [], cfg).ink == []  # the quiet background alone is not rescanned


def test_the_fine_pass_adds_boxes_only_for_lines_the_first_did_not_hold(engine):
    """Lines the first pass found keep their boxes (and so their reads and masks) exactly."""
    views = engine.renderer.render(make_frame(52, 384, 448, bits=16, sizes=(6, 12)).frame)
    without = _detector(engine, fine_factor=1.0).detect_frames([views])[0]
    with_fine = _detector(engine, fine_factor=2.0, fine_everywhere=True).detect_frames([views])[0]
    before = {(d.box.x0, d.box.y0, d.box.x1, d.box.y1, d.view) for d in without}
    after = {(d.box.x0, d.box.y0, d.box.x1, d.box.y1, d.view) for d in with_fine}
    assert before <= after
    for added in after - before:
        box = TextBox(*added[:4], 0.0)
        assert not any(box.mostly_inside(d.box) for d in without)


def test_a_fine_line_that_only_touches_a_first_pass_box_is_added():
    """Boxes measured on a generated 3000 px radiograph with a block of six 7 px lines (date, age,
    id among them): the first pass found the top three, its local view one more box cut across
    the last two lines, and one thick blob over the whole block. The fine pass found all six;
    the lower three touch first-pass boxes (their unclip reaches into the lines beside) and were
    dropped, leaving three PHI lines unmasked. A line is now dropped only when a first-pass box
    already holds most of it."""
    coarse = [TextBox(23, 2760, 99, 2779), TextBox(26, 2773, 84, 2787), TextBox(36, 2786, 101, 2803),
              TextBox(22, 2822, 61, 2840)]  # the blob (6, 2746, 117, 2844) is no line box: 98 px thick
    fine = [TextBox(22, 2763, 101, 2777), TextBox(22, 2775, 80, 2791), TextBox(22, 2788, 104, 2804),
            TextBox(21, 2801, 56, 2817), TextBox(21, 2814, 103, 2831), TextBox(21, 2827, 91, 2843)]
    assert new_fine_lines(fine, coarse, max_line=48) == fine[3:]
    assert new_fine_lines(fine, [], max_line=48) == fine
    assert new_fine_lines([TextBox(0, 0, 200, 60)], [], max_line=48) == []  # thicker than a small line


def _small_block(lines: list[str], top: int) -> tuple[np.ndarray, np.ndarray]:
    """A 2000 px CT with a block of 8 px lines at the top right: (uint16 pixels, glyph ink)."""
    fonts = find_fonts()
    if not fonts:
        pytest.skip("no TrueType font installed")
    background = procedural("ct", random.Random(22), 2000, 2000, 1, False).frames[0]
    layer = Image.new("L", (2000, 2000), 0)
    font = ImageFont.truetype(str(fonts[0]), 8)
    for k, text in enumerate(lines):
        ImageDraw.Draw(layer).text((1904, top + 13 * k), text, fill=255, font=font)
    alpha = np.asarray(layer, np.float32) / 255
    background = background / background.max()
    pixels = np.clip((background * (1 - alpha) + 0.2 * alpha) * 65535, 0, 65535).astype(np.uint16)
    return pixels, alpha > 0.25


def test_the_fine_pass_looks_inside_a_thick_first_pass_box(engine):
    """A block of 8 px lines on a 2000 px CT comes back from the first pass inside one thick box
    (a blob, read as one garbled line); the fine pass still finds the lines in it."""
    lines = ["Patient: DOE^JANE", "ID: 4471-2093-88", "DOB: 1961-04-12", "Hospital: Mercy General",
             "Date: 2021-07-20"]
    pixels, ink = _small_block(lines, 40)
    views = engine.renderer.render(Frame(("thick", 0), pixels, "MONOCHROME2", 16))
    detector = _detector(engine, fine_factor=2.0)
    cfg = detector.config
    first = [d.box for d in _detector(engine, fine_factor=1.0).detect_frames([views])[0]]
    thick = [b for b in first if min(b.width, b.height) > cfg.fine_cover_line]
    assert _covered(thick, ink, margin=0) >= 0.98, "the first pass no longer sees this block as a blob: redraw the case"

    def lines_found(detector: TextDetector) -> int:
        boxes = [d.box for d in detector.detect_frames([views])[0]]
        line_boxes = [b for b in boxes if min(b.width, b.height) <= cfg.fine_max_line]
        found = 0
        for row in range(len(lines)):
            line_ink = ink.copy()
            line_ink[:40 + 13 * row] = line_ink[40 + 13 * (row + 1):] = False
            found += _covered(line_boxes, line_ink) >= 0.98
        return found

    assert lines_found(detector) >= 4  # the last line is only partly found: the mask stage grows it
    assert lines_found(_detector(engine, fine_factor=2.0, fine_cover_line=100_000)) == 0  # the blob hid them


def test_a_box_read_as_nothing_is_rescanned_for_the_lines_inside(engine):
    """Two lines of a small block fused into one box read as nothing (kept as a stray mark) hide
    from the fine pass as a line box; the rescan of that box finds both lines."""
    lines = ["DOB: 1961-04-12", "Age: 062Y"]
    pixels, ink = _small_block(lines, 40)
    views = engine.renderer.render(Frame(("rescan", 0), pixels, "MONOCHROME2", 16))
    detector = _detector(engine, fine_factor=2.0)
    fused = TextBox(1898, 34, 1990, 66, 0.7)  # over both lines, as the first pass returned such a pair
    found = detector.rescan([views], [[fused]], [[]])[0]
    assert found and all(d.box.mostly_inside(fused.grown(4)) for d in found)
    assert {views[d.view].rendering for d in found} == {detector.config.fine_view}
    for row in range(len(lines)):
        line_ink = ink.copy()
        line_ink[:40 + 13 * row] = line_ink[40 + 13 * (row + 1):] = False
        assert _covered([d.box for d in found], line_ink) >= 0.98, f"line {row} not found"
    # a line already read is not added again, and nothing is rescanned without an unread box
    assert detector.rescan([views], [[fused]], [[d.box for d in found]]) == [[]]
    assert detector.rescan([views], [[]], [[]]) == [[]]
    assert _detector(engine, fine_factor=1.0).rescan([views], [[fused]], [[]]) == [[]]


def test_a_scale_bar_gets_no_box_and_the_text_beside_it_does(engine):
    """A ruler reads as garbage (`EEEL`) and was masked as unreadable text; it is no text."""
    rng = np.random.default_rng(11)
    pixels = rng.normal(300, 20, (384, 512)).clip(0, 4095).astype(np.uint16)
    pixels[60:62, 40:140] = 3800  # the rule
    for x in range(40, 141, 20):
        pixels[48:62, x:x + 2] = 3800  # its ticks
    text = np.zeros(pixels.shape, np.uint8)
    cv2.putText(text, "ID 4471-2093", (40, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1, cv2.LINE_AA)
    pixels[text > 128] = 3800
    views = engine.renderer.render(Frame(("ruler", 0), pixels, "MONOCHROME2", 12))
    boxes = [d.box for d in engine.detector.detect_frames([views])[0]]
    bar = np.zeros(pixels.shape, bool)
    bar[48:62, 40:142] = True
    assert _covered(boxes, text > 128) >= 0.98
    assert _covered(boxes, bar, margin=0) == 0.0
    kept = [d.box for d in _detector(engine, drop_rulers=False).detect_frames([views])[0]]
    assert _covered(kept, bar, margin=0) > 0.5  # the detector does take it for text


def test_blank_frame_has_no_boxes(engine):
    frame = Frame(("blank", 0), np.zeros((128, 128), np.uint16), "MONOCHROME2", 12)
    assert engine.detector.detect(engine.renderer.render(frame)) == [[]]


def test_target_shape_is_a_multiple_of_32_within_limits():
    for rows, cols in [(512, 512), (768, 1024), (100, 3000), (20, 20), (4664, 3064)]:
        for scale in (0.5, 1.0, 2.5):
            h, w = _target_shape(rows, cols, scale, 1280)
            assert h % 32 == 0 and w % 32 == 0 and max(h, w) <= 1280 and min(h, w) >= 32


def test_small_frames_are_upscaled_and_large_ones_never_shrunk():
    cfg = DetConfig()
    assert _detection_scale(256, 256, cfg) == pytest.approx(cfg.min_side / 256)  # 6 px glyphs reach ~17 px
    assert _detection_scale(128, 128, cfg) == cfg.max_upscale
    assert _detection_scale(1024, 768, cfg) == 1.0
    assert _detection_scale(2048, 2048, cfg) == pytest.approx(1280 / 2048)
    assert _detection_scale(3000, 2400, cfg) == cfg.min_scale  # then tiled rather than shrunk further


def test_small_text_on_a_small_frame_is_found(engine):
    synth = make_frame(7, 256, 256, sizes=(7, 8))
    boxes = [b for per_view in engine.detector.detect(engine.renderer.render(synth.frame)) for b in per_view]
    found = [_covered(boxes, text.ink) >= 0.9 for text in synth.texts]
    assert sum(found) >= len(found) - 1, f"{sum(found)} of {len(found)} strings 5-7 px high found"


def test_a_region_spanning_two_lines_of_a_dense_block_is_cut_in_two():
    prob = np.zeros((64, 96), np.float32)
    prob[10:18, 8:80] = 0.9  # line 1 kernel
    prob[24:32, 8:70] = 0.9  # line 2, 14 px pitch
    prob[18:24, 30:32] = 0.9  # a descender touching the next line joins the two regions
    post = DBPostProcessor(bin_thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, min_box_side=3)
    boxes = sorted(post(prob), key=lambda b: b[1])
    assert len(boxes) == 2
    assert boxes[0][3] <= 26 and boxes[1][1] >= 16  # each box keeps to its own line (plus the unclip margin)
    assert boxes[0][2] > 80 and boxes[1][2] < 80  # widths follow each line


def test_a_vertical_line_is_not_cut_between_its_glyphs():
    prob = np.zeros((96, 32), np.float32)
    for top in range(8, 88, 12):
        prob[top:top + 9, 10:18] = 0.9
    prob[8:88, 13:15] = 0.9  # rotated glyphs touch along the line
    post = DBPostProcessor(bin_thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, min_box_side=3)
    assert len(post(prob)) == 1


def test_tiles_cover_the_whole_length_with_overlap():
    starts = _tile_starts(3000, 1280, 64)
    assert starts[0] == 0 and starts[-1] + 1280 == 3000
    assert all(b - a <= 1280 - 64 for a, b in itertools.pairwise(starts))


def test_post_processor_grows_kernels_and_drops_weak_regions():
    prob = np.zeros((64, 64), np.float32)
    prob[10:14, 10:40] = 0.9  # a text kernel
    prob[40:44, 10:40] = 0.35  # above bin_thresh but a weak region
    post = DBPostProcessor(bin_thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, min_box_side=3)
    boxes = post(prob)
    assert len(boxes) == 1
    x0, y0, x1, y1, score = boxes[0]
    assert x0 < 10 and y0 < 10 and x1 > 40 and y1 > 14 and score > 0.85
    assert "box_thresh=0.5" in repr(post)


def test_merge_boxes_unions_duplicates_from_several_views():
    merged = merge_boxes([TextBox(0, 0, 10, 10, 0.9), TextBox(1, 1, 11, 11, 0.8), TextBox(30, 30, 40, 40, 0.7)])
    assert merged == [TextBox(0, 0, 11, 11, 0.9), TextBox(30, 30, 40, 40, 0.7)]


def test_config_rejects_bad_values_with_the_fix():
    with pytest.raises(ValueError, match="multiple of 32"):
        DetConfig(max_side=1000)
    with pytest.raises(ValueError, match=r"box_thresh = 2 is out of range"):
        DetConfig(box_thresh=2)


def _reference_db_boxes(prob: np.ndarray, post: DBPostProcessor) -> list[tuple[float, ...]]:
    """The host-only DB post-processing the device path replaced (cv2 dilation, numpy scores)."""
    import cv2

    kernel = prob > post.bin_thresh
    joined = cv2.dilate(kernel.astype(np.uint8), np.ones((2, 2), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    sums = np.bincount(labels[kernel], weights=prob[kernel], minlength=count)
    scores = sums / np.maximum(np.bincount(labels[kernel], minlength=count), 1)
    boxes = []
    for index in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[index])
        if min(w, h) < post.min_box_side or scores[index] < post.box_thresh:
            continue
        if h >= 8 and 2 * w >= h:  # a region of several lines: cut as the post-processor does
            core = (labels[y:y + h, x:x + w] == index) & kernel[y:y + h, x:x + w]
            lines = _split_lines(core)
            if len(lines) > 1:
                dense = np.where(kernel, prob, 0).astype(np.float32)
                boxes.extend(b for top, bottom in lines for b in post._line_box(dense, core, x, y, top, bottom))
                continue
        d = area * post.unclip_ratio / max(2.0 * (w + h), 1.0)
        boxes.append((max(0.0, x - d), max(0.0, y - d), min(float(prob.shape[1]), x + w + d),
                      min(float(prob.shape[0]), y + h + d), float(scores[index])))
    return boxes


def test_device_post_processing_equals_the_host_reference():
    rng = np.random.default_rng(3)
    post = DBPostProcessor(bin_thresh=0.3, box_thresh=0.5, unclip_ratio=1.6, min_box_side=3)
    probs = []
    for _ in range(4):  # blobs of text-like cores with noise, some touching the border
        prob = rng.uniform(0, 0.35, (96, 128)).astype(np.float32)
        for _ in range(12):
            y, x = rng.integers(0, 92), rng.integers(0, 120)
            prob[y:y + rng.integers(2, 6), x:x + rng.integers(3, 20)] = rng.uniform(0.3, 1.0)
        probs.append(prob)
    maps = post.maps(torch.from_numpy(np.stack(probs)))
    for prob, db_map in zip(probs, maps, strict=True):
        assert post(db_map) == _reference_db_boxes(prob, post)
        import cv2
        assert np.array_equal(db_map.code > 0, cv2.dilate((prob > 0.3).astype(np.uint8), np.ones((2, 2), np.uint8)) > 0)


def _faint_border_frame(level: int, size: int) -> tuple[Frame, np.ndarray]:
    """A 256 px 8-bit frame: black border, bright speckled anatomy and a bright label, and one
    line of small letters (`size` px font) `level` grey levels above the border (how a console
    draws a dim caption)."""
    rng = np.random.default_rng(11)
    grey = np.zeros((256, 256), np.uint8)
    yy, xx = np.mgrid[:256, :256]
    body = (yy - 150) ** 2 / 80 ** 2 + (xx - 110) ** 2 / 70 ** 2 < 1
    grey[body] = np.clip(rng.normal(150, 40, body.sum()), 0, 255).astype(np.uint8)
    cv2.putText(grey, "CINE", (190, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2)
    plain = grey.copy()
    font = ImageFont.truetype(str(find_fonts()[0]), size)
    canvas = Image.fromarray(grey)
    ImageDraw.Draw(canvas).text((110, 2), "Ref. Phys: Okafor", fill=level, font=font)
    grey = np.asarray(canvas).copy()
    return Frame(("faint", 0), grey, "MONOCHROME2", 8), grey != plain


def test_faint_text_on_a_flat_ground_is_detected_contrast_stretched(engine):
    """Dim letters on a black border answer the stroke filter far below the level the bright
    anatomy and label set, so no ink window holds them; their cells' ground is flat, so a faint
    window does, and the detector, shown it stretched between its own grey levels, finds the line."""
    frame, ink = _faint_border_frame(20, 10)
    views = engine.renderer.render(frame)
    fine_view = next(v for v in views if v.rendering == engine.detector.config.fine_view)
    windows = fine_windows(fine_view.image[:, :, 0], [], engine.detector.config)
    ys, xs = np.nonzero(ink)
    def holds(w):
        return w[0] <= xs.min() and w[1] <= ys.min() and w[2] > xs.max() and w[3] > ys.max()
    assert not any(holds(w) for w in windows.ink)
    faint = [w for w in windows.faint if holds(w.window)]
    assert faint and faint[0].white - faint[0].black < 64  # stretched between the border and the letters
    found = [d.box for d in engine.detector.detect_frames([views])[0]]
    assert _covered(found, ink) >= 0.98
    off = _detector(engine, fine_flat_ground=0.0)
    assert _covered([d.box for d in off.detect_frames([views])[0]], ink) < 0.5  # without it the line is missed


def test_texture_and_flat_areas_make_no_faint_window(engine):
    cfg = engine.detector.config
    rng = np.random.default_rng(4)
    speckle = np.clip(rng.normal(90, 25, (256, 256)), 0, 255).astype(np.uint8)
    flat = np.full((256, 256), 30, np.uint8)
    edges = flat.copy()
    edges[:, 128:] = 200  # a plain panel's edge: two flat levels, not letters
    for grey in (speckle, flat, edges):
        assert fine_windows(grey, [], cfg).faint == []
