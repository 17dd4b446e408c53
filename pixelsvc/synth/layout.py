"""What goes where: groups of text lines (single values, 'Label: value' pairs, dense blocks) and distractors.

A `Group` is drawn with one font, size, colour and rotation at one anchor (a corner,
an edge or the middle), as scanners do. Each line holds one or more `Item`s side by
side; an item is PHI (a category), a label before a PHI value (LABEL: neither kept nor
scored as PHI), or a DISTRACTOR: clinical text that must stay (laterality, views,
W/L, slice thickness, kV, image numbers, measurements) or a scale bar.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pixelsvc.synth.values import PhiString

__all__ = ["ANCHORS", "Group", "Item", "distractor_texts", "make_groups"]

ANCHORS = ("tl", "tr", "bl", "br", "top", "bottom", "left", "right", "mid")


@dataclass(frozen=True, slots=True)
class Item:
    """One string (or a scale bar when `bar` is set) on a line."""

    text: str
    category: str
    """A PHI category, 'LABEL' or 'DISTRACTOR'."""
    bar: int = 0
    """Length in px of a scale bar drawn instead of text (0: text)."""
    changing: bool = False
    """Redrawn with a new value in every frame of a cine (a running clock)."""


@dataclass(frozen=True, slots=True)
class Group:
    """Lines drawn together: one style, one anchor."""

    kind: str
    """'single', 'pair', 'block' or 'distractor'."""
    lines: tuple[tuple[Item, ...], ...]
    anchor: str


def distractor_texts(rng: random.Random) -> list[str]:
    """Clinical annotations that a de-identifier must keep."""
    ww, wl = rng.choice([(400, 40), (1500, 300), (350, 50), (80, 35), (2000, 500), (255, 127)])
    return [
        rng.choice(["L", "R", "LT", "RT", "LEFT", "RIGHT", "L  R"]),
        rng.choice(["AP", "PA", "LAT", "AX", "SAG", "COR", "OBL", "AP PORTABLE", "ERECT", "SUPINE", "LAO 30",
                    "T2 FLAIR", "T1 AX POST", "DWI b1000", "ADC", "STIR COR", "CINE", "2D", "M-MODE", "PW", "CFM"]),
        rng.choice([f"W:{ww} L:{wl}", f"WW {ww} WL {wl}", f"W {ww} / L {wl}", f"C{wl} W{ww}"]),
        rng.choice(["5.0 mm", "2.5mm", "1.25 mm", "ST: 3.0", "Thk 5 mm", "SL 1.0"]),
        rng.choice(["120 kV", "kVp 120", "80 kV", "mAs 250", "200 mA", "140kV 300mAs", "CTDIvol 12.3 mGy"]),
        rng.choice([f"Im: {rng.randint(1, 40)}/{rng.randint(40, 200)}", f"Se: {rng.randint(1, 12)}",
                    f"IMA {rng.randint(1, 99)}", f"Img {rng.randint(1, 300)}", f"Fr {rng.randint(1, 64)}"]),
        rng.choice([f"{rng.uniform(0.3, 12):.1f} cm", f"{rng.randint(2, 90)} mm", f"D1 {rng.uniform(0.3, 9):.2f}cm",
                    f"Area {rng.uniform(0.5, 20):.1f} cm2", "HR 72 bpm", f"Depth {rng.randint(4, 24)} cm",
                    f"Gain {rng.randint(20, 80)}%", f"MI {rng.uniform(0.2, 1.6):.1f}", f"TIS {rng.uniform(0.1, 2):.1f}",
                    f"{rng.randint(8, 60)} Hz", f"Zoom {rng.uniform(1, 3):.1f}", f"FOV {rng.randint(18, 48)} cm"]),
    ]


def make_groups(rng: random.Random, phi: list[PhiString], *, max_groups: int) -> list[Group]:
    """Pick a layout for this frame: some PHI as singles, pairs and blocks, plus distractors."""
    phi = list(phi)
    rng.shuffle(phi)
    groups: list[Group] = []
    anchors = list(ANCHORS)
    rng.shuffle(anchors)
    while phi and len(groups) < max_groups:
        kind = rng.choices(["single", "pair", "block"], weights=[3, 3, 4])[0]
        anchor = anchors[len(groups) % len(anchors)]
        if kind == "block":
            n = min(len(phi), rng.randint(3, 6))
            taken, phi = phi[:n], phi[n:]
            lines = [_line(rng, s, with_label=rng.random() < 0.7) for s in taken]
            if rng.random() < 0.4:  # scanners mix technique lines into header blocks
                lines.insert(rng.randint(0, len(lines)), (Item(rng.choice(distractor_texts(rng)), "DISTRACTOR"),))
            groups.append(Group("block", tuple(lines), anchor))
        else:
            s, phi = phi[0], phi[1:]
            groups.append(Group(kind, (_line(rng, s, with_label=kind == "pair"),), anchor))
    for text in rng.sample(distractor_texts(rng), rng.randint(2, 4)):
        groups.append(Group("distractor", ((Item(text, "DISTRACTOR"),),), rng.choice(ANCHORS)))
    if rng.random() < 0.35:
        groups.append(Group("distractor", ((Item("", "DISTRACTOR", bar=rng.randint(30, 120)),),), rng.choice(ANCHORS)))
    return groups


def _line(rng: random.Random, s: PhiString, *, with_label: bool) -> tuple[Item, ...]:
    fallback = {"ID": "ID:", "NAME": "Name:", "DATE": "Date:", "TIME": "Time:", "INSTITUTION": "Site:"}
    label = s.label or (fallback.get(s.category, "") if with_label and ":" not in s.text else "")
    if with_label and label:
        return Item(label, "LABEL"), Item(s.text, s.category)
    return (Item(s.text, s.category),)
