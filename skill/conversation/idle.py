"""The idle state, and the global intents every state falls back on: launch, help, stop, history, delete, share, fallback.

History is only read for the person speaking: a recognised voice, or an unrecognised one that said who it is.
"""
from __future__ import annotations

from dataclasses import replace

from skill import history, together
from skill.conversation.events import LAUNCH, Event
from skill.conversation.port import Port
from skill.conversation.shared import (
    MENU, Handler, Reply, Table, ask_speaker, leaving, make_offer, needs_speaker, resume,
)
from skill.conversation.state import State
from skill.turn import Offer, ask, line, tell

DELETE_DATA = Offer("delete_data", "all")  # the speaking person's data
DELETE_ALL_DATA = Offer("delete_data", "account")  # everyone's on the account
SIDE_BY_SIDE = Offer("together", "both")


def welcome(event: Event, state: State, port: Port) -> Reply:
    """The same welcome for everyone: a shared speaker never says when anyone last checked in."""
    return ask(line("launch.welcome"), reprompt=line("launch.reprompt")), State(names=state.names, speaker=state.speaker)


def help_menu(event: Event, state: State, port: Port) -> Reply:
    """With a question pending, help explains it and asks it again, so the next yes still answers it."""
    if state.offer is not None:
        return ask(line("help.offer"), state.offer.question), state
    return ask(line("help.main"), line("help.disclaimer"), reprompt=line("help.reprompt")), state


def goodbye(event: Event, state: State, port: Port) -> Reply:
    return tell(line("goodbye.main")), replace(state, flow=None)


def how_have_i_been(event: Event, state: State, port: Port) -> Reply:
    if needs_speaker(state, port):
        lead, left = leaving(state)  # a yes now answers the question, not a check in progress
        return ask_speaker(left, "history", lead)
    records = port.recent_checkins()
    said = (line("history.unavailable"),) if records is None else history.trend(records)
    return ask(*said, *resume(state)), state


def delete_data(event: Event, state: State, port: Port) -> Reply:
    lead, left = leaving(state)
    if needs_speaker(left, port):
        return ask_speaker(left, "delete", lead)
    return make_offer(left, lead, DELETE_DATA)


def delete_all_data(event: Event, state: State, port: Port) -> Reply:
    lead, left = leaving(state)
    return make_offer(left, lead, DELETE_ALL_DATA)


def how_are_we_both(event: Event, state: State, port: Port) -> Reply:
    """Only for two recognised voices that both checked in and both share; it first says what it will share."""
    reason = together.why_not(port.recognised, port.together() if port.recognised else None)
    if reason is not None:
        return ask(reason, *resume(state)), state
    lead, left = leaving(state)
    return make_offer(left, lead, SIDE_BY_SIDE)


def sharing(on: bool) -> Handler:
    def handler(event: Event, state: State, port: Port) -> Reply:
        if not port.recognised:
            said = line("sharing.needs_voice")
        elif not port.set_sharing(on):
            said = line("sharing.failed")
        else:
            said = line("sharing.turned_on") if on else line("sharing.turned_off")
        return ask(said, *resume(state)), state
    return handler


def share_feeling(event: Event, state: State, port: Port) -> Reply:
    """What was said is never kept: the safety net has already looked at it; here it only gets a kind word."""
    return ask(line("share.thanks"), *resume(state)), state


def not_asked(event: Event, state: State, port: Port) -> Reply:
    return ask(line("answer.not_asked"), MENU), state


def nothing_to_skip(event: Event, state: State, port: Port) -> Reply:
    return ask(line("nothing_to_skip"), MENU), state


def dont_know(event: Event, state: State, port: Port) -> Reply:
    return make_offer(state, (line("dont_know.general"),), Offer("check", "checkin"))


def repeat(event: Event, state: State, port: Port) -> Reply:
    if state.last:
        return ask(*state.last), state
    return ask(line("nothing_to_repeat"), MENU), state


def nothing_to_go_back_to(event: Event, state: State, port: Port) -> Reply:
    return ask(line("nothing_to_go_back_to"), MENU), state


def not_understood(event: Event, state: State, port: Port) -> Reply:
    """The last step of the router, for FallbackIntent and any intent no table knows."""
    if state.offer is not None:
        return ask(line("fallback.offer"), state.offer.question), state
    return ask(line("fallback.main"), reprompt=line("fallback.reprompt")), state


# In the idle state, and in any state whose own table does not answer the intent.
TABLE: Table = {
    LAUNCH: welcome,
    "AMAZON.StartOverIntent": welcome,
    "AMAZON.HelpIntent": help_menu,
    "AMAZON.StopIntent": goodbye,
    "AMAZON.CancelIntent": goodbye,
    "AMAZON.NavigateHomeIntent": goodbye,
    "HistoryIntent": how_have_i_been,
    "DeleteDataIntent": delete_data,
    "DeleteAllDataIntent": delete_all_data,
    "BothOfUsHistoryIntent": how_are_we_both,
    "SharingOffIntent": sharing(False),
    "SharingOnIntent": sharing(True),
    "ShareFeelingIntent": share_feeling,
    "AnswerFrequencyIntent": not_asked,
    "WorkloadAnswerIntent": not_asked,
    "SkipIntent": nothing_to_skip,
    "AMAZON.NextIntent": nothing_to_skip,
    "DontKnowIntent": dont_know,
    "AMAZON.RepeatIntent": repeat,
    "AMAZON.PreviousIntent": nothing_to_go_back_to,
    "AMAZON.FallbackIntent": not_understood,
}
