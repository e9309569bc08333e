"""The router: the order in which a request is answered, written down once, in build_router."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from skill import safety
from skill.conversation import checking, idle, offers, playing, reading
from skill.conversation.events import EVENT_PREFIXES, FALLBACK, LAUNCH, Event
from skill.conversation.port import Port
from skill.conversation.shared import Handler, Reply, Table, safety_reply
from skill.conversation.state import Spoken, State

SAFETY_INTENT = "SafetyIntent"
# Requests after which a pending offer still stands: they re-say it or did not understand the answer.
KEEPS_OFFER = frozenset({"AMAZON.RepeatIntent", "AMAZON.HelpIntent", FALLBACK})
SafetyNet = Callable[[Event, State], Reply | None]


def safety_net(event: Event, state: State) -> Reply | None:
    """Before anything, in any state: the safety intent itself, or crisis words in anything heard."""
    if event.name == SAFETY_INTENT or safety.is_alarming(event.heard_text(), event.locale):
        return safety_reply(event, state)
    return None


@dataclass(frozen=True)
class Router:
    safety: SafetyNet
    controls: Table  # the device's AudioPlayer reports and buttons
    states: Mapping[str, Table]  # checking, reading, playing, idle
    everywhere: Table  # global intents
    fallback: Handler

    def respond(self, event: Event, state: State, port: Port) -> Reply:
        reply = self.safety(event, state)
        if reply is not None:
            return reply  # what the safety net said is never remembered
        if event.name in self.controls:
            return _answered(self.controls[event.name](event, state, port))
        if state.speaker is not None:
            port = port.as_speaker(state.speaker)  # an unrecognised voice said who it is earlier in the session
        mode = state.mode(event)
        for table in (self.states[mode], self.everywhere):
            handler = table.get(event.name)
            reply = handler(event, state, port) if handler else None
            if reply is not None:
                return tidy(event, state, reply)
        own_fallback = self.states[mode].get(FALLBACK)
        reply = own_fallback(event, state, port) if own_fallback else None
        return tidy(event, state, reply if reply is not None else _answered(self.fallback(event, state, port)))

    @property
    def intent_names(self) -> set[str]:
        names = {SAFETY_INTENT, *self.everywhere, *(name for table in self.states.values() for name in table)}
        return {name for name in names if name != LAUNCH and not name.startswith(EVENT_PREFIXES)}


def build_router() -> Router:
    """Safety net, then the AudioPlayer's controls, then the current state's table, then global intents, then fallback."""
    return Router(
        safety=safety_net,
        controls=playing.CONTROLS,
        states={"checking": checking.TABLE, "reading": reading.TABLE, "playing": playing.TABLE, "idle": {}},
        everywhere={**idle.TABLE, **offers.TABLE, **checking.START, **reading.START, **playing.START},
        fallback=idle.not_understood,
    )


def tidy(event: Event, before: State, reply: Reply) -> Reply:
    """An offer stands for the very next answer only (or until a spoken exercise ends); "repeat that" needs the last turn."""
    turn, state = reply
    if (state.offer is before.offer and event.name not in KEEPS_OFFER
            and not (isinstance(before.flow, Spoken) and state.flow != before.flow)):
        state = replace(state, offer=None)
    if not turn.end_session:
        state = replace(state, last=turn.lines)
    return turn, state


def _answered(reply: Reply | None) -> Reply:
    if reply is None:
        raise LookupError("a global handler passed; only state tables may")
    return reply
