"""The build on the fake engine: format, timing, loudness, captions, cache, and failures that keep the old build."""
from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import webvtt

from audio import build, mix as mix_module
from audio.codec import decode, mp3_frames
from audio.listening import longest_silence
from audio.mix import loudness, true_peak_db

from .conftest import measurable, onset_ms, options, read_manifest, run

FRAME_MS = 24  # 576 samples at 24 kHz


@pytest.fixture
def built(tmp_path: Path, tiny_dir: Path) -> Path:
    out = tmp_path / "out"
    assert run(out, tiny_dir) == 0
    return out


def mp3_files(out: Path, entry: dict) -> list[Path]:
    return [out / entry["file"], *(out / s["file"] for s in entry.get("segments", []))]


def test_every_file_is_alexa_mp3_of_the_manifest_length(built: Path):
    for entry in read_manifest(built)["exercises"].values():
        lengths = [entry["duration_ms"], *(s["duration_ms"] for s in entry.get("segments", []))]
        for path, length in zip(mp3_files(built, entry), lengths):
            frames = mp3_frames(path.read_bytes())
            assert {(f.version, f.layer, f.bitrate_kbps, f.sample_rate, f.channels) for f in frames[1:]} == {
                ("MPEG-2", 3, 48, 24000, 1)}, path.name  # frame 0 is the LAME info frame
            assert abs(decode(path).size / 24 - length) <= FRAME_MS


def test_loudness_and_true_peak(built: Path):
    for entry in read_manifest(built)["exercises"].values():
        pcm = decode(built / entry["file"])
        assert -17.0 <= loudness(pcm) <= -15.0
        for path in mp3_files(built, entry):
            assert true_peak_db(decode(path)) <= -1.5


def test_cues_and_chimes_start_where_the_script_says(built: Path):
    """Measured on the decoded MP3; ffmpeg removes LAME's 1105-sample delay using the Xing/LAME tag."""
    for entry in read_manifest(built)["exercises"].values():
        pcm = decode(built / entry["file"])
        events = measurable(entry["timeline"])
        assert len(events) == len(entry["timeline"])
        for item in events:
            assert abs(onset_ms(pcm, item["start_ms"]) - item["start_ms"]) <= 25, item


def test_pinned_cues_keep_the_clock(built: Path):
    timeline = read_manifest(built)["exercises"]["tiny-sequence"]["timeline"]
    assert [t["start_ms"] for t in timeline if t["type"] == "speech"][1:] == [5000, 7000, 9000, 11000, 13250]
    assert timeline[1]["start_ms"] == timeline[0]["end_ms"] + 500


def clock(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def test_captions_parse_and_match_the_timeline(built: Path):
    for entry in read_manifest(built)["exercises"].values():
        captions = webvtt.read(str(built / entry["captions"]))
        spoken = [t for t in entry["timeline"] if t["type"] == "speech"]
        texts = [c.text for c in captions if not c.text.startswith("[")]
        assert texts == [t["text"] for t in spoken]
        spans = {(c.start, c.end) for c in captions}
        assert {(clock(t["start_ms"]), clock(t["end_ms"])) for t in spoken} <= spans
        transcript = (built / entry["transcript"]).read_text()
        assert transcript.startswith(entry["title"]) and all(t["text"] in transcript for t in spoken)


def test_turns_are_segments_that_start_with_their_chime(built: Path):
    entry = read_manifest(built)["exercises"]["tiny-turns"]
    segments = entry["segments"]
    assert [s["speaker"] for s in segments] == ["one", "two"]
    assert sum(s["duration_ms"] for s in segments) == entry["duration_ms"]
    for segment in segments:
        pcm = decode(built / segment["file"])
        assert onset_ms(pcm, 0) <= 25
        assert hashlib.sha256((built / segment["file"]).read_bytes()).hexdigest() == segment["sha256"]


def test_manifest_describes_each_exercise(built: Path):
    manifest = read_manifest(built)
    assert manifest["schema"] == 1 and manifest["engine"]["name"] == "fake"
    entry = manifest["exercises"]["tiny-sequence"]
    assert entry["delivery"] == "ssml" and entry["synonyms"] == ["tiny sequence"]
    assert hashlib.sha256((built / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert "segments" not in entry


def long_sequence(tiny_dir: Path) -> None:
    """tiny-sequence grown past 240 s by repeating its breaths (the length follows the content)."""
    path = tiny_dir / "tiny-sequence.yaml"
    path.write_text(path.read_text().replace("length: 16\n", "").replace("  - repeat: 2\n", "  - repeat: 60\n")
                    .replace("at: 13.25", "at: 245.25"))


def test_long_files_are_audio_player_only(tmp_path: Path, tiny_dir: Path):
    long_sequence(tiny_dir)
    (tiny_dir / "tiny-turns.yaml").unlink()
    assert run(tmp_path / "out", tiny_dir) == 0
    assert read_manifest(tmp_path / "out")["exercises"]["tiny-sequence"]["delivery"] == "audio_player"


def test_second_build_synthesises_and_mixes_nothing(built: Path, tiny_dir: Path):
    before = {p.name: p.stat().st_mtime_ns for p in built.iterdir() if p.suffix == ".mp3"}
    report = build.build(options(built, tiny_dir))
    assert (report.synthesised, report.built) == (0, ())
    assert set(report.reused) == {"tiny-sequence", "tiny-turns"}
    assert {p.name: p.stat().st_mtime_ns for p in built.iterdir() if p.suffix == ".mp3"} == before


def test_changing_one_cue_resynthesises_only_that_cue(built: Path, tiny_dir: Path):
    path = tiny_dir / "tiny-sequence.yaml"
    path.write_text(path.read_text().replace("Settle in.", "Settle in now."))
    report = build.build(options(built, tiny_dir))
    assert (report.synthesised, report.built, report.reused) == (1, ("tiny-sequence",), ("tiny-turns",))
    assert read_manifest(built)["exercises"]["tiny-sequence"]["timeline"][1]["text"] == "Settle in now."


def test_only_and_force(built: Path, tiny_dir: Path):
    report = build.build(options(built, tiny_dir, only=("tiny-turns",), force=True))
    assert report.built == ("tiny-turns",) and report.synthesised == 2
    assert set(read_manifest(built)["exercises"]) == {"tiny-sequence", "tiny-turns"}
    with pytest.raises(build.BuildError, match="unknown exercise id"):
        build.build(options(built, tiny_dir, only=("nope",)))


def test_unknown_engine_is_a_usage_error(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as caught:
        build.main(["--engine", "robot", "--out", str(tmp_path)])
    assert caught.value.code == 2 and "invalid choice: 'robot'" in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        build.main(["--help"])
    text = capsys.readouterr().out
    assert all(flag in text for flag in ("--engine", "--out", "--force", "--only", "--jobs"))


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def assert_previous_build_intact(out: Path, before: dict[str, bytes]) -> None:
    assert (out / "manifest.json").read_bytes() == before["manifest.json"]
    for entry in read_manifest(out)["exercises"].values():
        assert hashlib.sha256((out / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_malformed_exercise_keeps_the_previous_build(built: Path, tiny_dir: Path, caplog):
    before = snapshot(built)
    path = tiny_dir / "tiny-turns.yaml"
    path.write_text(path.read_text().replace("speaker: two", "speaker: three", 1))
    assert run(built, tiny_dir) == 1
    assert "tiny-turns.yaml: timeline[3].speaker" in caplog.text
    assert snapshot(built) == before


def test_dead_air_is_refused_naming_the_file_and_the_time(built: Path, tiny_dir: Path, caplog):
    before = snapshot(built)
    path = tiny_dir / "tiny-sequence.yaml"
    path.write_text(path.read_text().replace("length: 16\n", "").replace("  - say: Thank you.\n    at: 13.25",
                                                                          "  - say: Thank you.\n    at: 40"))
    assert run(built, tiny_dir) == 1
    assert "tiny-sequence.yaml: 2" in caplog.text and "s of silence at 0:1" in caplog.text
    path.write_text(path.read_text() + "  - pause: 8\n  - tone: bell\n")
    assert run(built, tiny_dir) == 1
    assert "from the last spoken cue to the closing tone" in caplog.text
    assert snapshot(built) == before


def test_a_marked_quiet_pause_carries_the_bed(tmp_path: Path, tiny_dir: Path, caplog):
    path = tiny_dir / "tiny-sequence.yaml"
    quiet = path.read_text().replace("length: 16\n", "").replace("    at: 13.25", "    at: 40")
    quiet = quiet.replace("      - say: And out.\n        at: 2\n        phase: exhale\n",
                          "      - say: And out.\n        at: 2\n        phase: exhale\n  - pause: 24\n    quiet: true\n")
    path.write_text(quiet)
    assert run(tmp_path / "a", tiny_dir) == 1
    assert "tiny-sequence.yaml: bed: a script with quiet shared silences needs `bed: true`" in caplog.text
    path.write_text(quiet.replace("suits: any\n", "suits: any\nbed: true\n"))
    assert run(tmp_path / "b", tiny_dir) == 0
    entry = read_manifest(tmp_path / "b")["exercises"]["tiny-sequence"]
    pcm = decode(tmp_path / "b" / entry["file"])
    gap = pcm[15 * 24000: 38 * 24000]
    speech = [t for t in entry["timeline"] if t["type"] == "speech"][0]
    voice = pcm[speech["start_ms"] * 24: speech["end_ms"] * 24]
    gap_db, voice_db = (20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2))) for x in (gap, voice))
    assert -45 < gap_db and voice_db - gap_db >= 15, (gap_db, voice_db)
    assert longest_silence(pcm)[1] <= 1000


def test_script_that_overruns_its_clock_is_named(built: Path, tiny_dir: Path, caplog):
    path = tiny_dir / "tiny-sequence.yaml"
    path.write_text(path.read_text().replace("Thank you.", "Thank you for taking this time with us today."))
    assert run(built, tiny_dir) == 1
    assert "tiny-sequence.yaml: length: the timeline runs to" in caplog.text


def test_full_disk_leaves_no_half_file(built: Path, tiny_dir: Path, monkeypatch, caplog):
    before = snapshot(built)

    def disk_full(pcm: np.ndarray, path: Path) -> None:
        path.write_bytes(b"\xff\xf3" * 100)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(mix_module, "encode_mp3", disk_full)
    assert run(built, tiny_dir, "--force") == 1
    assert "No space left on device" in caplog.text and "previous build" in caplog.text
    assert snapshot(built) == before
    assert not list((built / ".cache" / "tmp").iterdir())
    monkeypatch.undo()
    assert run(built, tiny_dir, "--force") == 0


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that name text (a build's workers and ffmpeg runs name its folder)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = next(line for line in (proc / "status").read_text().splitlines() if line.startswith("State:"))
            except (OSError, StopIteration):
                continue
            if text in cmdline and "Z" not in state.split()[1]:
                found.append(cmdline)
    return found


@pytest.mark.parametrize("jobs", [1, 2])
def test_killed_build_leaves_no_process_and_no_stray_file(built: Path, tiny_dir: Path, jobs: int):
    before = snapshot(built)
    long_sequence(tiny_dir)
    cmd = [sys.executable, "-m", "audio.build", "--engine", "fake", "--jobs", str(jobs),
           "--out", str(built), "--exercises", str(tiny_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp = built / ".cache" / "tmp"
    deadline = time.monotonic() + 60
    while proc.poll() is None and not any(tmp.glob("tiny-sequence.*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    deadline = time.monotonic() + 5
    while processes_mentioning(str(built)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(built)) == []
    time.sleep(0.3)
    assert snapshot(built) == before, "a killed build changed the served folder"
    assert_previous_build_intact(built, before)
    assert run(built, tiny_dir) == 0
    assert read_manifest(built)["exercises"]["tiny-sequence"]["delivery"] == "audio_player"
    assert not list((built / ".cache" / "stage").iterdir())
