"""An exercise's timeline for the page: breathing phases from the build's phases file, turns from the manifest."""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from skill.exercises import Exercise

log = logging.getLogger(__name__)
# The build's phase kinds (audio/timeline.py), and the page cue each shows: a chime is listened to, a quiet span rests.
PAGE_KIND = {"inhale": "inhale", "hold": "hold", "exhale": "exhale", "speak": "speak", "tone": "speak",
             "quiet": "rest", "rest": "rest"}
MAX_PHASES_BYTES = 1_000_000


@dataclass(frozen=True)
class Phase:
    start: float
    end: float
    kind: str


@dataclass(frozen=True)
class TurnSpan:
    """A stretch of the audio addressed to one speaker ("one", "two" or "both")."""

    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class Said:
    start: float
    end: float
    text: str


def phases_file(exercise: Exercise) -> str | None:
    """The manifest field naming the phases file (relative to the audio folder); None for older builds."""
    return exercise.phases


def load_phases(audio_dir: Path, exercise: Exercise) -> tuple[Phase, ...]:
    """The build's phases, validated; empty (the page shows no visual) when absent or malformed."""
    name = phases_file(exercise)
    if not name:
        return ()
    path = (audio_dir / name).resolve()
    if audio_dir.resolve() not in path.parents:
        log.warning("phases file for %s lies outside the audio folder", exercise.id)
        return ()
    try:
        if path.stat().st_size > MAX_PHASES_BYTES:
            raise ValueError("too large")
        rows = json.loads(path.read_text(encoding="utf-8"))["phases"]
        phases = tuple(Phase(int(r["start_ms"]) / 1000, int(r["end_ms"]) / 1000, PAGE_KIND[str(r["kind"])])
                       for r in rows)
    except FileNotFoundError:
        log.warning("phases file for %s is missing; showing no breathing visual", exercise.id)
        return ()
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.error("phases file for %s unreadable (%s); showing no breathing visual", exercise.id, type(error).__name__)
        return ()
    if any(p.end < p.start for p in phases):
        log.error("phases file for %s has a negative span; showing no breathing visual", exercise.id)
        return ()
    return tuple(sorted(phases, key=lambda p: p.start))


def turns_of(exercise: Exercise) -> tuple[TurnSpan, ...]:
    """Runs of consecutive cues addressed to the same speaker; each lasts until the next begins."""
    spans: list[TurnSpan] = []
    for cue in exercise.timeline:
        if not cue.speaker or (spans and spans[-1].speaker == cue.speaker):
            continue
        start = cue.start_ms / 1000
        if spans:
            spans[-1] = TurnSpan(spans[-1].start, start, spans[-1].speaker)
        spans.append(TurnSpan(start, start, cue.speaker))
    if spans:
        spans[-1] = TurnSpan(spans[-1].start, exercise.duration_ms / 1000, spans[-1].speaker)
    return tuple(spans)


def spoken_lines(exercise: Exercise) -> tuple[Said, ...]:
    """What the voice says, when: the transcript shown without JavaScript and the text version's captions."""
    return tuple(Said(c.start_ms / 1000, c.end_ms / 1000, c.text) for c in exercise.timeline
                 if c.kind == "speech" and c.text)


def page_data(exercise: Exercise, phases: tuple[Phase, ...]) -> dict:
    """Everything the page script needs about the timeline, as JSON-ready data (no timings live in the script)."""
    return {
        "duration": exercise.duration_ms / 1000,
        "phases": [asdict(p) for p in phases],
        "turns": [asdict(t) for t in turns_of(exercise)],
        "lines": [asdict(s) for s in spoken_lines(exercise)],
    }
