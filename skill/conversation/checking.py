"""The checking state: the check-in and the focused checks, one question at a time, then a reading and an offer.

Leaving a check, one rule: a side question (help, repeat, how have I been doing, sharing a feeling) is answered and
the same question asked again. Any other activity (a strategy, an exercise, the menu, delete my data) pauses the
check and says so, with the way back ("say continue the check-in"); the paused check is kept in the session, and
asking for it again ("continue the check-in", "check in", or "continue" when nothing is playing) comes back to the
very question it was paused on, answers kept, nothing skipped. If that activity ends the session (an exercise on the
player), the check ends with it and that is said instead. Starting a different check replaces a check in progress
or paused, said so too. Stop ends a check, said so; start over starts it again from the first question.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from skill import checkin, questionnaire
from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation.shared import (
    Handler, Reply, Table, ask_speaker, check_prompt, make_offer, needs_speaker, safety_reply,
)
from skill.conversation.state import QUESTIONNAIRES, Check, State
from skill.turn import Line, Offer, ask, line, tell
from skill.focused import FOCUSED
from skill.questionnaire import FREQUENCY, FREQUENCY_AS_YES_NO, HOLDER, YES_NO, Answers, Questionnaire, Scale, Step

START_INTENTS = {"CheckInIntent": "checkin", "BodyCheckIntent": "body", "BothOfUsCheckIntent": "both",
                 "BurnoutOrIncompatibilityIntent": "roots", "WorkloadCheckIntent": "workload"}


def _finish(kind: str, answers: Answers, port: Port) -> tuple[tuple[Line, ...], Offer]:
    """After the last answer: the check-in is scored and saved (past ones are spoken only when asked); a focused check summarised."""
    if kind in FOCUSED:
        summary = FOCUSED[kind][1](answers)
        return summary.lines, summary.offer
    result = checkin.score(answers)
    if result is None:
        return (line("checkin.result.too_few"),), Offer("check", "checkin")
    saved = port.save_checkin(result)
    kept = (line("checkin.result.kept" if saved else "checkin.result.not_saved"),)
    return (*checkin.reading(result), *kept), checkin.next_step(result)


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
    """From anywhere: the named check, back at the question where it stood if it is in progress or paused."""
    q = QUESTIONNAIRES[kind]
    current = state.check if state.check and state.check.kind == kind else (
        state.paused if state.paused and state.paused.kind == kind else None)
    if current is not None:
        return come_back(current, replace(state, offer=None))
    replaced = state.check or state.paused
    lead = (line(f"flow.left.{replaced.kind}"),) if replaced else ()
    left = replace(state, flow=None, paused=None, offer=None)
    if kind == "checkin" and needs_speaker(state, port):
        return ask_speaker(left, "checkin", lead)  # the check-in is saved: whose is it?
    return carry_on(event, kind, questionnaire.start(q), left, port, lead)


def come_back(check: Check, state: State) -> Reply:
    """The same question the check stood at, with its answer hint; the answers so far are kept."""
    return (ask(line("questionnaire.back_to_it"), *check_prompt(check), reprompt=check_prompt(check)),
            replace(state, flow=check, paused=None))


def resume_paused(event: Event, state: State, port: Port) -> Reply | None:
    """"Continue" with a check paused and nothing playing: back to the check; otherwise not ours."""
    if state.paused is None or event.player.engaged or state.spoken:
        return None
    return come_back(state.paused, state)


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
    """Help explains the question being asked, then asks it again; the check stays where it was."""
    check = _check(state)
    question = check.questionnaire.questions[check.at]
    return ask(line(question.help_id), line("help.in_check"), *check_prompt(check)), state


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
