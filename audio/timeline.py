"""Resolve an exercise's events into exact millisecond positions once cue lengths are known, and check them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from audio.catalogue import Event, Exercise

END_PAD_MS = 400  # after the last sound, when the length follows the content
MAX_SILENCE_MS = 20_000  # longest pause with nothing to hear, unless the script marks it quiet
MAX_TAIL_MS = 5_000  # last spoken cue -> closing tone
SILENCE_WINDOW_MS = 50  # silence as heard: 50 ms windows of decoded audio ...
SILENCE_FLOOR_DB = -45.0  # ... under about -45 dBFS
PACE_MIN_WORDS = 4  # shorter cues ("In.", "Breathe out.") say little about pace
PACE_WPM = (100, 140)  # calm narration, words a minute inside a sentence (median of an exercise)
TONE_LEAD_MS = 600  # a pinned cue may start this long after a tone began, over its decay


class TimelineError(ValueError):
    """The script does not fit: a cue runs into a pinned time or past the exercise length."""


@dataclass(frozen=True)
class Placed:
    """A sound on the clock: where it starts and ends, and what it is."""

    event: Event
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Resolved:
    """The sounds on the clock, the marked quiet spans and the length of the file."""

    placed: tuple[Placed, ...]
    quiet: tuple[tuple[int, int], ...]
    duration_ms: int


@dataclass(frozen=True)
class Segment:
    index: int
    start_ms: int
    end_ms: int
    speaker: str | None


@dataclass(frozen=True)
class Phase:
    start_ms: int
    end_ms: int
    kind: str  # inhale | hold | exhale | speak | tone | quiet | rest


def clock(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:04.1f}"


def resolve(exercise: Exercise, durations: Mapping[int, int]) -> Resolved:
    """Sequential events follow the previous end; `at` events start exactly there (or fail loudly).

    durations maps event index -> sound length in ms for speech and tone events. Without a declared
    length the file ends END_PAD_MS after its last sound.
    """
    cursor, previous, placed, quiet = 0, None, [], []
    for index, event in enumerate(exercise.events):
        start = cursor if event.at_ms is None else event.at_ms
        over_tone = (event.at_ms is not None and previous is not None and previous.kind == "tone"
                     and placed[-1].end_ms == cursor and start >= placed[-1].start_ms + TONE_LEAD_MS)
        if start < cursor and not over_tone:
            raise TimelineError(
                f"{exercise.source}: {event.where}.at: pinned at {start / 1000:g} s but "
                f"{previous.where if previous else 'the timeline before it'} runs until {cursor / 1000:g} s; give it more room"
            )
        length = event.pause_ms if event.kind == "pause" else durations[index]
        cursor = start + length
        if event.quiet:
            quiet.append((start, cursor))
        if event.kind != "pause":
            placed.append(Placed(event, start, cursor))
            previous = event
    last_sound = max((p.end_ms for p in placed), default=0)
    duration = exercise.length_ms if exercise.length_ms is not None else max(cursor, last_sound + END_PAD_MS)
    if cursor > duration:
        raise TimelineError(
            f"{exercise.source}: length: the timeline runs to {cursor / 1000:g} s, "
            f"past the declared {duration / 1000:g} s"
        )
    return Resolved(tuple(placed), tuple(quiet), duration)


def _covered(start: int, end: int, spans: tuple[tuple[int, int], ...], slack_ms: int = 2500) -> bool:
    """The gap lies inside marked quiet spans (apart from slack at either edge)."""
    uncovered, at = 0, start
    for q_start, q_end in sorted(spans):
        if q_end <= at or q_start >= end:
            continue
        uncovered += max(0, q_start - at)
        at = max(at, q_end)
    uncovered += max(0, end - at)
    return uncovered <= 2 * slack_ms


def check_listening(exercise: Exercise, resolved: Resolved) -> list[str]:
    """Gaps a listener would take for a dropout: unmarked silences over MAX_SILENCE_MS and a long tail."""
    problems, heard_until, after = [], 0, "the start"
    for item in [*resolved.placed, None]:
        start = resolved.duration_ms if item is None else item.start_ms
        gap = start - heard_until
        if gap > MAX_SILENCE_MS and not _covered(heard_until, start, resolved.quiet):
            problems.append(f"{exercise.source}: {gap / 1000:.1f} s of silence at {clock(heard_until)} after "
                            f"{after}; the limit is {MAX_SILENCE_MS / 1000:g} s unless the pause is marked quiet")
        if item is not None and item.end_ms > heard_until:
            heard_until = item.end_ms
            after = repr(item.event.text[:40]) if item.event.kind == "speech" else f"the {item.event.tone}"
    tail = tail_ms(resolved)
    closing_at = resolved.duration_ms if not tail else next(
        (p.start_ms for p in resolved.placed if p.event.kind == "tone" and p.start_ms - tail >= 0
         and any(q.end_ms == p.start_ms - tail for q in resolved.placed if q.event.kind == "speech")),
        resolved.duration_ms)
    if tail > MAX_TAIL_MS and not _covered(closing_at - tail, closing_at, resolved.quiet):
        problems.append(f"{exercise.source}: {tail / 1000:.1f} s from the last spoken cue to the closing tone "
                        f"(at {clock(resolved.duration_ms - tail)}); at most {MAX_TAIL_MS / 1000:g} s")
    return problems


def check_pace(exercise: Exercise, resolved: Resolved) -> list[str]:
    """The median sentence pace of the exercise, from its cue times, within PACE_WPM."""
    paces = sorted(len(p.event.text.split()) * 60_000 / (p.end_ms - p.start_ms) for p in resolved.placed
                   if p.event.kind == "speech" and len(p.event.text.split()) >= PACE_MIN_WORDS)
    if not paces:
        return []
    median = paces[len(paces) // 2] if len(paces) % 2 else (paces[len(paces) // 2 - 1] + paces[len(paces) // 2]) / 2
    low, high = PACE_WPM
    if low <= median <= high:
        return []
    return [f"{exercise.source}: sentences are spoken at {median:.0f} words a minute (median); calm narration is "
            f"{low}-{high}: change the voice speed"]


def tail_ms(resolved: Resolved) -> int:
    """From the end of the last spoken cue to the closing tone (or to the end, without one)."""
    speech = [p for p in resolved.placed if p.event.kind == "speech"]
    if not speech:
        return 0
    last = speech[-1]
    closing = [p for p in resolved.placed if p.event.kind == "tone" and p.start_ms >= last.start_ms]
    return max(0, (closing[0].start_ms if closing else resolved.duration_ms) - last.end_ms)


def segments(resolved: Resolved) -> tuple[Segment, ...]:
    """Turn-by-turn parts: each starts at a segment tone and runs to the next (the last to the end)."""
    starts = [p for p in resolved.placed if p.event.segment]
    bounds = [0] + [p.start_ms for p in starts[1:]] + [resolved.duration_ms]
    return tuple(Segment(i + 1, bounds[i], bounds[i + 1], p.event.speaker) for i, p in enumerate(starts))


def phases(resolved: Resolved) -> tuple[Phase, ...]:
    """The whole file as back-to-back phases: breathing phases from the script's `phase` marks (each
    lasting until the next mark or the end of its cycle), else speech, tones, quiet spans and rest."""
    marks = [p for p in resolved.placed if p.event.phase]
    breath: list[Phase] = []
    for i, item in enumerate(marks):
        ends = [item.event.block_end_ms or resolved.duration_ms]
        if i + 1 < len(marks):
            ends.append(marks[i + 1].start_ms)
        breath.append(Phase(item.start_ms, min(ends), item.event.phase))
    layers = [*breath,
              *(Phase(p.start_ms, p.end_ms, "speak" if p.event.kind == "speech" else "tone") for p in resolved.placed),
              *(Phase(start, end, "quiet") for start, end in resolved.quiet)]
    out: list[Phase] = []
    at = 0
    for edge in sorted({0, resolved.duration_ms, *(x for p in layers for x in (p.start_ms, p.end_ms))}):
        if edge <= at:
            continue
        kind = next((p.kind for p in layers if p.start_ms <= at < p.end_ms), "rest")
        if out and out[-1].kind == kind and out[-1].end_ms == at:
            out[-1] = Phase(out[-1].start_ms, edge, kind)
        else:
            out.append(Phase(at, edge, kind))
        at = edge
    return tuple(out)
