"""The exercise catalogue as the skill sees it: read from the audio build's manifest.json, never from build code."""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from audio.catalogue import EXERCISES_DIR as SCRIPTS_DIR
from audio.catalogue import CatalogueError, load_exercise
from audio.contract import MANIFEST, POSTURES, SSML_AUDIO_LIMIT_MS, SUITS, delivery
from audio.timeline import TimelineError, resolve
from skill.speech import fetchable

log = logging.getLogger(__name__)

# Without a build the skill speaks the scripts, read and laid out by the build's pure (no audio) modules.
SCRIPT_VERSION = "script000000"
SPOKEN_MS_PER_WORD = 400
MIN_CUE_MS = 800
TONE_MS = 1500
TOKEN_SEPARATOR = "@"


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    kind: str
    text: str | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class Segment:
    file: str
    start_ms: int
    duration_ms: int
    speaker: str | None = None


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    kind: str
    summary: str
    synonyms: tuple[str, ...]
    needs: tuple[str, ...]
    duration_ms: int
    file: str
    sha256: str
    delivery: str
    timeline: tuple[Cue, ...]
    segments: tuple[Segment, ...] = ()
    captions: str | None = None
    transcript: str | None = None
    phases: str | None = None
    spoken_title: str = ""  # the title as it reads inside a sentence ("a short body scan"); from the build when given
    posture: str = "either"  # sitting, lying or either (audio/contract.py POSTURES)
    suits: str = "any"  # any or bedtime

    def __post_init__(self) -> None:
        if not self.spoken_title:
            object.__setattr__(self, "spoken_title", in_sentence(self.title))

    @property
    def for_bedtime(self) -> bool:
        """Fine to do lying down at night: made for bedtime, or done lying down."""
        return self.suits == "bedtime" or self.posture == "lying"

    @property
    def version(self) -> str:
        return self.sha256[:12]

    @property
    def token(self) -> str:
        """AudioPlayer token: which exercise, and which build of it."""
        return f"{self.id}{TOKEN_SEPARATOR}{self.version}"

    @property
    def minutes(self) -> int:
        return max(1, round(self.duration_ms / 60_000))

    @property
    def fits_in_speech(self) -> bool:
        return self.delivery == "ssml" and self.duration_ms <= SSML_AUDIO_LIMIT_MS


def _plain(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", name.lower()).split())


def in_sentence(title: str) -> str:
    """A display title as it reads mid-sentence: "Box breathing" -> "box breathing" (acronyms kept)."""
    first, _, rest = title.partition(" ")
    if len(first) > 1 and first[1:].islower() or first in {"A", "An"}:
        first = first.lower()
    return f"{first} {rest}".strip()


def parse_token(token: str | None) -> tuple[str, str] | None:
    if not token or TOKEN_SEPARATOR not in token:
        return None
    exercise_id, version = token.split(TOKEN_SEPARATOR, 1)
    return exercise_id, version


@dataclass(frozen=True)
class Catalogue:
    exercises: tuple[Exercise, ...] = ()
    source: str = "none"  # "manifest" (built audio), "scripts" (spoken only) or "none"

    def get(self, exercise_id: str | None) -> Exercise | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def find(self, spoken: str | None) -> Exercise | None:
        """An exercise by id, title or any of its spoken names."""
        if not spoken:
            return None
        wanted = _plain(spoken)
        for exercise in self.exercises:
            names = {_plain(name) for name in (exercise.id, exercise.title, exercise.spoken_title, *exercise.synonyms)}
            if wanted in names:
                return exercise
        return None

    def for_need(self, need: str) -> list[Exercise]:
        return [e for e in self.exercises if need in e.needs]

    def of_kind(self, kind: str) -> list[Exercise]:
        return [e for e in self.exercises if e.kind == kind]

    def closest_length(self, minutes: int, pool: list[Exercise] | None = None) -> Exercise | None:
        candidates = pool if pool is not None else list(self.exercises)
        return min(candidates, key=lambda e: (abs(e.duration_ms - minutes * 60_000), e.id), default=None)

    def neighbour(self, exercise_id: str, step: int) -> Exercise | None:
        ids = [e.id for e in self.exercises]
        if exercise_id not in ids:
            return None
        index = ids.index(exercise_id) + step
        return self.exercises[index] if 0 <= index < len(ids) else None

    @property
    def kinds(self) -> list[str]:
        return sorted({e.kind for e in self.exercises})


def _known(value: Any, allowed: tuple[str, ...], default: str) -> str:
    """A manifest from an older build may lack posture or suits: read as the tolerant default."""
    return value if value in allowed else default


def _exercise(entry: dict[str, Any]) -> Exercise:
    return Exercise(
        id=entry["id"],
        title=entry["title"],
        kind=entry["kind"],
        summary=entry.get("summary", ""),
        synonyms=tuple(s.lower() for s in entry.get("synonyms", ())),
        needs=tuple(entry.get("needs", ())),
        duration_ms=int(entry["duration_ms"]),
        file=entry["file"],
        sha256=entry["sha256"],
        delivery=entry.get("delivery", "audio_player"),
        timeline=tuple(
            Cue(int(c["start_ms"]), int(c["end_ms"]), c["type"], c.get("text"), c.get("speaker"))
            for c in entry.get("timeline", ())
        ),
        segments=tuple(
            Segment(s["file"], int(s["start_ms"]), int(s["duration_ms"]), s.get("speaker"))
            for s in entry.get("segments", ())
        ),
        captions=_optional_text(entry, "captions"),
        transcript=_optional_text(entry, "transcript"),
        phases=_optional_text(entry, "phases"),
        spoken_title=str(entry.get("spoken_title") or ""),
        posture=_known(entry.get("posture"), POSTURES, "either"),
        suits=_known(entry.get("suits"), SUITS, "any"),
    )


def _optional_text(entry: dict[str, Any], name: str) -> str | None:
    """A manifest field older builds may lack; anything but a non-empty string reads as absent."""
    value = entry.get(name)
    return value if isinstance(value, str) and value else None


def _manifest_exercises(path: Path) -> tuple[Exercise, ...]:
    """Every well-formed entry; a malformed one is dropped alone, with a log line naming it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data["exercises"]
    if not isinstance(entries, dict):
        raise TypeError("exercises is not a mapping")
    exercises = []
    for name, entry in entries.items():
        try:
            exercises.append(_exercise(entry))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            log.error("audio manifest %s: entry %r dropped (%s: %s)", path, str(name)[:80], type(error).__name__, error)
    return tuple(exercises)


def _script_exercise(path: Path) -> Exercise:
    """A script laid out by the build's own (pure) reader and resolver, with speech timed from its word count."""
    script = load_exercise(path)
    durations = {index: max(MIN_CUE_MS, SPOKEN_MS_PER_WORD * len(event.text.split())) if event.kind == "speech"
                 else TONE_MS for index, event in enumerate(script.events) if event.kind != "pause"}
    resolved = resolve(script, durations)
    cues = tuple(Cue(placed.start_ms, placed.end_ms, placed.event.kind,
                     placed.event.text if placed.event.kind == "speech" else (placed.event.caption or None),
                     placed.event.speaker) for placed in resolved.placed)
    return Exercise(
        id=script.id, title=script.title, kind=script.kind, summary=script.summary,
        synonyms=tuple(s.lower() for s in script.synonyms), needs=script.needs,
        duration_ms=resolved.duration_ms, file="", sha256=SCRIPT_VERSION,
        delivery=delivery(resolved.duration_ms), timeline=cues, spoken_title=script.spoken_title,
        posture=_known(script.posture, POSTURES, "either"), suits=_known(script.suits, SUITS, "any"),
    )


def load_scripts(scripts_dir: Path = SCRIPTS_DIR) -> Catalogue:
    """The exercises read straight from their scripts: spoken with pauses, never played."""
    exercises = []
    for path in sorted(scripts_dir.glob("*.yaml")):
        try:
            exercises.append(_script_exercise(path))
        except (OSError, yaml.YAMLError, CatalogueError, TimelineError, KeyError, TypeError, ValueError) as error:
            log.error("exercise script %s skipped (%s)", path.name, type(error).__name__)
    return Catalogue(tuple(exercises), "scripts" if exercises else "none")


def load_catalogue(audio_dir: Path, scripts_dir: Path = SCRIPTS_DIR) -> Catalogue:
    """The manifest's exercises; without a usable manifest (logged), the scripts' spoken versions."""
    path = audio_dir / MANIFEST
    try:
        exercises = _manifest_exercises(path)
        if exercises:
            return Catalogue(exercises, "manifest")
        log.error("audio manifest %s has no usable exercise; speaking them from the scripts", path)
    except FileNotFoundError:
        log.warning("no audio manifest at %s (run python -m audio.build); exercises will be spoken, not played", path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.error("audio manifest %s unreadable (%s); exercises will be spoken, not played", path, type(error).__name__)
    return load_scripts(scripts_dir)


class CatalogueSource:
    """Re-reads the manifest when a rebuild replaces it, so a running server picks up new audio."""

    def __init__(self, audio_dir: Path, scripts_dir: Path = SCRIPTS_DIR) -> None:
        self.audio_dir = audio_dir
        self.scripts_dir = scripts_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None | str = "unread"
        self._catalogue = Catalogue()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.audio_dir / MANIFEST).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def get(self) -> Catalogue:
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._catalogue = load_catalogue(self.audio_dir, self.scripts_dir)
                self._stamp = stamp
            return self._catalogue


def audio_url(base_url: str | None, file: str) -> str | None:
    """The https URL Alexa fetches (or, in development, this server's own), or None when there is no audio address."""
    if not base_url or not fetchable(base_url):
        return None
    return f"{base_url.rstrip('/')}/{quote(file)}"
