"""A small world for conversation cases: a fake port with a fixed catalogue, and events and states from case data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from skill.checkin import Result
from skill.conversation.events import Event, Player, Slot
from skill.turn import Clip, Directive, Line, PlayAudio, Turn
from skill.exercises import Catalogue, Cue, Exercise, Segment
from skill.history import RECENT
from skill.playback import AudioHost, Names, Saved
from skill.storage import CheckinRecord

BASE = "https://audio.example.org"
NOW = datetime.now(timezone.utc)


def _exercise(exercise_id: str, kind: str, needs: tuple[str, ...], seconds: int, segments=()) -> Exercise:
    cues = tuple(Cue(ms, ms + 2_000, "speech", f"{exercise_id} cue {ms}") for ms in range(0, seconds * 1000, 20_000))
    delivery = "ssml" if seconds <= 240 else "audio_player"
    return Exercise(exercise_id, exercise_id.replace("-", " ").title(), kind, "", (exercise_id.replace("-", " "),),
                    needs, seconds * 1000, f"{exercise_id}.mp3", "a" * 64, delivery, cues, tuple(segments))


RECONNECT_SEGMENTS = (Segment("r0.mp3", 0, 30_000, "both"), Segment("r1.mp3", 30_000, 30_000, "one"),
                      Segment("r2.mp3", 60_000, 30_000, "two"), Segment("r3.mp3", 90_000, 30_000, "both"))
# The same few exercises in every case: two short calming ones, one long one, one for connection, the routine.
CATALOGUE = Catalogue((
    _exercise("box-breathing", "regulation", ("calm",), 120),
    _exercise("extended-exhale", "regulation", ("calm",), 90),
    _exercise("body-scan", "regulation", ("calm",), 600),
    _exercise("appreciation", "connection", ("connect",), 120),
    _exercise("reconnect-2min", "couple", ("connect",), 120, RECONNECT_SEGMENTS),
))


@dataclass
class FakePort:
    """The Port, in memory; `world:` in a case sets it up, and what the conversation did to it is recorded."""

    checkins: list[CheckinRecord] | None = field(default_factory=list)  # None: history unreachable
    saved: Saved | None = None
    names: Names | None = None
    hosted: bool = True
    erased: bool = False
    remembered: Names | None = None

    @property
    def catalogue(self) -> Catalogue:
        return CATALOGUE

    @property
    def audio_host(self) -> AudioHost:
        return AudioHost(BASE if self.hosted else None, lambda name: True)

    def recent_checkins(self, limit: int = RECENT) -> list[CheckinRecord] | None:
        return None if self.checkins is None else self.checkins[:limit]

    def save_checkin(self, result: Result) -> bool:
        if self.checkins is None:
            return False
        self.checkins.insert(0, CheckinRecord(0, "k", NOW, result.score, result.max_score, result.band))
        return True

    def erase_data(self) -> bool:
        self.erased = self.checkins is not None
        return self.erased

    def remembered_names(self) -> Names | None:
        return self.names

    def remember_names(self, names: Names) -> bool:
        self.remembered = names
        return True

    def playback_position(self) -> Saved | None:
        return self.saved

    def save_position(self, token: str, offset_ms: int) -> None:
        self.saved = Saved(token, offset_ms)

    def clear_position(self) -> None:
        self.saved = None


def port_from(world: dict[str, Any]) -> FakePort:
    history = world.get("history", [])
    checkins = None if history is None else [
        CheckinRecord(i, "k", NOW - timedelta(days=days), score, 15, band) for i, (score, days, band) in enumerate(history)]
    saved = world.get("saved")
    names = world.get("names")
    return FakePort(checkins=checkins, saved=Saved(saved[0], saved[1]) if saved else None,
                    names=Names(*names) if names else None, hosted=world.get("hosted", True))


def event_from(data: str | dict[str, Any]) -> Event:
    if isinstance(data, str):
        return Event(data)
    slots = {}
    for name, value in (data.get("slots") or {}).items():
        heard, value_id = (value, value) if isinstance(value, str) else (value[0], value[1])
        slots[name] = Slot(heard, value_id)
    player = data.get("player") or {}
    return Event(data["name"], MappingProxyType(slots), data.get("locale", "en-US"),
                 Player(player.get("token"), player.get("offset_ms", 0), player.get("activity", "IDLE")),
                 has_session=not data["name"].startswith(("AudioPlayer.", "PlaybackController.")),
                 audio_player_supported=data.get("audio_player", True))


def said(turn: Turn) -> list[str]:
    """Message ids in order; a clip of built audio shows as `audio <file>`."""
    return [piece.id if isinstance(piece, Line) else f"audio {piece.url.rsplit('/', 1)[1]}"
            for piece in turn.say if isinstance(piece, (Line, Clip))]


def directive_text(directive: Directive) -> str:
    if isinstance(directive, PlayAudio):
        return f"play {directive.token} from {directive.offset_ms}"
    return "stop"


def effects(port: FakePort, world: dict[str, Any]) -> dict[str, Any]:
    """What the conversation changed outside the session: only what changed is listed."""
    changed: dict[str, Any] = {}
    if port.checkins and len(port.checkins) > len(world.get("history") or []):
        changed["saved_checkin"] = port.checkins[0].score
    if port.erased:
        changed["erased"] = True
    before = world.get("saved")
    now = [port.saved.token, port.saved.offset_ms] if port.saved else None
    if now != before:
        changed["position"] = now
    if port.remembered:
        changed["remembered"] = [port.remembered.one, port.remembered.two]
    return changed
