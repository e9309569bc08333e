"""Thin routes: each reads the session, calls the pure flows, and returns a Turn."""
from __future__ import annotations

from typing import Any, Mapping

from skill import flows, history, questionnaire, safety, strategies
from skill.dialog import LAUNCH, Event, Session, clear_flow, router
from skill.offers import DELETE_DATA
from skill.speech import MESSAGE_ID_PATTERN
from skill.turns import Line, Turn, ask, line, tell

YES_NO_INTENTS = ("AMAZON.YesIntent", "AMAZON.NoIntent")
# Requests after which a pending offer still stands: they re-say it or did not understand the answer.
KEEPS_OFFER = frozenset({"AMAZON.RepeatIntent", "AMAZON.FallbackIntent"})


@router.guard
def safety_net(event: Event, session: Session, services: Any) -> Turn | None:
    """Before any route, in any state: the safety intent itself, or crisis words in anything heard."""
    if event.name == "SafetyIntent" or safety.is_alarming(event.heard_text()):
        return flows.safety_turn(session)
    return None


@router.after
def tidy(event: Event, session: Session, turn: Turn, before: Mapping[str, Any]) -> None:
    """An offer only stands for the very next answer; the last turn's message ids are kept for "repeat that"."""
    if session.get("offer") is before.get("offer") and event.name not in KEEPS_OFFER:
        session.pop("offer", None)
    if not turn.end_session:
        session["last"] = [[piece.id, dict(piece.params)] for piece in turn.say if isinstance(piece, Line)]


@router.route(LAUNCH)
def welcome(event: Event, session: Session, services: Any) -> Turn:
    clear_flow(session)
    session.pop("offer", None)
    last = history.recent(services, 1)
    if last:
        return ask(line("launch.welcome_back"), history.when(last[0]), line("launch.choices"),
                   reprompt=line("launch.reprompt"))
    return ask(line("launch.welcome"), reprompt=line("launch.reprompt"))


@router.route("AMAZON.HelpIntent")
def help_menu(event: Event, session: Session, services: Any) -> Turn:
    active = flows.active_questionnaire(session)
    if active:
        return ask(line("help.in_check"), *questionnaire.reprompt(*active))
    return ask(line("help.main"), line("help.disclaimer"), reprompt=line("help.reprompt"))


@router.route("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")
def goodbye(event: Event, session: Session, services: Any) -> Turn:
    mid_check = flows.active_questionnaire(session) is not None
    clear_flow(session)
    return tell(line("goodbye.mid_check" if mid_check else "goodbye.main"))


CHECK_INTENTS = {"CheckInIntent": "checkin", "BodyCheckIntent": "body", "BothOfUsCheckIntent": "both",
                 "BurnoutOrIncompatibilityIntent": "roots", "WorkloadCheckIntent": "workload"}


@router.route(*CHECK_INTENTS)
def start_check(event: Event, session: Session, services: Any) -> Turn:
    return flows.start_check(CHECK_INTENTS[event.name], session, services)


@router.route("AnswerFrequencyIntent", "WorkloadAnswerIntent", *YES_NO_INTENTS)
def answer(event: Event, session: Session, services: Any) -> Turn:
    active = flows.active_questionnaire(session)
    if active:
        q, state = active
        step = questionnaire.answer(q, state, flows.answer_code(q.scale, event))
        return flows.carry_on(q, step, session, services)
    offer = flows.take_offer(session) if event.name in YES_NO_INTENTS else None
    if offer is not None:
        if event.name == "AMAZON.YesIntent":
            return flows.accept(offer, event, session, services)
        return flows.decline(offer, session, services)
    return ask(line("answer.not_asked"), flows.MENU)


def _questionnaire_step(session: Session, services: Any, action) -> Turn | None:
    active = flows.active_questionnaire(session)
    if not active:
        return None
    return flows.carry_on(active[0], action(*active), session, services)


@router.route("SkipIntent", "AMAZON.NextIntent")
def skip_or_next(event: Event, session: Session, services: Any) -> Turn:
    turn = _questionnaire_step(session, services, questionnaire.skip)
    if turn:
        return turn
    reading = flows.active_reading(session)
    if reading:
        return flows.read(strategies.next_topic(reading), session)
    return ask(line("nothing_to_skip"), flows.MENU)


@router.route("DontKnowIntent")
def dont_know(event: Event, session: Session, services: Any) -> Turn:
    turn = _questionnaire_step(session, services, questionnaire.dont_know)
    if turn:
        return turn
    return flows.make_offer(session, (line("dont_know.general"),), flows.Offer("check", "checkin"))


@router.route("AMAZON.RepeatIntent")
def repeat(event: Event, session: Session, services: Any) -> Turn:
    turn = _questionnaire_step(session, services, questionnaire.repeat)
    if turn:
        return turn
    reading = flows.active_reading(session)
    if reading:
        return flows.read(strategies.repeat(reading), session)
    said = _last_said(session.get("last"))
    if said:
        return ask(*said)
    return ask(line("nothing_to_repeat"), flows.MENU)


def _last_said(raw: Any) -> tuple[Line, ...]:
    """The session comes back from the device: only well-formed message ids with simple values are replayed."""
    if not isinstance(raw, list):
        return ()
    said = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and MESSAGE_ID_PATTERN.match(item[0]) and isinstance(item[1], dict)
                and all(isinstance(v, (str, int)) for v in item[1].values())):
            return ()
        said.append(line(item[0], **item[1]))
    return tuple(said)


@router.route("AMAZON.StartOverIntent")
def start_over(event: Event, session: Session, services: Any) -> Turn:
    active = flows.active_questionnaire(session)
    if active:
        return flows.carry_on(active[0], questionnaire.start_over(active[0]), session, services)
    reading = flows.active_reading(session)
    if reading:
        return flows.read(strategies.start_over(reading), session)
    return welcome(event, session, services)


@router.route("AMAZON.PreviousIntent")
def previous(event: Event, session: Session, services: Any) -> Turn:
    reading = flows.active_reading(session)
    if reading:
        return flows.read(strategies.previous_topic(reading), session)
    active = flows.active_questionnaire(session)
    if active:
        return ask(line("questionnaire.no_going_back"), *questionnaire.reprompt(*active))
    return ask(line("nothing_to_go_back_to"), flows.MENU)


@router.route("StrategyIntent")
def strategy(event: Event, session: Session, services: Any) -> Turn:
    topic = event.slot("topic")
    if topic.filled and topic.value_id not in strategies.BY_ID:
        return ask(line("reading.unknown_topic"), line("reading.topics"), *flows.resume(session))
    current = flows.active_reading(session)
    lead = flows.leaving(session)
    reading = strategies.read(topic.value_id) if topic.filled else strategies.next_strategy(current)
    return flows.read(reading, session, lead)


@router.route("TellMeMoreIntent")
def tell_me_more(event: Event, session: Session, services: Any) -> Turn:
    reading = flows.active_reading(session)
    if reading:
        return flows.read(strategies.more(reading), session)
    turn = _questionnaire_step(session, services, questionnaire.repeat)
    if turn:
        return turn
    offer = flows.take_offer(session)
    if offer is not None:
        return flows.accept(offer, event, session, services)
    return flows.read(strategies.next_strategy(None), session)


@router.route("HistoryIntent")
def how_have_i_been(event: Event, session: Session, services: Any) -> Turn:
    records = history.recent(services)
    said = (line("history.unavailable"),) if records is None else history.trend(records)
    return ask(*said, *flows.resume(session))


@router.route("DeleteDataIntent")
def delete_data(event: Event, session: Session, services: Any) -> Turn:
    lead = flows.leaving(session)
    return flows.make_offer(session, lead, DELETE_DATA)


@router.route("SafetyIntent")
def safety_intent(event: Event, session: Session, services: Any) -> Turn:
    return flows.safety_turn(session)


@router.route("ShareFeelingIntent")
def share_feeling(event: Event, session: Session, services: Any) -> Turn:
    """What was said is never kept: the safety net has already looked at it; here it only gets a kind word."""
    return ask(line("share.thanks"), *flows.resume(session))


@router.route("AMAZON.FallbackIntent")
def not_understood(event: Event, session: Session, services: Any) -> Turn:
    turn = _questionnaire_step(session, services, questionnaire.misheard)
    if turn:
        return turn
    reading = flows.active_reading(session)
    if reading:
        again = strategies.repeat(reading)
        return ask(line("fallback.in_reading"), *again.reprompt)
    offer = flows.pending_offer(session)
    if offer is not None:
        return ask(line("fallback.offer"), offer.question)
    return ask(line("fallback.main"), reprompt=line("fallback.reprompt"))


router.fallback = not_understood
