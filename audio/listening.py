"""What a listener notices in a built exercise: silences in the decoded audio, the wait for the closing
tone, and the pace of speech measured from the captions' cue times. `python -m audio.listening OUT` prints it."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from audio.codec import SAMPLE_RATE, decode
from audio.timeline import PACE_MIN_WORDS, SILENCE_FLOOR_DB, SILENCE_WINDOW_MS



def silent_windows(pcm: np.ndarray) -> np.ndarray:
    """One flag per 50 ms window: its RMS is under the floor."""
    size = SAMPLE_RATE * SILENCE_WINDOW_MS // 1000
    count = -(-pcm.size // size)
    padded = np.zeros(count * size, np.float32)
    padded[: pcm.size] = pcm
    rms = np.sqrt((padded.reshape(count, size).astype(np.float64) ** 2).mean(axis=1))
    return rms < 10 ** (SILENCE_FLOOR_DB / 20)


def longest_silence(pcm: np.ndarray) -> tuple[int, int]:
    """(start, length) in ms of the longest run of silent windows; (0, 0) when there is none."""
    flags = np.concatenate([[False], silent_windows(pcm), [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(flags))
    if edges.size == 0:
        return 0, 0
    starts, ends = edges[::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]) * SILENCE_WINDOW_MS, int(ends[best] - starts[best]) * SILENCE_WINDOW_MS


def paces(timeline: list[dict]) -> list[float]:
    """Words a minute of every spoken cue of PACE_MIN_WORDS words or more (manifest timeline rows)."""
    return [len(row["text"].split()) * 60_000 / (row["end_ms"] - row["start_ms"])
            for row in timeline if row["type"] == "speech" and len(row["text"].split()) >= PACE_MIN_WORDS]


def tail(timeline: list[dict], duration_ms: int) -> int:
    """ms from the end of the last spoken cue to the closing tone (or the end of the file)."""
    speech = [row for row in timeline if row["type"] == "speech"]
    if not speech:
        return 0
    closing = [row["start_ms"] for row in timeline if row["type"] == "tone" and row["start_ms"] >= speech[-1]["start_ms"]]
    return max(0, (closing[0] if closing else duration_ms) - speech[-1]["end_ms"])


def measure(out: Path) -> list[dict]:
    """One row per exercise of a built folder."""
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for entry in data["exercises"].values():
        start, length = longest_silence(decode(out / entry["file"]))
        pace = paces(entry["timeline"])
        rows.append({"id": entry["id"], "duration_s": entry["duration_ms"] / 1000,
                     "longest_silence_s": length / 1000, "silence_at_s": start / 1000,
                     "tail_s": tail(entry["timeline"], entry["duration_ms"]) / 1000,
                     "pace_median": statistics.median(pace) if pace else None,
                     "pace_min": min(pace, default=None), "pace_max": max(pace, default=None)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audio.listening", description=__doc__)
    parser.add_argument("out", type=Path, help="a built audio folder (with manifest.json)")
    args = parser.parse_args(argv)
    print(f"{'exercise':<22} {'length':>7} {'longest silence':>16} {'tail':>6} {'pace median (min-max) wpm':>27}")
    for r in measure(args.out):
        pace = (f"{r['pace_median']:.0f} ({r['pace_min']:.0f}-{r['pace_max']:.0f})" if r["pace_median"] else "-")
        print(f"{r['id']:<22} {r['duration_s']:6.1f}s {r['longest_silence_s']:6.1f}s at {r['silence_at_s']:5.1f}s "
              f"{r['tail_s']:5.1f}s {pace:>27}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
