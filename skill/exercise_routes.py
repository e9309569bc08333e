"""Routes for guided exercises, the AudioPlayer and the couple's reconnect routine; thin over skill.playback."""
from __future__ import annotations

import logging
from typing import Any

from skill import flows
from skill.dialog import Event, Session, router
from skill.exercises import Catalogue, Exercise
from skill.offers import Offer
from skill.playback import (
    RECONNECT_ID,
    AudioHost,
    Names,
    exercise_turn,
    known_token,
    menu_turn,
    not_applicable_turn,
    pause_turn,
    reconnect_turn,
    restart_turn,
    resume_turn,
    spoken_part_turn,
    step_turn,
)
from skill.turns import Turn, ask, line, silent, tell

log = logging.getLogger(__name__)

PREFERRED_MINUTES = 2
PLAYING = {"PLAYING", "BUFFER_UNDERRUN"}
CONTINUE_INTENTS = {"AMAZON.ResumeIntent", "AMAZON.NextIntent", "TellMeMoreIntent"}
NOT_APPLICABLE = {
    "AMAZON.LoopOnIntent": "loop", "AMAZON.LoopOffIntent": "loop",
    "AMAZON.ShuffleOnIntent": "shuffle", "AMAZON.ShuffleOffIntent": "shuffle",
}
PLAYER_INTENTS = {"AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.NextIntent", "AMAZON.PreviousIntent",
                  "AMAZON.StartOverIntent", "AMAZON.RepeatIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
                  *NOT_APPLICABLE}


def _catalogue(services: Any) -> Catalogue:
    return getattr(services, "catalogue", None) or Catalogue()


def _host(services: Any) -> AudioHost:
    return getattr(services, "audio_host", None) or AudioHost(None)


def play(exercise: Exercise, event: Event, session: Session, services: Any, want_controls: bool = False) -> Turn:
    if exercise.id == RECONNECT_ID:
        return start_reconnect(session, services, None)
    return exercise_turn(exercise, _host(services), _catalogue(services), session, want_controls,
                         player_ok=event.audio_player_supported)


def for_need(need: str | None, event: Event, session: Session, services: Any) -> Turn:
    catalogue = _catalogue(services)
    pool = [e for e in catalogue.for_need(need or "") if e.fits_in_speech and e.id != RECONNECT_ID]
    chosen = catalogue.closest_length(PREFERRED_MINUTES, pool) if pool else None
    if chosen is None:
        return menu_turn(catalogue)
    return play(chosen, event, session, services)


# While the AudioPlayer holds an exercise, transport intents steer it.

@router.guard
def player_controls(event: Event, session: Session, services: Any) -> Turn | None:
    spoken = session.get("flow_exercise")
    if event.name in CONTINUE_INTENTS and isinstance(spoken, dict):
        exercise = _catalogue(services).get(spoken.get("id"))
        part = spoken.get("part")
        if exercise and isinstance(part, int):
            return spoken_part_turn(exercise, part, session)
    if event.name not in PLAYER_INTENTS or not event.player.engaged:
        return None
    if flows.active_questionnaire(session) or flows.active_reading(session):
        return None
    playing = event.player.activity in PLAYING
    catalogue, host = _catalogue(services), _host(services)
    if event.name in ("AMAZON.PauseIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent"):
        return pause_turn() if playing else None
    if event.name == "AMAZON.ResumeIntent":
        return resume_turn(services.playback.load() if services else None, catalogue, host)
    if event.name in ("AMAZON.NextIntent", "AMAZON.PreviousIntent"):
        return step_turn(event.player.token, 1 if event.name == "AMAZON.NextIntent" else -1, catalogue, host)
    if event.name in ("AMAZON.StartOverIntent", "AMAZON.RepeatIntent"):
        return restart_turn(event.player.token, catalogue, host)
    return not_applicable_turn(NOT_APPLICABLE[event.name])


@router.route("AMAZON.PauseIntent")
def pause(event: Event, session: Session, services: Any) -> Turn:
    return ask(line("player.nothing_playing"), reprompt=line("launch.reprompt"))


@router.route("AMAZON.ResumeIntent")
def resume(event: Event, session: Session, services: Any) -> Turn:
    return resume_turn(services.playback.load() if services else None, _catalogue(services), _host(services))


@router.route(*NOT_APPLICABLE)
def not_applicable(event: Event, session: Session, services: Any) -> Turn:
    return not_applicable_turn(NOT_APPLICABLE[event.name])


# AudioPlayer and PlaybackController events: no session, no speech; offsets go to the database.

@router.route("AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackStopped")
def remember_position(event: Event, session: Session, services: Any) -> Turn:
    if services and known_token(event.player.token, _catalogue(services)):
        services.playback.save(event.player.token, event.player.offset_ms)
    return silent()


@router.route("AudioPlayer.PlaybackNearlyFinished")
def nearly_finished(event: Event, session: Session, services: Any) -> Turn:
    return silent()


@router.route("AudioPlayer.PlaybackFinished", "AudioPlayer.PlaybackFailed")
def forget_position(event: Event, session: Session, services: Any) -> Turn:
    if event.name.endswith("Failed"):
        log.warning("playback failed for a known token: %s", known_token(event.player.token, _catalogue(services)))
    if services:
        services.playback.clear()
    return silent()


@router.route("PlaybackController.PlayCommandIssued")
def play_button(event: Event, session: Session, services: Any) -> Turn:
    turn = resume_turn(services.playback.load() if services else None, _catalogue(services), _host(services))
    return silent(*turn.directives)


@router.route("PlaybackController.PauseCommandIssued")
def pause_button(event: Event, session: Session, services: Any) -> Turn:
    return silent(*pause_turn().directives)


@router.route("PlaybackController.NextCommandIssued", "PlaybackController.PreviousCommandIssued")
def skip_button(event: Event, session: Session, services: Any) -> Turn:
    step = 1 if event.name.endswith("NextCommandIssued") else -1
    return silent(*step_turn(event.player.token, step, _catalogue(services), _host(services)).directives)


# Asking for an exercise.

@router.route("PlayExerciseIntent", "PausableExerciseIntent")
def play_exercise(event: Event, session: Session, services: Any) -> Turn:
    slot = event.slot("exercise")
    catalogue = _catalogue(services)
    exercise = catalogue.get(slot.value_id) or catalogue.find(slot.heard)
    if exercise is None:
        return ask(line("exercise.unknown"), line("exercise.menu_question"), reprompt=line("exercise.menu_question"))
    return play(exercise, event, session, services, want_controls=event.name == "PausableExerciseIntent")


@router.route("ExerciseForNeedIntent")
def exercise_for_need(event: Event, session: Session, services: Any) -> Turn:
    need = event.slot("need")
    return for_need(need.value_id, event, session, services)


@router.route("ExerciseByLengthIntent")
def exercise_by_length(event: Event, session: Session, services: Any) -> Turn:
    heard = event.slot("minutes").heard or ""
    minutes = int(heard) if heard.isdigit() and 0 < int(heard) <= 60 else PREFERRED_MINUTES
    catalogue = _catalogue(services)
    pool = [e for e in catalogue.exercises if e.id != RECONNECT_ID]
    chosen = catalogue.closest_length(minutes, pool)
    return play(chosen, event, session, services) if chosen else menu_turn(catalogue)


@router.route("ListExercisesIntent")
def list_exercises(event: Event, session: Session, services: Any) -> Turn:
    return menu_turn(_catalogue(services))


# The couple's two-minute reconnect routine.

def _names_from(event: Event) -> Names | None:
    one, two = event.slot("first_name").heard, event.slot("second_name").heard
    if one and two:
        return Names(one.strip().title(), two.strip().title())
    return None


def _session_names(session: Session) -> Names | None:
    raw = session.get("couple_names")
    if isinstance(raw, dict) and isinstance(raw.get("one"), str) and isinstance(raw.get("two"), str):
        return Names(raw["one"], raw["two"])
    return None


def start_reconnect(session: Session, services: Any, names: Names | None, ask_names: bool = True) -> Turn:
    exercise = _catalogue(services).get(RECONNECT_ID)
    if exercise is None:
        return menu_turn(_catalogue(services))
    names = names or _session_names(session) or (services.remembered_names() if services else None)
    if names is None and ask_names:
        return flows.make_offer(session, (line("reconnect.welcome"),), Offer("reconnect", "names"))
    if names:
        session["couple_names"] = {"one": names.one, "two": names.two}
    return reconnect_turn(exercise, _host(services), names, session)


@router.route("ReconnectIntent")
def reconnect(event: Event, session: Session, services: Any) -> Turn:
    return start_reconnect(session, services, _names_from(event))


@router.route("CoupleNamesIntent")
def couple_names(event: Event, session: Session, services: Any) -> Turn:
    names = _names_from(event)
    if names is None:
        return ask(line("reconnect.names_not_caught"), reprompt=line("reconnect.names_not_caught"))
    return start_reconnect(session, services, names)


@router.route("RememberNamesIntent")
def remember_names(event: Event, session: Session, services: Any) -> Turn:
    names = _names_from(event) or _session_names(session)
    if names is None:
        return ask(line("reconnect.remember_needs_names"), reprompt=line("reconnect.remember_needs_names"))
    saved = services.remember_names(names) if services else False
    return ask(line("reconnect.remembered" if saved else "reconnect.remember_failed", one=names.one, two=names.two),
               flows.MENU)


def _accept_exercise(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    return for_need(offer.target, event, session, services)


def _accept_play(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    exercise = _catalogue(services).get(offer.target)
    return play(exercise, event, session, services) if exercise else menu_turn(_catalogue(services))


def _accept_reconnect(offer: Offer, event: Event, session: Session, services: Any) -> Turn:
    if offer.target == "names":
        return ask(line("reconnect.tell_names"), reprompt=line("reconnect.tell_names"))
    return tell(line("reconnect.feedback_good"), line("reconnect.tomorrow"))


def _decline_reconnect(offer: Offer, session: Session, services: Any) -> Turn:
    if offer.target == "names":
        return start_reconnect(session, services, None, ask_names=False)
    return tell(line("reconnect.feedback_hard"), line("reconnect.tomorrow"))


flows.OFFER_HANDLERS.update({"exercise": _accept_exercise, "play": _accept_play, "reconnect": _accept_reconnect})
flows.DECLINE_HANDLERS["reconnect"] = _decline_reconnect
