"""Shared helpers for the audio build tests: a tiny catalogue, a build runner, onset detection."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audio import build
from audio.codec import SAMPLES_PER_MS

TINY_SEQUENCE = """\
id: tiny-sequence
title: Tiny sequence
spoken_title: a tiny sequence
posture: either
suits: any
kind: regulation
length: 16
summary: A short test script.
synonyms: [tiny sequence]
needs: [calm]
timeline:
  - tone: chime
    caption: "[soft chime]"
  - pause: 0.5
  - say: Settle in.
  - repeat: 2
    at: 5
    every: 4
    events:
      - say: Breathe in.
        phase: inhale
      - say: And out.
        at: 2
        phase: exhale
  - say: Thank you.
    at: 13.25
"""

TINY_TURNS = """\
id: tiny-turns
title: Tiny turns
spoken_title: tiny turns
posture: sitting
suits: any
kind: couple
length: 12
summary: Two short turns.
synonyms: [tiny turns]
needs: [connect, both]
timeline:
  - tone: chime
    segment: true
    speaker: one
    caption: "[chime]"
  - pause: 0.4
  - say: Partner one, you first.
    speaker: one
  - tone: chime
    at: 6
    segment: true
    speaker: two
  - pause: 0.4
  - say: Partner two, your turn.
    speaker: two
"""


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "tiny-sequence.yaml").write_text(TINY_SEQUENCE)
    (folder / "tiny-turns.yaml").write_text(TINY_TURNS)
    return folder


def run(out: Path, exercises: Path | None = None, *extra: str, engine: str = "fake", jobs: int = 1) -> int:
    args = ["--engine", engine, "--out", str(out), "--jobs", str(jobs), *extra]
    if exercises is not None:
        args += ["--exercises", str(exercises)]
    return build.main(args)


def options(out: Path, exercises: Path | None, **kw) -> build.Options:
    return build.Options(out=out, engine=kw.pop("engine", "fake"), exercises_dir=exercises, **kw)


def read_manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def onset_ms(pcm: np.ndarray, start_ms: int, before_ms: int = 60, after_ms: int = 150, share: float = 0.25) -> float:
    """Where the sound near start_ms first reaches `share` of its early peak (ms from file start)."""
    lo = max(0, (start_ms - before_ms) * SAMPLES_PER_MS)
    window = np.abs(pcm[lo:(start_ms + after_ms) * SAMPLES_PER_MS])
    first = int(np.argmax(window >= share * window.max()))
    return (lo + first) / SAMPLES_PER_MS


def measurable(timeline: list[dict], min_gap_ms: int = 50) -> list[dict]:
    """Events preceded by silence, whose onset can be told apart from the sound before."""
    items, previous_end = [], -10_000
    for item in timeline:
        if item["start_ms"] - previous_end >= min_gap_ms:
            items.append(item)
        previous_end = item["end_ms"]
    return items
