"""The exercise catalogue as the skill sees it: read from the audio build's manifest.json, never from build code."""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SSML_AUDIO_LIMIT_MS = 240_000
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
    posture: str | None = None

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


def parse_token(token: str | None) -> tuple[str, str] | None:
    if not token or TOKEN_SEPARATOR not in token:
        return None
    exercise_id, version = token.split(TOKEN_SEPARATOR, 1)
    return exercise_id, version


@dataclass(frozen=True)
class Catalogue:
    exercises: tuple[Exercise, ...] = ()

    def get(self, exercise_id: str | None) -> Exercise | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def find(self, spoken: str | None) -> Exercise | None:
        """An exercise by id, title or any of its spoken names."""
        if not spoken:
            return None
        wanted = " ".join(spoken.lower().replace("-", " ").split())
        for exercise in self.exercises:
            names = {exercise.id.replace("-", " "), exercise.title.lower(), *exercise.synonyms}
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
        posture=_optional_text(entry, "posture"),
    )


def _optional_text(entry: dict[str, Any], name: str) -> str | None:
    """A manifest field older builds may lack; anything but a non-empty string reads as absent."""
    value = entry.get(name)
    return value if isinstance(value, str) and value else None


def load_catalogue(audio_dir: Path) -> Catalogue:
    """The manifest's exercises; an empty catalogue (logged) when it is missing or unreadable."""
    path = audio_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["exercises"].values()
        return Catalogue(tuple(_exercise(entry) for entry in entries))
    except FileNotFoundError:
        log.warning("no audio manifest at %s yet; run python -m audio.build", path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.error("audio manifest %s unreadable (%s); exercises unavailable", path, type(error).__name__)
    return Catalogue()


class CatalogueSource:
    """Re-reads the manifest when a rebuild replaces it, so a running server picks up new audio."""

    def __init__(self, audio_dir: Path) -> None:
        self.audio_dir = audio_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
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
                self._catalogue = load_catalogue(self.audio_dir) if stamp else Catalogue()
                self._stamp = stamp
            return self._catalogue


def audio_url(base_url: str | None, file: str) -> str | None:
    """The https URL Alexa fetches, or None when no public audio address is configured."""
    if not base_url or not base_url.startswith("https://"):
        return None
    return f"{base_url.rstrip('/')}/{quote(file)}"
