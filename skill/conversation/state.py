"""The session state, typed and frozen: the one place that reads it from and writes it to Alexa's session attributes."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from skill import questionnaire, strategies
from skill.checkin import CHECKIN
from skill.conversation.events import Event
from skill.turn import TARGET_FIELD, Line, Offer
from skill.focused import FOCUSED
from skill.playback import Names
from skill.questionnaire import Questionnaire
from skill.speech import DEFAULT_LOCALE, MESSAGE_ID_PATTERN, phrasebook

QUESTIONNAIRES: Mapping[str, Questionnaire] = {"checkin": CHECKIN, **{k: q for k, (q, _) in FOCUSED.items()}}


@dataclass(frozen=True)
class Check:
    """A check-in or focused check in progress: which question, the answers so far, one re-ask allowed."""

    kind: str
    at: int
    answers: tuple[str | None, ...]
    misses: int = 0

    @property
    def questionnaire(self) -> Questionnaire:
        return QUESTIONNAIRES[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "answers": list(self.answers), "misses": self.misses}

    @classmethod
    def from_dict(cls, raw: Any) -> Check | None:
        kind = raw.get("kind") if isinstance(raw, Mapping) else None
        q = QUESTIONNAIRES.get(kind) if isinstance(kind, str) else None
        state = questionnaire.restore(q, raw) if q else None
        if q is None or state is None:
            return None
        return cls(q.kind, state["at"], tuple(state["answers"]), state["misses"])


@dataclass(frozen=True)
class Reading:
    """A read-aloud topic and the part just read."""

    topic: str
    part: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": "reading", "topic": self.topic, "part": self.part}

    @classmethod
    def from_dict(cls, raw: Any) -> Reading | None:
        state = strategies.restore(raw)
        return cls(state["topic"], state["part"]) if state else None


@dataclass(frozen=True)
class Spoken:
    """An exercise read aloud in parts: the part to say next."""

    exercise_id: str
    part: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.exercise_id, "part": self.part}

    @classmethod
    def from_dict(cls, raw: Any) -> Spoken | None:
        if not isinstance(raw, Mapping):
            return None
        exercise_id, part = raw.get("id"), raw.get("part")
        if not isinstance(exercise_id, str) or not exercise_id or not isinstance(part, int) or not _small_int(part):
            return None
        return cls(exercise_id, part)


Flow = Check | Reading | Spoken
# Who is speaking when Alexa does not recognise the voice, as answered once per session.
SPEAKERS = frozenset({"holder", "partner"})


@dataclass(frozen=True)
class State:
    """Everything the skill remembers within a session. Handlers return a new one; nothing else writes it."""

    flow: Flow | None = None
    offer: Offer | None = None  # stands for the very next answer only (the router sees to that)
    last: tuple[Line, ...] = ()  # for "repeat that"
    names: Names | None = None  # the couple's names, once given in this session
    speaker: str | None = None  # "holder" or "partner": an unrecognised voice's answer to "who is this?"
    paused: Check | None = None  # a check put aside for something else, kept for "continue the check-in"

    def mode(self, event: Event) -> str:
        """The conversation state whose table answers first: checking, reading, playing or idle."""
        if isinstance(self.flow, Check):
            return "checking"
        if isinstance(self.flow, Reading):
            return "reading"
        if isinstance(self.flow, Spoken) or event.player.engaged:
            return "playing"
        return "idle"

    @property
    def check(self) -> Check | None:
        return self.flow if isinstance(self.flow, Check) else None

    @property
    def reading(self) -> Reading | None:
        return self.flow if isinstance(self.flow, Reading) else None

    @property
    def spoken(self) -> Spoken | None:
        return self.flow if isinstance(self.flow, Spoken) else None


def from_session(attributes: Any) -> State:
    """The one validator for what the device sends back: anything malformed is as if it were not there."""
    if not isinstance(attributes, Mapping):
        return State()
    flow: Flow | None = (Check.from_dict(attributes.get("flow")) or Reading.from_dict(attributes.get("flow"))
                         or Spoken.from_dict(attributes.get("flow_exercise")))
    speaker = attributes.get("speaker")
    return State(flow, _offer(attributes.get("offer")), _last(attributes.get("last")),
                 _names(attributes.get("couple_names")),
                 speaker=speaker if isinstance(speaker, str) and speaker in SPEAKERS else None,
                 paused=Check.from_dict(attributes.get("paused")))


def to_session(state: State) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if isinstance(state.flow, Spoken):
        data["flow_exercise"] = state.flow.as_dict()
    elif state.flow is not None:
        data["flow"] = state.flow.as_dict()
    if state.offer is not None:
        data["offer"] = _offer_dict(state.offer)
    if state.last:
        data["last"] = [[said.id, dict(said.params)] for said in state.last]
    if state.names is not None:
        data["couple_names"] = {"one": state.names.one, "two": state.names.two}
    if state.speaker is not None:
        data["speaker"] = state.speaker
    if state.paused is not None:
        data["paused"] = state.paused.as_dict()
    return data


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000


def _offer_dict(offer: Offer) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": offer.kind, TARGET_FIELD[offer.kind]: offer.target}
    if offer.then is not None:
        data["then"] = _offer_dict(offer.then)
    return data


def _offer(raw: Any, depth: int = 0) -> Offer | None:
    if depth > 3 or not isinstance(raw, Mapping) or raw.get("kind") not in TARGET_FIELD:
        return None
    target = raw.get(TARGET_FIELD[raw["kind"]])
    if not isinstance(target, str) or not target:
        return None
    offer = Offer(raw["kind"], target, _offer(raw.get("then"), depth + 1))
    return offer if phrasebook(DEFAULT_LOCALE).has(offer.question.id) else None  # a question we can ask again


def _last(raw: Any) -> tuple[Line, ...]:
    """Only known message ids with exactly their placeholders, as simple values, are replayed."""
    if not isinstance(raw, list):
        return ()
    messages = phrasebook(DEFAULT_LOCALE).messages
    said = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and MESSAGE_ID_PATTERN.match(item[0]) and item[0] in messages and isinstance(item[1], dict)
                and set(item[1]) == messages[item[0]].placeholders
                and all(isinstance(v, (str, int)) for v in item[1].values())):
            return ()
        said.append(Line(item[0], MappingProxyType(dict(item[1]))))
    return tuple(said)


def _names(raw: Any) -> Names | None:
    if isinstance(raw, Mapping) and isinstance(raw.get("one"), str) and isinstance(raw.get("two"), str):
        return Names(raw["one"], raw["two"])
    return None
