"""The whole packaged catalogue built once on the fake engine: every file checked as a listener would."""
from __future__ import annotations

from pathlib import Path

import pytest
import webvtt

from audio.codec import decode, mp3_frames
from audio.mix import loudness, true_peak_db

from .conftest import measurable, onset_ms, read_manifest

REQUIRED = {"id", "title", "kind", "summary", "synonyms", "needs", "duration_ms", "file", "sha256",
            "captions", "transcript", "engine", "locale", "delivery", "timeline"}


@pytest.fixture(scope="module")
def catalogue_build(built_data_dir) -> tuple[Path, dict]:
    out = built_data_dir / "audio"
    return out, read_manifest(out)


def test_every_exercise_is_built_and_described(catalogue_build):
    out, manifest = catalogue_build
    assert len(manifest["exercises"]) == 13
    for entry in manifest["exercises"].values():
        assert REQUIRED <= set(entry)
        assert entry["delivery"] == ("audio_player" if entry["duration_ms"] > 240_000 else "ssml")
        assert webvtt.read(str(out / entry["captions"]))
    assert manifest["exercises"]["cyclic-sighing-5min"]["delivery"] == "audio_player"


def test_every_file_meets_format_loudness_and_timing(catalogue_build):
    out, manifest = catalogue_build
    for entry in manifest["exercises"].values():
        path = out / entry["file"]
        frames = mp3_frames(path.read_bytes())[1:]
        assert {(f.version, f.bitrate_kbps, f.sample_rate, f.channels) for f in frames} == {("MPEG-2", 48, 24000, 1)}
        pcm = decode(path)
        assert abs(pcm.size / 24 - entry["duration_ms"]) <= 24
        assert -17.0 <= loudness(pcm) <= -15.0 and true_peak_db(pcm) <= -1.5, entry["id"]
        for item in measurable(entry["timeline"]):
            assert abs(onset_ms(pcm, item["start_ms"]) - item["start_ms"]) <= 25, (entry["id"], item)


def test_reconnect_routine_is_four_turns_of_exactly_two_minutes(catalogue_build):
    out, manifest = catalogue_build
    entry = manifest["exercises"]["reconnect-2min"]
    segments = entry["segments"]
    assert [s["speaker"] for s in segments] == ["both", "one", "two", "both"]
    assert sum(s["duration_ms"] for s in segments) == entry["duration_ms"] == 120_000
    chimes = [t for t in entry["timeline"] if t["type"] == "tone"]
    assert [s["start_ms"] for s in segments] == [c["start_ms"] for c in chimes[:4]]
    for segment in segments:
        assert onset_ms(decode(out / segment["file"]), 0) <= 25
    assert all(t.get("speaker") for t in entry["timeline"])
