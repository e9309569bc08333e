"""Every kind of offer, and what yes and no do to it, in one table.

What "yes" means, by state: while a check is in progress it answers the question (checking.py); in every
other state (idle, reading, playing) it answers the pending offer, here; with no offer pending, "answer.not_asked".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from skill import strategies
from skill.conversation import checking, playing, reading
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.shared import MENU, Reply, Table, make_offer
from skill.conversation.state import QUESTIONNAIRES, State
from skill.turn import Offer, ask, line, tell

Answer = Callable[[Offer, Event, State, Port], Reply]


def declined(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    """No: the offer's fallback if it has one ("then"), else the menu."""
    if offer.then is not None:
        return make_offer(state, (line("offer.declined_then"),), offer.then)
    return ask(line("offer.declined"), MENU), state


def read_topic(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    if offer.target not in strategies.BY_ID:
        return ask(line("reading.unknown_topic"), MENU), state
    return reading.read(strategies.read(offer.target), state)


def exercise_for_need(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return playing.for_need(offer.target, event, state, port)


def start_check(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    if offer.target not in QUESTIONNAIRES:
        return ask(line("fallback.main"), MENU), state
    return checking.start(event, offer.target, state, port)


def delete(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return ask(line("delete.done" if port.erase_data() else "delete.failed"), MENU), state


def keep(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return ask(line("delete.kept"), MENU), state


def play_offered(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return playing.play_by_id(offer.target, event, state, port)


def reconnect_yes(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    """To "shall we use your names?": ask for them. To "did that feel good?": glad, see you tomorrow."""
    if offer.target == "names":
        return ask(line("reconnect.tell_names"), reprompt=line("reconnect.tell_names")), state
    return tell(line("reconnect.feedback_good"), line("reconnect.tomorrow")), state


def reconnect_no(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    if offer.target == "names":
        return playing.start_reconnect(state, port, None, ask_names=False)
    return tell(line("reconnect.feedback_hard"), line("reconnect.tomorrow")), state


@dataclass(frozen=True)
class Kind:
    yes: Answer
    no: Answer


KINDS: Mapping[str, Kind] = {
    "strategy": Kind(yes=read_topic, no=declined),  # target: a topic id
    "exercise": Kind(yes=exercise_for_need, no=declined),  # target: a need (calm, connect)
    "check": Kind(yes=start_check, no=declined),  # target: a check kind
    "delete_data": Kind(yes=delete, no=keep),  # target: "all"
    "play": Kind(yes=play_offered, no=declined),  # target: an exercise id
    "reconnect": Kind(yes=reconnect_yes, no=reconnect_no),  # target: "names" or "feedback"
}


def yes(event: Event, state: State, port: Port) -> Reply:
    if state.offer is None:
        return ask(line("answer.not_asked"), MENU), state
    return KINDS[state.offer.kind].yes(state.offer, event, replace(state, offer=None), port)


def no(event: Event, state: State, port: Port) -> Reply:
    if state.offer is None:
        return ask(line("answer.not_asked"), MENU), state
    return KINDS[state.offer.kind].no(state.offer, event, replace(state, offer=None), port)


def tell_me_more(event: Event, state: State, port: Port) -> Reply:
    """Outside a check or a reading, "tell me more" takes up the offer, or starts the strategies."""
    if state.offer is not None:
        return yes(event, state, port)
    return reading.read(strategies.next_strategy(None), state)


TABLE: Table = {"AMAZON.YesIntent": yes, "AMAZON.NoIntent": no, "TellMeMoreIntent": tell_me_more}
