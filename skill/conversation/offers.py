"""Every kind of offer, and what yes and no do to it, in one table.

What "yes" means, by state: while a check is in progress it answers the question (checking.py); in every
other state (idle, reading, playing) it answers the pending offer, here; with no offer pending, "answer.not_asked".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from skill import strategies, together
from skill.conversation import checking, idle, playing, reading
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.shared import MENU, Handler, Reply, Table, make_offer, resume
from skill.conversation.state import QUESTIONNAIRES, SPEAKERS, State
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
    if offer.target == "account":
        return ask(line("delete.all_done") if port.erase_account() else line("delete.failed"), MENU), state
    return ask(line("delete.done" if port.erase_data() else "delete.failed"), MENU), state


def keep(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return ask(line("delete.kept"), MENU), state


def play_offered(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return playing.play_by_id(offer.target, event, state, port)


def all_exercises(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return playing.full_menu(state, port)


def reconnect_yes(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    """To "shall we use your names?": ask for them. To "did that feel good?": glad, see you tomorrow."""
    if offer.target == "names":
        return ask(line("reconnect.tell_names"), reprompt=line("reconnect.tell_names")), state
    return tell(line("reconnect.feedback_good"), line("reconnect.tomorrow")), state


def reconnect_no(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    if offer.target == "names":
        return playing.start_reconnect(state, port, None, ask_names=False)
    return tell(line("reconnect.feedback_hard"), line("reconnect.tomorrow")), state


# What an answer to "who is this?" carries on with: the request that needed to know.
AFTER_SPEAKER: Mapping[str, Handler] = {
    "checkin": lambda event, state, port: checking.start(event, "checkin", state, port),
    "history": idle.how_have_i_been,
    "delete": idle.delete_data,
}


def speaking_as(who: str, offer: Offer | None, event: Event, state: State, port: Port) -> Reply:
    """Remembered for the session; the router hands later requests the port of this person."""
    state, port = replace(state, speaker=who), port.as_speaker(who)
    carry_on = AFTER_SPEAKER.get(offer.target) if offer is not None else None
    reply = carry_on(event, state, port) if carry_on else None
    if reply is not None:
        return reply
    return ask(line("speaker.noted"), *resume(state)), state


def holder(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return speaking_as("holder", offer, event, state, port)


def partner(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    return speaking_as("partner", offer, event, state, port)


def speaker_answer(event: Event, state: State, port: Port) -> Reply:
    """"I'm the partner": answers the question if it was asked, and may also be said unasked."""
    slot = event.slot("speaker")
    who = slot.value_id if slot.value_id in SPEAKERS else None
    pending = state.offer if state.offer is not None and state.offer.kind == "speaker" else None
    if port.recognised:
        return ask(line("speaker.recognised"), *resume(state)), replace(state, offer=None)
    if who is None:
        if pending is None:
            return ask(line("speaker.not_caught"), *resume(state)), state
        return make_offer(state, (line("speaker.not_caught"),), Offer(pending.kind, pending.target))  # asked afresh
    return speaking_as(who, pending, event, replace(state, offer=None), port)


def share_side_by_side(offer: Offer, event: Event, state: State, port: Port) -> Reply:
    """Checked again at the yes: a partner may have turned sharing off since the offer."""
    now = port.together() if port.recognised else None
    reason = together.why_not(port.recognised, now)
    if reason is not None or now is None:
        return ask(reason or line("history.unavailable"), MENU), state
    return ask(*together.side_by_side(now), MENU), state


@dataclass(frozen=True)
class Kind:
    yes: Answer
    no: Answer


KINDS: Mapping[str, Kind] = {
    "strategy": Kind(yes=read_topic, no=declined),  # target: a topic id
    "exercise": Kind(yes=exercise_for_need, no=declined),  # target: a need (calm, connect)
    "check": Kind(yes=start_check, no=declined),  # target: a check kind
    "delete_data": Kind(yes=delete, no=keep),  # target: "all" (the speaker's) or "account" (everyone's)
    "play": Kind(yes=play_offered, no=declined),  # target: an exercise id
    "reconnect": Kind(yes=reconnect_yes, no=reconnect_no),  # target: "names" or "feedback"
    "speaker": Kind(yes=holder, no=partner),  # "is this the account holder?"; target: what to carry on with
    "together": Kind(yes=share_side_by_side, no=declined),  # target: "both"
    "exercises": Kind(yes=all_exercises, no=declined),  # target: "all" (after the short menu: "say more")
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
    if state.offer is not None and state.offer.kind == "speaker":  # no answer to "who is this?": asked afresh
        return make_offer(state, (line("speaker.not_caught"),), Offer(state.offer.kind, state.offer.target))
    if state.offer is not None:
        return yes(event, state, port)
    back = checking.resume_paused(event, state, port)
    if back is not None:
        return back
    return reading.read(strategies.next_strategy(None), state)


TABLE: Table = {"AMAZON.YesIntent": yes, "AMAZON.NoIntent": no, "TellMeMoreIntent": tell_me_more,
                "SpeakerAnswerIntent": speaker_answer}
