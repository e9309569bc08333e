"""The whole packaged catalogue built once on the fake engine: every file checked as a listener would."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import webvtt

from audio.codec import decode, mp3_frames
from audio.listening import longest_silence, tail
from audio.mix import loudness, true_peak_db

from .conftest import measurable, onset_ms, read_manifest

REQUIRED = {"id", "title", "kind", "summary", "synonyms", "needs", "duration_ms", "file", "sha256",
            "captions", "transcript", "engine", "locale", "delivery", "timeline",
            "spoken_title", "posture", "suits", "phases"}
PHASE_KINDS = {"inhale", "hold", "exhale", "speak", "tone", "quiet", "rest"}


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
        pcm = decode(out / segment["file"])
        assert onset_ms(pcm, 0) <= 25 and true_peak_db(pcm) <= -1.5
    assert all(t.get("speaker") for t in entry["timeline"])


def quiet_turns(entry: dict) -> list[tuple[int, int]]:
    """(start, end) of every stretch between sounds longer than 5 s, from the manifest timeline."""
    gaps, heard = [], 0
    for row in entry["timeline"]:
        if row["start_ms"] - heard > 5000:
            gaps.append((heard, row["start_ms"]))
        heard = max(heard, row["end_ms"])
    return gaps


def test_no_dead_air_in_any_exercise(catalogue_build):
    """Decoded audio: no 20 s without sound anywhere, the closing tone within 5 s of the last words
    (except after a marked quiet turn, which carries the bed)."""
    out, manifest = catalogue_build
    for entry in manifest["exercises"].values():
        start, silent = longest_silence(decode(out / entry["file"]))
        assert silent <= 20_000, (entry["id"], start, silent)
        phases = json.loads((out / entry["phases"]).read_text())["phases"]
        quiet = [p for p in phases if p["kind"] == "quiet"]
        if not quiet:
            assert tail(entry["timeline"], entry["duration_ms"]) <= 5000, entry["id"]


def test_phases_cover_each_file_and_follow_the_breathing(catalogue_build):
    out, manifest = catalogue_build
    for entry in manifest["exercises"].values():
        data = json.loads((out / entry["phases"]).read_text())
        phases = data["phases"]
        assert phases[0]["start_ms"] == 0 and phases[-1]["end_ms"] == entry["duration_ms"] == data["duration_ms"]
        assert all(a["end_ms"] == b["start_ms"] for a, b in zip(phases, phases[1:]))
        assert {p["kind"] for p in phases} <= PHASE_KINDS
    box = json.loads((out / manifest["exercises"]["box-breathing"]["phases"]).read_text())["phases"]
    breath = [(p["kind"], p["end_ms"] - p["start_ms"]) for p in box if p["kind"] in ("inhale", "hold", "exhale")]
    assert breath[:4] == [("inhale", 4000), ("hold", 4000), ("exhale", 4000), ("hold", 4000)]
    assert len(breath) == 7 * 4
    four78 = json.loads((out / manifest["exercises"]["four-seven-eight"]["phases"]).read_text())["phases"]
    breath = [(p["kind"], p["end_ms"] - p["start_ms"]) for p in four78 if p["kind"] in ("inhale", "hold", "exhale")]
    assert breath[:3] == [("inhale", 4000), ("hold", 7000), ("exhale", 8000)] and len(breath) == 4 * 3


def test_sleep_suits_lying_down_and_four_seven_eight_stays_sitting(catalogue_build):
    _, manifest = catalogue_build
    entries = manifest["exercises"]
    assert entries["four-seven-eight"]["posture"] == "sitting" and entries["four-seven-eight"]["suits"] == "any"
    bedtime = [e for e in entries.values() if e["suits"] == "bedtime"]
    assert len(bedtime) >= 3 and all(e["posture"] in ("lying", "either") for e in bedtime)
    assert all("sleep" not in e["needs"] or e["suits"] == "bedtime" for e in entries.values())
    assert entries["body-scan"]["spoken_title"] == "a short body scan"


def test_reconnect_turns_give_each_person_twenty_seconds(catalogue_build):
    _, manifest = catalogue_build
    entry = manifest["exercises"]["reconnect-2min"]
    turns = [end - start for start, end in quiet_turns(entry)]
    assert len(turns) == 4 and min(turns) >= 20_000, turns
    assert entry["duration_ms"] == 120_000
