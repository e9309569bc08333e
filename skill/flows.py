"""Session-state plumbing shared by the routes: which flow is active, carrying a step on, making and taking offers."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from skill import checkin, history, questionnaire, safety, strategies
from skill.dialog import Event, Session, clear_flow
from skill.focused import FOCUSED
from skill.offers import Offer, from_session
from skill.questionnaire import FREQUENCY, FREQUENCY_AS_YES_NO, HOLDER, YES_NO, Answers, Questionnaire, Scale, Step
from skill.turns import Line, Turn, ask, line

QUESTIONNAIRES: Mapping[str, Questionnaire] = {"checkin": checkin.CHECKIN, **{k: q for k, (q, _) in FOCUSED.items()}}
MENU = line("menu.choices")
Finish = Callable[[Answers, Any], tuple[tuple[Line, ...], Offer]]


def active_questionnaire(session: Session) -> tuple[Questionnaire, dict[str, Any]] | None:
    raw = session.get("flow")
    q = QUESTIONNAIRES.get(raw.get("kind")) if isinstance(raw, Mapping) else None
    state = questionnaire.restore(q, raw) if q else None
    return (q, state) if q and state else None


def active_reading(session: Session) -> dict[str, Any] | None:
    return strategies.restore(session.get("flow"))


def leaving(session: Session) -> tuple[Line, ...]:
    """Said when another request takes over from a check in progress, so the switch never feels abrupt."""
    active = active_questionnaire(session)
    clear_flow(session)
    return (line(f"flow.left.{active[0].kind}"),) if active else ()


def resume(session: Session) -> tuple[Line, ...]:
    """What to end on after a side question: the check's question again, or the menu."""
    active = active_questionnaire(session)
    if active:
        return (line("questionnaire.back_to_it"), *questionnaire.reprompt(*active))
    return (MENU,)


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


def _finish_checkin(answers: Answers, services: Any) -> tuple[tuple[Line, ...], Offer]:
    result = checkin.score(answers)
    if result is None:
        return (line("checkin.result.too_few"),), Offer("check", "checkin")
    previous = history.recent(services, 1)
    compared = history.compare(previous[0], result) if previous else ()
    history.save(services, result)
    return (*checkin.reading(result), *compared), checkin.next_step(result)


def _finisher(kind: str) -> Finish:
    if kind == "checkin":
        return _finish_checkin
    summarise = FOCUSED[kind][1]

    def finish(answers: Answers, services: Any) -> tuple[tuple[Line, ...], Offer]:
        summary = summarise(answers)
        return summary.lines, summary.offer
    return finish


def carry_on(q: Questionnaire, step: Step, session: Session, services: Any, lead: tuple[Line, ...] = ()) -> Turn:
    if step.alarm:
        return safety_turn(session)
    if not step.finished:
        session["flow"] = step.state
        return ask(*lead, *step.say, reprompt=questionnaire.reprompt(q, step.state))
    clear_flow(session)
    lines, offer = _finisher(q.kind)(step.answers, services)
    return make_offer(session, (*lead, *step.say, *lines), offer)


def start_check(kind: str, session: Session, services: Any) -> Turn:
    q = QUESTIONNAIRES[kind]
    active = active_questionnaire(session)
    if active and active[0] is q:
        return carry_on(q, questionnaire.start_over(q), session, services)
    lead = leaving(session)
    session.pop("offer", None)
    return carry_on(q, questionnaire.start(q), session, services, lead)


def read(reading: strategies.Reading, session: Session, lead: tuple[Line, ...] = ()) -> Turn:
    session["flow"] = reading.state
    if reading.offer is not None:
        session["offer"] = reading.offer.to_session()
    return ask(*lead, *reading.say, reprompt=reading.reprompt)


def make_offer(session: Session, lines: tuple[Line, ...], offer: Offer) -> Turn:
    session["offer"] = offer.to_session()
    return ask(*lines, offer.question)


def take_offer(session: Session) -> Offer | None:
    return from_session(session.pop("offer", None))


def pending_offer(session: Session) -> Offer | None:
    return from_session(session.get("offer"))


OfferHandler = Callable[[Offer, Event, Session, Any], Turn]


def _read_topic(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    if offer.target not in strategies.BY_ID:
        return ask(line("reading.unknown_topic"), MENU)
    return read(strategies.read(offer.target), session)


def _start_offered_check(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    if offer.target not in QUESTIONNAIRES:
        return ask(line("fallback.main"), MENU)
    return start_check(offer.target, session, services)


def _delete_data(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    return ask(line("delete.done" if history.erase(services) else "delete.failed"), MENU)


# What "yes" and "no" do, per kind of offer; skill.exercise_routes adds the exercise kinds.
OFFER_HANDLERS: dict[str, OfferHandler] = {
    "strategy": _read_topic,
    "check": _start_offered_check,
    "delete_data": _delete_data,
}
DECLINE_HANDLERS: dict[str, Callable[[Offer, Session, Any], Turn]] = {}


def accept(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    return OFFER_HANDLERS[offer.kind](offer, event, session, services)


def decline(offer: Offer, session: Session, services: Any) -> Turn:
    if offer.kind in DECLINE_HANDLERS:
        return DECLINE_HANDLERS[offer.kind](offer, session, services)
    if offer.kind == "delete_data":
        return ask(line("delete.kept"), MENU)
    if offer.then is not None:
        return make_offer(session, (line("offer.declined_then"),), offer.then)
    return ask(line("offer.declined"), MENU)


def safety_turn(session: Session) -> Turn:
    """Drops the flow and any offer, so nothing of the moment stays in the session either."""
    clear_flow(session)
    session.pop("offer", None)
    session.pop("last", None)
    return safety.response()
