"""The typed conversation: one adapter from a line of text to the skill's conversation code, and back to text."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping
from urllib.parse import unquote

from skill import safety
from skill.dialog import LAUNCH, Event, Player, Slot, router
from skill.exercises import Catalogue, parse_token
from skill.speech import phrasebook
from skill.turns import Clip, Line, PlayAudio, Turn
from skill.utterances import UtteranceMatcher, load_model

log = logging.getLogger(__name__)
# The conversation names audio by URL; on the web the page plays it, so any base works as long as it maps back.
WEB_AUDIO_BASE = "https://companion.invalid/audio"
MAX_TEXT_CHARS = 500
FALLBACK = "AMAZON.FallbackIntent"
SAFETY = "SafetyIntent"
MODEL_LOCALE = "en-US"


@dataclass(frozen=True)
class TalkState:
    """The conversation between two typed lines: whether a session is open, and its attributes."""

    open: bool = False
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self) -> dict[str, Any]:
        return {"open": self.open, "attributes": dict(self.attributes)}

    @classmethod
    def from_json(cls, data: Any) -> "TalkState":
        if not isinstance(data, dict) or not isinstance(data.get("attributes", {}), dict):
            return cls()
        return cls(bool(data.get("open")), MappingProxyType(dict(data.get("attributes", {}))))


@dataclass(frozen=True)
class Action:
    """Something for the page to do besides showing text: "play" an exercise (by id)."""

    kind: str
    exercise_id: str


@dataclass(frozen=True)
class Understood:
    intent: str
    slots: Mapping[str, Slot] = field(default_factory=lambda: MappingProxyType({}))


@lru_cache(maxsize=1)
def _matcher() -> UtteranceMatcher:
    return UtteranceMatcher(load_model(MODEL_LOCALE))


def understand(text: str) -> Understood:
    """Typed words -> an intent, as the console does it; crisis words anywhere in the text win over any match."""
    if safety.is_alarming(text):
        return Understood(SAFETY)
    text = text[:MAX_TEXT_CHARS]
    matcher = _matcher()
    if matcher.is_launch(text):
        return Understood(LAUNCH)
    match = matcher.match(text)
    if match is None:
        return Understood(FALLBACK)
    slots = {name: Slot(heard, value_id) for name, (heard, value_id) in match.slots.items()}
    return Understood(match.intent, MappingProxyType(slots))


def converse(text: str, state: TalkState, locale: str, *, services: Any = None,
             rng: random.Random | None = None) -> tuple[tuple[str, ...], TalkState, tuple[Action, ...]]:
    """One typed line through the skill's conversation; what it says back, the next state, what to play."""
    understood = understand(text)
    event = Event(name=understood.intent, slots=understood.slots, locale=locale, new_session=not state.open,
                  player=Player(), has_session=True, audio_player_supported=True)
    attributes = dict(state.attributes) if state.open else {}
    turn = router.respond(event, attributes, services)
    book = phrasebook(locale, rng or random.Random())
    lines = tuple(book.text(piece.id, **piece.params) for piece in turn.say if isinstance(piece, Line))
    catalogue = getattr(services, "catalogue", None) or Catalogue()
    following = TalkState() if turn.end_session else TalkState(True, MappingProxyType(attributes))
    return lines, following, _actions(turn, catalogue)


def _actions(turn: Turn, catalogue: Catalogue) -> tuple[Action, ...]:
    ids: list[str] = []
    for piece in (*turn.say, *turn.directives):
        exercise_id = None
        if isinstance(piece, Clip):
            exercise_id = _exercise_of_url(piece.url, catalogue)
        elif isinstance(piece, PlayAudio):
            exercise_id = (parse_token(piece.token) or (None, None))[0]
        if exercise_id and catalogue.get(exercise_id) and exercise_id not in ids:
            ids.append(exercise_id)
    return tuple(Action("play", exercise_id) for exercise_id in ids)


def _exercise_of_url(url: str, catalogue: Catalogue) -> str | None:
    name = unquote(url.removeprefix(WEB_AUDIO_BASE + "/"))
    for exercise in catalogue.exercises:
        if name == exercise.file or any(name == segment.file for segment in exercise.segments):
            return exercise.id
    return None
