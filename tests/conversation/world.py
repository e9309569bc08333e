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
from skill.together import Together

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
    recognised: bool = False  # Alexa recognised the speaker's voice
    people: int | None = 1  # people with check-ins on the account; None: unreachable
    partner_checkins: list[CheckinRecord] = field(default_factory=list)  # the unrecognised partner's, once they say so
    couple: Together | None = None  # what together() finds
    speaking_as: str | None = None
    sharing: bool | None = None
    erased_account: bool = False

    def people_on_account(self) -> int | None:
        return self.people

    def as_speaker(self, who: str) -> FakePort:
        self.speaking_as = who
        return self

    def together(self) -> Together | None:
        return self.couple

    def set_sharing(self, sharing: bool) -> bool:
        if self.checkins is None:
            return False
        self.sharing = sharing
        return True

    def erase_account(self) -> bool:
        self.erased_account = self.checkins is not None
        return self.erased_account

    @property
    def _own(self) -> list[CheckinRecord] | None:
        return self.partner_checkins if self.speaking_as == "partner" and self.checkins is not None else self.checkins

    @property
    def catalogue(self) -> Catalogue:
        return CATALOGUE

    @property
    def audio_host(self) -> AudioHost:
        return AudioHost(BASE if self.hosted else None, lambda name: True)

    def recent_checkins(self, limit: int = RECENT) -> list[CheckinRecord] | None:
        return None if self._own is None else self._own[:limit]

    def save_checkin(self, result: Result) -> bool:
        own = self._own
        if own is None:
            return False
        own.insert(0, CheckinRecord(0, "k", NOW, result.score, result.max_score, result.band))
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


def records(rows: list[list[Any]]) -> list[CheckinRecord]:
    """[score, days ago, band] rows, newest first."""
    return [CheckinRecord(i, "k", NOW - timedelta(days=days), score, 15, band)
            for i, (score, days, band) in enumerate(rows)]


def port_from(world: dict[str, Any]) -> FakePort:
    history = world.get("history", [])
    saved = world.get("saved")
    names = world.get("names")
    couple = world.get("together")
    together = None if couple is None else Together(
        tuple(records(couple.get("mine", []))), couple.get("sharing", True), couple.get("partners", 1),
        couple.get("partner_sharing", True), tuple(records(couple.get("theirs", []))))
    return FakePort(checkins=None if history is None else records(history),
                    saved=Saved(saved[0], saved[1]) if saved else None,
                    names=Names(*names) if names else None, hosted=world.get("hosted", True),
                    recognised=world.get("recognised", False), people=world.get("people", 1),
                    partner_checkins=records(world.get("partner_history", [])), couple=together)


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
    if len(port.partner_checkins) > len(world.get("partner_history") or []):
        changed["saved_partner_checkin"] = port.partner_checkins[0].score
    if port.erased:
        changed["erased"] = True
    if port.erased_account:
        changed["erased_account"] = True
    if port.speaking_as is not None:
        changed["speaking_as"] = port.speaking_as
    if port.sharing is not None:
        changed["sharing"] = port.sharing
    before = world.get("saved")
    now = [port.saved.token, port.saved.offset_ms] if port.saved else None
    if now != before:
        changed["position"] = now
    if port.remembered:
        changed["remembered"] = [port.remembered.one, port.remembered.two]
    return changed
