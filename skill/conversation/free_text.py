"""Free text (a SearchQuery slot, or "X and Y" heard outside the names question) answered by what it is about."""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from skill.conversation import checking, idle, playing, reading
from skill.conversation.events import Event, Slot
from skill.conversation.port import Port
from skill.conversation.shared import Reply, Table, make_offer, resume, safety_reply
from skill.conversation.state import State
from skill.turn import Offer, ask, line
from skill.understanding.understand import SAFETY, understand

# Requests free text may lead to, answered as if asked for; checks are offered, not started (see offer_check).
ROUTES: Table = {**reading.START, **playing.START, "AMAZON.HelpIntent": idle.help_menu,
                 "HistoryIntent": idle.how_have_i_been}
# Checks whose question deserves a word about support before the offer ("should we break up").
WITH_SUPPORT = frozenset({"roots"})


def heard(event: Event) -> str:
    if event.name == "CoupleNamesIntent":
        return " and ".join(slot.heard for slot in (event.slot("first_name"), event.slot("second_name")) if slot.heard)
    return event.heard_text()


def understood(event: Event, state: State, port: Port) -> Reply | None:
    """The text goes through the NLU stand-in (safety first) and is answered with a kind lead-in.
    It is never stored or logged: only the intent it reached goes on."""
    match = understand(heard(event), event.locale)
    if match.intent == SAFETY:
        return safety_reply(event, state)
    if match.intent in checking.START_INTENTS:
        return offer_check(checking.START_INTENTS[match.intent], state)
    if match.intent not in ROUTES:
        return not_routed(event, state, port)
    # mid-check, the check's own answer to a request comes first (help is about answering the question)
    handler = (checking.TABLE if state.check else ROUTES).get(match.intent) or ROUTES[match.intent]
    slots = MappingProxyType({name: Slot(slot.text, slot.value_id) for name, slot in match.slots.items()})
    reply = handler(replace(event, name=match.intent, slots=slots), state, port)
    if reply is None:
        return not_routed(event, state, port)
    turn, after = reply
    return replace(turn, say=(line("share.lead"), *turn.say)), after


def offer_check(kind: str, state: State) -> Reply:
    """Offered, not started; mid-check, a kind word and back to the question (no check is dropped for another)."""
    support = (line("share.support"),) if kind in WITH_SUPPORT else ()
    if state.check:
        return ask(line("share.thanks"), *support, *resume(state)), state
    return make_offer(state, (line("share.lead"), *support), Offer("check", kind))


def not_routed(event: Event, state: State, port: Port) -> Reply | None:
    """Nothing it is about: a kind word after sharing; after "X and Y" (not the names), the state's fallback."""
    if event.name == "CoupleNamesIntent":
        return None
    return idle.share_feeling(event, state, port)


def couple_names(event: Event, state: State, port: Port) -> Reply | None:
    """"X and Y" is the couple's names only while the names question is pending; anywhere else it is free text."""
    if state.offer in playing.NAME_QUESTIONS:
        return playing.couple_names(event, state, port)
    return understood(event, state, port)


# From any state (the checking table reads free text as an answer first).
TABLE: Table = {"ShareFeelingIntent": understood, "CoupleNamesIntent": couple_names}
