"""What the state tables share: the handler type, the menu, making an offer, leaving or resuming a check."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping

from skill import questionnaire, safety
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.state import Check, State
from skill.turn import Line, Offer, Turn, ask, line

Reply = tuple[Turn, State]
# A handler answers with the turn and the new state; in a state's table it may return None: "not mine, go on".
Handler = Callable[[Event, State, Port], Reply | None]
Table = Mapping[str, Handler]
MENU = line("menu.choices")


def make_offer(state: State, lines: tuple[Line, ...], offer: Offer) -> Reply:
    return ask(*lines, offer.question), replace(state, offer=offer)


def needs_speaker(state: State, port: Port) -> bool:
    """An unrecognised voice on an account with two people's check-ins: ask who it is before any history is used."""
    return state.speaker is None and not port.recognised and (port.people_on_account() or 0) >= 2


def ask_speaker(state: State, then: str, lead: tuple[Line, ...] = ()) -> Reply:
    """Asked once per session; `then` is what the answer carries on with (offers.py)."""
    return make_offer(state, lead, Offer("speaker", then))


def check_prompt(check: Check) -> tuple[Line, ...]:
    return questionnaire.reprompt(check.questionnaire, check.as_dict())


def leaving(state: State, ending: bool | None = False) -> tuple[tuple[Line, ...], State]:
    """Another activity takes over from a check in progress: paused and said so with the way back (checking.py's rule);
    when the new turn ends the session, the check goes with it, and that is said instead."""
    check = state.check
    if check is None:
        return (), state
    if ending:
        return (line(f"flow.left.{check.kind}"),), replace(state, flow=None)
    return (line(f"flow.paused.{check.kind}"),), replace(state, flow=None, paused=check)


def put_first(lead: tuple[Line, ...], reply: Reply) -> Reply:
    turn, state = reply
    return (replace(turn, say=(*lead, *turn.say)) if lead else turn), state


def resume(state: State) -> tuple[Line, ...]:
    """What to end on after a side question: the check's question again, or the menu."""
    if state.check:
        return (line("questionnaire.back_to_it"), *check_prompt(state.check))
    return (MENU,)


def safety_reply(event: Event, state: State) -> Reply:
    """Help first; the flow, the offer and what was said are dropped, so nothing of the moment stays in the session."""
    return safety.response(), State(names=state.names, speaker=state.speaker)
