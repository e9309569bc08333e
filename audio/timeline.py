"""Resolve an exercise's events into exact millisecond positions once cue lengths are known."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from audio.catalogue import Event, Exercise


class TimelineError(ValueError):
    """The script does not fit: a cue runs into a pinned time or past the exercise length."""


@dataclass(frozen=True)
class Placed:
    """A sound on the clock: where it starts and ends, and what it is."""

    event: Event
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Segment:
    index: int
    start_ms: int
    end_ms: int
    speaker: str | None


def resolve(exercise: Exercise, durations: Mapping[int, int]) -> tuple[Placed, ...]:
    """Sequential events follow the previous end; `at` events start exactly there (or fail loudly).

    durations maps event index -> sound length in ms for speech and tone events.
    """
    cursor, previous, placed = 0, None, []
    for index, event in enumerate(exercise.events):
        start = cursor if event.at_ms is None else event.at_ms
        if start < cursor:
            raise TimelineError(
                f"{exercise.source}: {event.where}.at: pinned at {start / 1000:g} s but "
                f"{previous.where if previous else 'the timeline before it'} runs until {cursor / 1000:g} s; give it more room"
            )
        length = event.pause_ms if event.kind == "pause" else durations[index]
        cursor = start + length
        if event.kind != "pause":
            placed.append(Placed(event, start, cursor))
            previous = event
    if cursor > exercise.length_ms:
        raise TimelineError(
            f"{exercise.source}: length: the timeline runs to {cursor / 1000:g} s, "
            f"past the declared {exercise.length_ms / 1000:g} s"
        )
    return tuple(placed)


def segments(exercise: Exercise, placed: tuple[Placed, ...]) -> tuple[Segment, ...]:
    """Turn-by-turn parts: each starts at a segment tone and runs to the next (the last to the end)."""
    starts = [p for p in placed if p.event.segment]
    bounds = [0] + [p.start_ms for p in starts[1:]] + [exercise.length_ms]
    return tuple(Segment(i + 1, bounds[i], bounds[i + 1], p.event.speaker) for i, p in enumerate(starts))
