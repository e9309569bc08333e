"""The typed conversation: a line of text becomes an Event for the skill's router; its Turn becomes words and page actions."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Sequence
from urllib.parse import unquote

from skill.checkin import Result
from skill.conversation.events import FALLBACK, LAUNCH, Event, Player, Slot
from skill.conversation.router import Router, build_router
from skill.conversation.port import Detached
from skill.conversation.state import State
from skill.exercises import Catalogue, parse_token
from skill.history import RECENT, CheckinRecord
from skill.playback import RECONNECT_ID, AudioHost
from skill.speech import phrasebook
from skill.storage import StorageError, Store
from skill.turn import Clip, Line, PlayAudio, StopAudio, Turn
from skill.understanding.matcher import matcher_for
from skill.web import text as words

log = logging.getLogger(__name__)
# The conversation names audio by URL; on the web the page plays it, so any base works as long as it maps back.
WEB_AUDIO_BASE = "https://companion.invalid/audio"
MAX_TEXT_CHARS = 500  # as a slot value on /alexa (skill/alexa/events.py)
MODEL_LOCALE = "en-US"
# The whole typed line, as a slot no intent declares: the router's safety net reads every slot's words.
TYPED_SLOT = "typed"
# Where the web's wording differs from the skill's (Alexa-only phrases, words that follow audio): web.say.<id>.
WEB_WORDING = "web.say."
# With names, a speaker reads the routine's script aloud; on the page the routine plays (its page names whose turn it is).
ROUTINE_OPENINGS = frozenset({"reconnect.intro", "reconnect.intro_named"})
SCRIPT_LINE = "exercise.script_line"


@dataclass(frozen=True)
class Understood:
    intent: str
    slots: Mapping[str, Slot] = field(default_factory=lambda: MappingProxyType({}))


def understand(text: str, locale: str = MODEL_LOCALE) -> Understood:
    """Typed words -> an intent and its slots, chosen by the same NLU stand-in as the console (a confidence floor)."""
    text = text[:MAX_TEXT_CHARS]
    matcher = matcher_for(locale)
    if matcher.is_launch(text):
        return Understood(LAUNCH)
    match = matcher.match(text)
    slots = {name: Slot(slot.text, slot.value_id) for name, slot in match.slots.items()}
    return Understood(match.intent, MappingProxyType(slots))


@dataclass(frozen=True)
class Action:
    """Something for the page to do besides showing words: "play" an exercise (from an offset), or "pause"."""

    kind: str
    exercise_id: str | None = None
    offset_ms: int = 0


@dataclass(frozen=True)
class Answer:
    """What the page shows for one typed line, in order (words and actions), and the conversation's next state."""

    items: tuple[str | Action, ...]
    state: State

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(item for item in self.items if isinstance(item, str))

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(item for item in self.items if isinstance(item, Action))


def on_the_page(catalogue: Catalogue) -> Catalogue:
    """Every exercise can be played on the page (its text version when unbuilt), so each gets a file name to be named by."""
    return Catalogue(tuple(e if e.file else replace(e, file=e.id) for e in catalogue.exercises), catalogue.source)


@dataclass(frozen=True)
class BrowserPort(Detached):
    """The conversation's port for one browser: history under the browser's hashed key; no device player, saved names or sharing."""

    catalogue: Catalogue = Catalogue()
    store: Store | None = None
    key: str | None = None
    audio_host: AudioHost = AudioHost(WEB_AUDIO_BASE, bool)

    def recent_checkins(self, limit: int = RECENT) -> Sequence[CheckinRecord] | None:
        if self.store is None or not self.key:
            return None
        try:
            return self.store.recent_checkins(self.key, limit)
        except (StorageError, ValueError) as error:
            log.warning("web history unavailable: %s", type(error).__name__)
            return None

    def save_checkin(self, result: Result) -> bool:
        if self.store is None or not self.key:
            return False
        try:
            self.store.record_checkin(self.key, result.score, result.max_score, result.band)
            return True
        except (StorageError, ValueError) as error:
            log.warning("web check-in not saved: %s", type(error).__name__)
            return False

    def erase_data(self) -> bool:
        return forget(self.store, self.key)

    def erase_account(self) -> bool:
        return forget(self.store, self.key)  # a browser is its own account

    def people_on_account(self) -> int | None:
        return 1 if self.store is not None and self.key else None  # a browser is one person, never asked who

    # Not recognised, no sharing, names kept only in the page, no device player (the page's own player pauses
    # and resumes): the rest is Detached's "nothing wired" answers.


def forget(store: Store | None, key: str | None) -> bool:
    """Deletes everything stored under a browser's key ("forget me" and "delete my data")."""
    if store is None or not key:
        return False
    try:
        store.delete_user(key)
        return True
    except (StorageError, ValueError) as error:
        log.error("could not delete a browser's history: %s", type(error).__name__)
        return False


@lru_cache(maxsize=1)
def router() -> Router:
    return build_router()


def converse(text: str, state: State, locale: str, port: BrowserPort, *, rng: random.Random | None = None) -> Answer:
    """One typed line through the skill's router (safety net first); its turn as the page shows it."""
    try:
        understood = understand(text, locale)
    except Exception as error:  # understanding is replaceable; a failure there must not skip the safety net
        log.error("understanding failed: %s", type(error).__name__)
        understood = Understood(FALLBACK)
    slots = {**understood.slots, TYPED_SLOT: Slot(heard=text)}
    event = Event(name=understood.intent, slots=MappingProxyType(slots), locale=locale, player=Player(),
                  has_session=True, audio_player_supported=True)
    turn, following = router().respond(event, state, port)
    return Answer(shown(turn, locale, port.catalogue, rng or random.Random()), State() if turn.end_session else following)


def shown(turn: Turn, locale: str, catalogue: Catalogue, rng: random.Random) -> tuple[str | Action, ...]:
    """The turn's words in order, with each exercise's audio (clips, player directives) as one page action where it falls."""
    book = phrasebook(locale, rng)
    files = _files(catalogue)
    items: list[str | Action] = []
    routine = any(isinstance(piece, Line) and piece.id in ROUTINE_OPENINGS for piece in turn.say)
    for piece in (*turn.say, *turn.directives):
        if isinstance(piece, Line) and not (routine and piece.id == SCRIPT_LINE):
            web_id = WEB_WORDING + piece.id
            has_web = web_id in words.messages(locale)
            items.append(words.text(locale, web_id, **piece.params) if has_web else book.text(piece.id, **piece.params))
            continue
        action = Action("play", RECONNECT_ID) if isinstance(piece, Line) else _action(piece, files, catalogue)
        if action is not None and action not in items:
            items.append(action)
    return tuple(items)


def _files(catalogue: Catalogue) -> dict[str, str]:
    files = {}
    for exercise in catalogue.exercises:
        files.update({segment.file: exercise.id for segment in exercise.segments})
        files[exercise.file] = exercise.id
    return files


def _action(piece: Clip | PlayAudio | StopAudio, files: Mapping[str, str], catalogue: Catalogue) -> Action | None:
    if isinstance(piece, StopAudio):
        return Action("pause")
    if isinstance(piece, Clip):
        exercise_id = files.get(unquote(piece.url.removeprefix(WEB_AUDIO_BASE + "/")))
        return Action("play", exercise_id) if exercise_id else None
    parsed = parse_token(piece.token)
    return Action("play", parsed[0], piece.offset_ms) if parsed and catalogue.get(parsed[0]) else None
