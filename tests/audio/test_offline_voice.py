"""One small build with the real offline voice (hibari): deterministic, trimmed, and on time."""
from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from audio.codec import decode
from audio.engines import EngineSpec, make_engine
from audio.listening import longest_silence, paces, tail

from .conftest import onset_ms, read_manifest, run

SCRIPT = """\
id: voice-check
title: Voice check
spoken_title: a voice check
posture: either
suits: any
kind: regulation
length: 8
summary: A voice check.
synonyms: [voice check]
timeline:
  - tone: tick
  - say: Breathe in slowly.
    at: 1
  - say: And let it go.
    at: 4.5
"""


def test_offline_voice_is_deterministic_and_lands_on_time(tmp_path: Path):
    engine = make_engine(EngineSpec("offline"))
    assert np.array_equal(engine.synthesize("Breathe in slowly."), engine.synthesize("Breathe in slowly."))
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "voice-check.yaml").write_text(SCRIPT)
    out = tmp_path / "out"
    assert run(out, folder, engine="offline") == 0
    entry = read_manifest(out)["exercises"]["voice-check"]
    assert entry["engine"] == "offline"
    pcm = decode(out / entry["file"])
    for item in entry["timeline"][1:]:
        assert abs(onset_ms(pcm, item["start_ms"], share=0.1) - item["start_ms"]) <= 25, item


def test_offline_voice_speaks_the_body_scan_calmly_without_dead_air(tmp_path: Path):
    """The real voice on a packaged exercise: sentence pace from the captions' cue times, silences
    and the closing tone, as a listener would notice them (the build checks the same on every file)."""
    out = tmp_path / "out"
    assert run(out, None, "--only", "body-scan", engine="offline") == 0
    entry = read_manifest(out)["exercises"]["body-scan"]
    pace = paces(entry["timeline"])
    assert 100 <= statistics.median(pace) <= 140 and max(pace) <= 160, pace
    assert longest_silence(decode(out / entry["file"]))[1] <= 20_000
    assert tail(entry["timeline"], entry["duration_ms"]) <= 5000
