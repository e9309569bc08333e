"""Exercise scripts: YAML files in audio/exercises/ loaded into validated, frozen dataclasses."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audio.contract import KINDS, POSTURES, SUITS

EXERCISES_DIR = Path(__file__).resolve().parent / "exercises"
SPEAKERS = ("one", "two", "both")
NEEDS = ("calm", "sleep", "focus", "connect", "both")
TONES = ("chime", "bell", "tick")
PHASES = ("inhale", "hold", "exhale")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SYNONYM_PATTERN = re.compile(r"^[a-z']+(?: [a-z']+)*$")
TOP_KEYS = {"id", "title", "spoken_title", "kind", "length", "summary", "synonyms", "needs", "posture", "suits",
            "bed", "timeline"}
REQUIRED_TOP = ("id", "title", "spoken_title", "kind", "summary", "synonyms", "posture", "suits", "timeline")
ACTION_KEYS = ("say", "pause", "tone", "repeat")
EVENT_KEYS = {"say", "pause", "tone", "at", "speaker", "segment", "caption", "quiet", "phase", "count"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
SENTENCE_GAP_MS = 600
REPEAT_KEYS = {"repeat", "every", "at", "events"}


class CatalogueError(ValueError):
    """An exercise file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Event:
    """One timeline step: speech, a tone, or a silence; at_ms pins it to an absolute time."""

    kind: str  # "speech" | "tone" | "pause"
    where: str
    text: str = ""
    tone: str = ""
    pause_ms: int = 0
    at_ms: int | None = None
    speaker: str | None = None
    segment: bool = False
    caption: str = ""
    quiet: bool = False  # an intended shared silence: carries the bed, may exceed the silence limit
    phase: str = ""  # a breathing phase that starts with this cue (inhale, hold, exhale)
    block_end_ms: int | None = None  # end of the repeat cycle this event belongs to
    count: bool = False  # a one-word breathing count: said briskly so it fits the second it names


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    spoken_title: str  # the title as said inside a sentence ("a short body scan")
    kind: str
    length_ms: int | None  # None: the audio is as long as its content
    summary: str
    synonyms: tuple[str, ...]
    needs: tuple[str, ...]
    posture: str
    suits: str
    bed: bool
    events: tuple[Event, ...]
    source: str

    @property
    def speech(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.kind == "speech")

    @property
    def has_segments(self) -> bool:
        return any(e.segment for e in self.events)


class _Reader:
    """Field readers that raise CatalogueError naming the file and field."""

    def __init__(self, path: Path):
        self.name = path.name

    def fail(self, field: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{self.name}: {field}: {problem}")

    def text(self, data: dict, key: str, field: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"must be non-empty text, got {value!r}")
        return " ".join(value.split())

    def seconds(self, value: Any, field: str, positive: bool = False) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
            raise self.fail(field, f"must be a {'positive ' if positive else ''}number of seconds, got {value!r}")
        return round(value * 1000)

    def keys(self, data: Any, allowed: set[str], field: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(field, f"must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(field, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        return data

    def choice(self, value: Any, options: tuple[str, ...], field: str) -> str:
        if value not in options:
            raise self.fail(field, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def words(self, data: dict, key: str, pattern: re.Pattern, field: str) -> tuple[str, ...]:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(field, f"must be a list of text, got {values!r}")
        for i, value in enumerate(values):
            if not pattern.match(value):
                raise self.fail(f"{field}[{i}]", f"{value!r} must be lowercase words (letters, spaces, apostrophes; numbers spelled out)")
        if len(set(values)) != len(values):
            raise self.fail(field, "has duplicates")
        return tuple(values)


def _flag(r: _Reader, data: dict, key: str, field: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise r.fail(f"{field}.{key}", f"must be true or false, got {value!r}")
    return value


def _event(r: _Reader, raw: Any, field: str, offset_ms: int, pinned: bool = False,
           block_end_ms: int | None = None) -> list[Event]:
    """pinned: the event starts at offset_ms unless it gives its own `at` (the first of a cycle).

    A `say` of several sentences becomes one cue per sentence with a short breath between them,
    so each caption is one sentence and its pace can be measured.
    """
    data = r.keys(raw, EVENT_KEYS, field)
    actions = [k for k in ACTION_KEYS if k in data]
    if len(actions) != 1:
        raise r.fail(field, f"needs exactly one of say, pause, tone; got {actions or 'none'}")
    at_ms = offset_ms if pinned else None
    if "at" in data:
        at_ms = offset_ms + r.seconds(data["at"], f"{field}.at")
    speaker = None if "speaker" not in data else r.choice(data["speaker"], SPEAKERS, f"{field}.speaker")
    segment = _flag(r, data, "segment", field)
    quiet = _flag(r, data, "quiet", field)
    phase = "" if "phase" not in data else r.choice(data["phase"], PHASES, f"{field}.phase")
    count = _flag(r, data, "count", field)
    if count and ("say" not in data or len(str(data["say"]).split()) != 1):
        raise r.fail(f"{field}.count", "a count is one spoken word")
    common = dict(where=field, at_ms=at_ms, speaker=speaker, segment=segment, block_end_ms=block_end_ms)
    if "caption" in data and "tone" not in data:
        raise r.fail(f"{field}.caption", "is only for tone events")
    if segment and "tone" not in data:
        raise r.fail(f"{field}.segment", "a segment must start with a tone")
    if quiet and "pause" not in data:
        raise r.fail(f"{field}.quiet", "only a pause can be a quiet shared silence")
    if phase and "say" not in data:
        raise r.fail(f"{field}.phase", "a breathing phase starts with a spoken cue")
    if phase and at_ms is None:
        raise r.fail(f"{field}.phase", "a breathing phase needs a time on the clock (`at`, or first in its cycle)")
    if "say" in data:
        sentences = SENTENCE_END.split(r.text(data, "say", f"{field}.say"))
        events = [Event("speech", text=sentences[0], phase=phase, count=count, **common)]
        for sentence in sentences[1:]:
            events += [Event("pause", where=field, pause_ms=SENTENCE_GAP_MS, block_end_ms=block_end_ms),
                       Event("speech", where=field, text=sentence, speaker=speaker, block_end_ms=block_end_ms)]
        return events
    if "pause" in data:
        return [Event("pause", pause_ms=r.seconds(data["pause"], f"{field}.pause", positive=True), quiet=quiet, **common)]
    caption = r.text(data, "caption", f"{field}.caption") if "caption" in data else ""
    return [Event("tone", tone=r.choice(data["tone"], TONES, f"{field}.tone"), caption=caption, **common)]


def _repeat(r: _Reader, raw: dict, field: str) -> list[Event]:
    """Expand a repeat block; its start and its events' `at` are on the clock so cycles keep pace."""
    data = r.keys(raw, REPEAT_KEYS, field)
    times = data.get("repeat")
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise r.fail(f"{field}.repeat", f"must be a whole number of cycles, got {times!r}")
    if "at" not in data:
        raise r.fail(f"{field}.at", "a repeat block needs an absolute start time")
    start_ms = r.seconds(data["at"], f"{field}.at")
    every_ms = r.seconds(data.get("every"), f"{field}.every", positive=True)
    inner = data.get("events")
    if not isinstance(inner, list) or not inner:
        raise r.fail(f"{field}.events", "must be a non-empty list")
    events: list[Event] = []
    for cycle in range(times):
        cycle_start = start_ms + cycle * every_ms
        for i, raw_event in enumerate(inner):
            made = _event(r, raw_event, f"{field}.events[{i}]", cycle_start, pinned=i == 0,
                          block_end_ms=cycle_start + every_ms)
            if made[0].at_ms is not None and made[0].at_ms - cycle_start >= every_ms:
                raise r.fail(f"{field}.events[{i}].at", "must fall inside the cycle (less than `every`)")
            events.extend(made)
    events.append(Event("pause", where=f"{field}.end", at_ms=start_ms + times * every_ms))
    return events


def _timeline(r: _Reader, raw: Any, length_ms: int | None, bed: bool) -> tuple[Event, ...]:
    if not isinstance(raw, list) or not raw:
        raise r.fail("timeline", "must be a non-empty list of events")
    events: list[Event] = []
    for i, item in enumerate(raw):
        field = f"timeline[{i}]"
        is_repeat = isinstance(item, dict) and "repeat" in item
        events.extend(_repeat(r, item, field) if is_repeat else _event(r, item, field, 0))
    _check_clock(r, events, length_ms)
    if any(e.quiet for e in events) and not bed:
        raise r.fail("bed", "a script with quiet shared silences needs `bed: true` (a soft bed, never digital silence)")
    if any(e.segment for e in events) and not events[0].segment:
        raise r.fail("timeline[0].segment", "when an exercise has segments, the first event must start one")
    return tuple(events)


def _check_clock(r: _Reader, events: list[Event], length_ms: int | None) -> None:
    """The parts of the clock known before synthesis: absolute times in order and inside the length."""
    floor = 0
    for event in events:
        if event.at_ms is not None:
            if event.at_ms < floor:
                raise r.fail(f"{event.where}.at", f"{event.at_ms / 1000:g} s is earlier than the time already used ({floor / 1000:g} s)")
            floor = event.at_ms
        floor += event.pause_ms
    if length_ms is not None and floor > length_ms:
        raise r.fail("length", f"{length_ms / 1000:g} s is shorter than the timeline ({floor / 1000:g} s)")


def load_exercise(path: Path) -> Exercise:
    """Read and validate one exercise file."""
    r = _Reader(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from None
    data = r.keys(raw, TOP_KEYS, "top level")
    for key in REQUIRED_TOP:
        if key not in data:
            raise r.fail(key, "is missing")
    ex_id = data["id"]
    if not isinstance(ex_id, str) or not ID_PATTERN.match(ex_id):
        raise r.fail("id", f"must be kebab-case (a-z, 0-9, hyphens), got {ex_id!r}")
    if ex_id != path.stem:
        raise r.fail("id", f"{ex_id!r} must match the file name {path.stem!r}")
    length_ms = r.seconds(data["length"], "length", positive=True) if "length" in data else None
    bed = _flag(r, data, "bed", "top level")
    synonyms = r.words(data, "synonyms", SYNONYM_PATTERN, "synonyms")
    if not synonyms:
        raise r.fail("synonyms", "needs at least one spoken name")
    needs = r.words(data, "needs", ID_PATTERN, "needs")
    for i, need in enumerate(needs):
        r.choice(need, NEEDS, f"needs[{i}]")
    return Exercise(
        id=ex_id,
        title=r.text(data, "title", "title"),
        spoken_title=r.text(data, "spoken_title", "spoken_title"),
        kind=r.choice(data["kind"], KINDS, "kind"),
        length_ms=length_ms,
        summary=r.text(data, "summary", "summary"),
        synonyms=synonyms,
        needs=needs,
        posture=r.choice(data["posture"], POSTURES, "posture"),
        suits=r.choice(data["suits"], SUITS, "suits"),
        bed=bed,
        events=_timeline(r, data["timeline"], length_ms, bed),
        source=path.name,
    )


def load_catalogue(folder: Path | str | None = None) -> list[Exercise]:
    """Every exercise in the folder (default: the packaged one), sorted by id; synonyms unique across all."""
    root = Path(folder) if folder is not None else EXERCISES_DIR
    paths = sorted(root.glob("*.yaml"))
    if not paths:
        raise CatalogueError(f"{root}: no exercise files (*.yaml) found")
    exercises = [load_exercise(p) for p in paths]
    owners: dict[str, str] = {}
    for exercise in exercises:
        for synonym in exercise.synonyms:
            if synonym in owners:
                raise CatalogueError(f"{exercise.source}: synonyms: {synonym!r} is already used by {owners[synonym]}")
            owners[synonym] = exercise.source
    return exercises
