"""The checking state: the check-in and the focused checks, one question at a time, then a reading and an offer."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from skill import checkin, history, questionnaire
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.shared import (
    Handler, Reply, Table, ask_speaker, check_prompt, leaving, make_offer, needs_speaker, safety_reply,
)
from skill.conversation.state import QUESTIONNAIRES, Check, State
from skill.turn import Line, Offer, ask, line, tell
from skill.focused import FOCUSED
from skill.questionnaire import FREQUENCY, FREQUENCY_AS_YES_NO, HOLDER, YES_NO, Answers, Questionnaire, Scale, Step

START_INTENTS = {"CheckInIntent": "checkin", "BodyCheckIntent": "body", "BothOfUsCheckIntent": "both",
                 "BurnoutOrIncompatibilityIntent": "roots", "WorkloadCheckIntent": "workload"}


def _finish(kind: str, answers: Answers, port: Port) -> tuple[tuple[Line, ...], Offer]:
    """After the last answer: the check-in is scored, compared with last time and saved; a focused check summarised."""
    if kind in FOCUSED:
        summary = FOCUSED[kind][1](answers)
        return summary.lines, summary.offer
    result = checkin.score(answers)
    if result is None:
        return (line("checkin.result.too_few"),), Offer("check", "checkin")
    previous = port.recent_checkins(1)
    compared = history.compare(previous[0], result) if previous else ()
    unsaved = () if port.save_checkin(result) else (line("checkin.result.not_saved"),)
    return (*checkin.reading(result), *compared, *unsaved), checkin.next_step(result)


def carry_on(event: Event, kind: str, step: Step, state: State, port: Port, lead: tuple[Line, ...] = ()) -> Reply:
    if step.alarm:
        return safety_reply(event, state)
    if not step.finished:
        check = Check.from_dict(step.state)
        assert check is not None, "the questionnaire engine made a state it cannot read back"
        return ask(*lead, *step.say, reprompt=check_prompt(check)), replace(state, flow=check)
    lines, offer = _finish(kind, step.answers or (), port)
    return make_offer(replace(state, flow=None), (*lead, *step.say, *lines), offer)


def start(event: Event, kind: str, state: State, port: Port) -> Reply:
    """From anywhere: the named check from its first question (asked again mid-way, it starts over)."""
    q = QUESTIONNAIRES[kind]
    if state.check and state.check.kind == kind:
        return carry_on(event, kind, questionnaire.start_over(q), state, port)
    lead, left = leaving(state)
    if kind == "checkin" and needs_speaker(state, port):
        return ask_speaker(left, "checkin", lead)  # the check-in is saved and compared: whose is it?
    return carry_on(event, kind, questionnaire.start(q), replace(left, offer=None), port, lead)


def start_named(event: Event, state: State, port: Port) -> Reply:
    return start(event, START_INTENTS[event.name], state, port)


def answer_code(scale: Scale, event: Event) -> str | None:
    """The answer as a code of the active scale, or None when it does not fit (then it is treated as misheard)."""
    if event.name in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
        if scale is YES_NO:
            return "yes" if event.name == "AMAZON.YesIntent" else "no"
        # "No" to "how often do you ...?" means never; "yes" says nothing about how often.
        return "never" if scale is FREQUENCY and event.name == "AMAZON.NoIntent" else None
    if event.name == "AnswerFrequencyIntent":
        code = _slot_code(event, "frequency", FREQUENCY)
        if scale is YES_NO:
            return FREQUENCY_AS_YES_NO.get(code or "")
        return code if scale is FREQUENCY else None
    if event.name == "WorkloadAnswerIntent" and scale is HOLDER:
        return _slot_code(event, "holder", HOLDER)
    return None


def _slot_code(event: Event, name: str, scale: Scale) -> str | None:
    slot = event.slot(name)
    if slot.value_id in scale.codes:
        return slot.value_id
    heard = (slot.heard or "").strip().lower().replace(" ", "_")
    return heard if heard in scale.codes else None


def _check(state: State) -> Check:
    assert state.check is not None, "the checking table runs only while a check is in progress"
    return state.check


def answer(event: Event, state: State, port: Port) -> Reply:
    check = _check(state)
    code = answer_code(check.questionnaire.scale, event)
    return carry_on(event, check.kind, questionnaire.answer(check.questionnaire, check.as_dict(), code), state, port)


def _step(action: Callable[[Questionnaire, dict[str, Any]], Step]) -> Handler:
    def handler(event: Event, state: State, port: Port) -> Reply:
        check = _check(state)
        return carry_on(event, check.kind, action(check.questionnaire, check.as_dict()), state, port)
    return handler


def start_over(event: Event, state: State, port: Port) -> Reply:
    check = _check(state)
    return carry_on(event, check.kind, questionnaire.start_over(check.questionnaire), state, port)


def no_going_back(event: Event, state: State, port: Port) -> Reply:
    return ask(line("questionnaire.no_going_back"), *check_prompt(_check(state))), state


def help_in_check(event: Event, state: State, port: Port) -> Reply:
    return ask(line("help.in_check"), *check_prompt(_check(state))), state


def goodbye_mid_check(event: Event, state: State, port: Port) -> Reply:
    return tell(line("goodbye.mid_check")), replace(state, flow=None)


# While a check is in progress. Anything not here (a strategy, history, an exercise...) is answered by the global table.
TABLE: Table = {
    "AnswerFrequencyIntent": answer,
    "WorkloadAnswerIntent": answer,
    "AMAZON.YesIntent": answer,
    "AMAZON.NoIntent": answer,
    "SkipIntent": _step(questionnaire.skip),
    "AMAZON.NextIntent": _step(questionnaire.skip),
    "DontKnowIntent": _step(questionnaire.dont_know),
    "AMAZON.RepeatIntent": _step(questionnaire.repeat),
    "TellMeMoreIntent": _step(questionnaire.repeat),
    "AMAZON.FallbackIntent": _step(questionnaire.misheard),
    "AMAZON.StartOverIntent": start_over,
    "AMAZON.PreviousIntent": no_going_back,
    "AMAZON.HelpIntent": help_in_check,
    "AMAZON.StopIntent": goodbye_mid_check,
    "AMAZON.CancelIntent": goodbye_mid_check,
    "AMAZON.NavigateHomeIntent": goodbye_mid_check,
}
# From any state: the intents that start a check.
START: Table = {name: start_named for name in START_INTENTS}
