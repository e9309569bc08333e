"""The companion's colours meet WCAG AA contrast (4.5:1 for text) in every pairing the stylesheet uses."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "skill" / "web" / "static" / "companion.css").read_text()
COLOURS = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", CSS))
YOU_BUBBLE = re.search(r"\.said\.you \{ background: (#[0-9a-f]{6})", CSS).group(1)


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("fore,back", [
    ("text", "ground"), ("text", "raised"), ("muted", "ground"), ("muted", "raised"), ("link", "ground"),
    ("link", "raised"), ("accent", "ground"), ("accent", "raised"), ("ground", "accent"), ("one", "raised"),
    ("two", "raised"), ("both", "raised"), ("focus", "ground")])
def test_text_colour_pairs_reach_aa(fore, back):
    assert contrast(COLOURS[fore], COLOURS[back]) >= 4.5


def test_the_typed_bubble_is_readable():
    assert contrast(COLOURS["text"], YOU_BUBBLE) >= 4.5 and contrast(COLOURS["muted"], YOU_BUBBLE) >= 4.5
