"""WebVTT captions and a plain transcript from the resolved timeline, for people who cannot hear it."""
from __future__ import annotations

from audio.catalogue import Exercise
from audio.timeline import Placed


def vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _caption(item: Placed) -> str:
    return item.event.text if item.event.kind == "speech" else item.event.caption


def webvtt(placed: tuple[Placed, ...]) -> str:
    """One cue per spoken line (and per captioned tone), with the exact times of the audio."""
    blocks = ["WEBVTT"]
    for item in placed:
        if _caption(item):
            blocks.append(f"{vtt_time(item.start_ms)} --> {vtt_time(item.end_ms)}\n{_caption(item)}")
    return "\n\n".join(blocks) + "\n"


def transcript(exercise: Exercise, placed: tuple[Placed, ...]) -> str:
    """Title, then each line with its minute:second mark."""
    lines = [exercise.title, ""]
    for item in placed:
        if _caption(item):
            minutes, seconds = divmod(item.start_ms // 1000, 60)
            lines.append(f"[{minutes}:{seconds:02d}] {_caption(item)}")
    return "\n".join(lines) + "\n"
