"""The playing state: guided exercises (in speech, spoken in parts, or on the AudioPlayer) and the reconnect routine."""
from __future__ import annotations

import logging
from dataclasses import replace

from skill.conversation.events import Event
from skill.conversation.port import Port
from skill.conversation import checking
from skill.conversation.shared import MENU, Reply, Table, leaving, make_offer, put_first
from skill.conversation.state import Spoken, State
from skill.turn import Offer, ask, line, silent
from skill.exercises import Exercise
from skill.playback import (
    FEEDBACK,
    RECONNECT_ID,
    Names,
    exercise_turn,
    full_menu_turn,
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

log = logging.getLogger(__name__)

PREFERRED_MINUTES = 2
LONGEST_ASKED_MINUTES = 60
NOT_APPLICABLE = {
    "AMAZON.LoopOnIntent": "loop", "AMAZON.LoopOffIntent": "loop",
    "AMAZON.ShuffleOnIntent": "shuffle", "AMAZON.ShuffleOffIntent": "shuffle",
}
ASK_NAMES = Offer("reconnect", "names")


def play(exercise: Exercise, event: Event, state: State, port: Port, want_controls: bool = False) -> Reply:
    if exercise.id == RECONNECT_ID:
        return start_reconnect(state, port, None)
    played = exercise_turn(exercise, port.audio_host, port.catalogue, want_controls,
                           player_ok=event.audio_player_supported)
    lead, state = leaving(state, ending=played.turn.end_session)
    # A reading in progress stays where it was; only the spoken parts replace it.
    flow = Spoken(exercise.id, played.next_part) if played.next_part is not None else (
        None if state.spoken else state.flow)
    return put_first(lead, (played.turn, replace(state, flow=flow, offer=played.offer or state.offer)))


def for_need(need: str | None, event: Event, state: State, port: Port) -> Reply:
    catalogue = port.catalogue
    pool = [e for e in catalogue.for_need(need or "") if e.fits_in_speech and e.id != RECONNECT_ID]
    chosen = catalogue.closest_length(PREFERRED_MINUTES, pool) if pool else None
    if chosen is None:
        return menu(state, port)
    return play(chosen, event, state, port)


def play_by_id(exercise_id: str, event: Event, state: State, port: Port) -> Reply:
    exercise = port.catalogue.get(exercise_id)
    return play(exercise, event, state, port) if exercise else menu(state, port)


def menu(state: State, port: Port) -> Reply:
    """The short menu; "more" (or yes) then lists them all (offers.py)."""
    turn, offer = menu_turn(port.catalogue)
    return turn, replace(state, offer=offer)


def full_menu(state: State, port: Port) -> Reply:
    return full_menu_turn(port.catalogue), state


# While an exercise plays (or is spoken in parts). A handler returning None passes the intent on to the global table.

def _continue_spoken(state: State, port: Port) -> Reply | None:
    spoken = state.spoken
    exercise = port.catalogue.get(spoken.exercise_id) if spoken else None
    if spoken is None or exercise is None:
        return None
    played = spoken_part_turn(exercise, spoken.part)
    flow = Spoken(exercise.id, played.next_part) if played.next_part is not None else None
    return played.turn, replace(state, flow=flow)


def go_on(event: Event, state: State, port: Port) -> Reply | None:
    """Resume, next or tell me more: the next spoken part, or the player resumed or moved on."""
    spoken = _continue_spoken(state, port)
    if spoken is not None or not event.player.engaged:
        return spoken
    if event.name == "AMAZON.ResumeIntent":
        return resume_turn(port.playback_position(), port.catalogue, port.audio_host), state
    if event.name == "AMAZON.NextIntent":
        return step_turn(event.player.token, 1, port.catalogue, port.audio_host), state
    return None


def yes_continues(event: Event, state: State, port: Port) -> Reply | None:
    """Asked "say continue when you're ready", yes means continue the same exercise (not the offer of another)."""
    return _continue_spoken(state, port)


def no_stops(event: Event, state: State, port: Port) -> Reply | None:
    """No to "ready for the rest?": the spoken exercise ends there, kindly, and so does the offer of another."""
    if state.spoken is None:
        return None
    return ask(line("exercise.spoken_stopped"), MENU), replace(state, flow=None, offer=None)


def help_spoken(event: Event, state: State, port: Port) -> Reply | None:
    """Help in a spoken exercise's pause explains that pause; yes or continue then still go on."""
    exercise = port.catalogue.get(state.spoken.exercise_id) if state.spoken else None
    if exercise is None:
        return None
    return ask(line("exercise.spoken_help", title=exercise.spoken_title), line("exercise.spoken_continue")), state


def pause(event: Event, state: State, port: Port) -> Reply | None:
    return (pause_turn(), state) if event.player.engaged and event.player.playing else None


def previous(event: Event, state: State, port: Port) -> Reply | None:
    if not event.player.engaged:
        return None
    return step_turn(event.player.token, -1, port.catalogue, port.audio_host), state


def restart(event: Event, state: State, port: Port) -> Reply | None:
    if not event.player.engaged:
        return None
    return restart_turn(event.player.token, port.catalogue, port.audio_host), state


def not_applicable(event: Event, state: State, port: Port) -> Reply:
    return not_applicable_turn(NOT_APPLICABLE[event.name]), state


TABLE: Table = {
    "AMAZON.ResumeIntent": go_on,
    "AMAZON.NextIntent": go_on,
    "TellMeMoreIntent": go_on,
    "AMAZON.YesIntent": yes_continues,
    "AMAZON.NoIntent": no_stops,
    "AMAZON.HelpIntent": help_spoken,
    "AMAZON.PauseIntent": pause,
    "AMAZON.StopIntent": pause,
    "AMAZON.CancelIntent": pause,
    "AMAZON.PreviousIntent": previous,
    "AMAZON.StartOverIntent": restart,
    "AMAZON.RepeatIntent": restart,
    **{name: not_applicable for name in NOT_APPLICABLE},
}


# The device's AudioPlayer reports and its buttons: no session, no speech; offsets are kept through the port.

def remember_position(event: Event, state: State, port: Port) -> Reply:
    if known_token(event.player.token, port.catalogue) and event.player.token:
        port.save_position(event.player.token, event.player.offset_ms)
    return silent(), state


def nearly_finished(event: Event, state: State, port: Port) -> Reply:
    return silent(), state


def forget_position(event: Event, state: State, port: Port) -> Reply:
    if event.name.endswith("Failed"):
        log.warning("playback failed for a known token: %s", known_token(event.player.token, port.catalogue))
    port.clear_position()
    return silent(), state


def play_button(event: Event, state: State, port: Port) -> Reply:
    turn = resume_turn(port.playback_position(), port.catalogue, port.audio_host)
    return silent(*turn.directives), state


def pause_button(event: Event, state: State, port: Port) -> Reply:
    return silent(*pause_turn().directives), state


def skip_button(event: Event, state: State, port: Port) -> Reply:
    step = 1 if event.name.endswith("NextCommandIssued") else -1
    return silent(*step_turn(event.player.token, step, port.catalogue, port.audio_host).directives), state


CONTROLS: Table = {
    "AudioPlayer.PlaybackStarted": remember_position,
    "AudioPlayer.PlaybackStopped": remember_position,
    "AudioPlayer.PlaybackNearlyFinished": nearly_finished,
    "AudioPlayer.PlaybackFinished": forget_position,
    "AudioPlayer.PlaybackFailed": forget_position,
    "PlaybackController.PlayCommandIssued": play_button,
    "PlaybackController.PauseCommandIssued": pause_button,
    "PlaybackController.NextCommandIssued": skip_button,
    "PlaybackController.PreviousCommandIssued": skip_button,
}


# From any state: asking for an exercise, the routine, or the player when nothing is playing.

def play_exercise(event: Event, state: State, port: Port) -> Reply:
    slot = event.slot("exercise")
    exercise = port.catalogue.get(slot.value_id) or port.catalogue.find(slot.heard)
    if exercise is None:
        return put_first((line("exercise.unknown"),), menu(state, port))
    return play(exercise, event, state, port, want_controls=event.name == "PausableExerciseIntent")


def exercise_for_need(event: Event, state: State, port: Port) -> Reply:
    return for_need(event.slot("need").value_id, event, state, port)


def exercise_by_length(event: Event, state: State, port: Port) -> Reply:
    asked = event.slot("minutes").number
    minutes = asked if asked and asked <= LONGEST_ASKED_MINUTES else PREFERRED_MINUTES
    pool = [e for e in port.catalogue.exercises if e.id != RECONNECT_ID]
    chosen = port.catalogue.closest_length(minutes, pool)
    return play(chosen, event, state, port) if chosen else menu(state, port)


def list_exercises(event: Event, state: State, port: Port) -> Reply:
    lead, state = leaving(state)
    return put_first(lead, menu(state, port))


def nothing_playing(event: Event, state: State, port: Port) -> Reply:
    return ask(line("player.nothing_playing"), reprompt=line("launch.reprompt")), state


def resume(event: Event, state: State, port: Port) -> Reply:
    back = checking.resume_paused(event, state, port)
    if back is not None:
        return back
    return resume_turn(port.playback_position(), port.catalogue, port.audio_host), state


def _names_from(event: Event) -> Names | None:
    one, two = event.slot("first_name").heard, event.slot("second_name").heard
    if one and two and one.strip() and two.strip():
        return Names(one.strip().title(), two.strip().title())
    return None


def start_reconnect(state: State, port: Port, names: Names | None, ask_names: bool = True) -> Reply:
    exercise = port.catalogue.get(RECONNECT_ID)
    if exercise is None:
        return menu(state, port)
    lead, state = leaving(state)
    names = names or state.names or port.remembered_names()
    if names is None and ask_names:
        return make_offer(state, (*lead, line("reconnect.welcome")), ASK_NAMES)
    return put_first(lead, (reconnect_turn(exercise, port.audio_host, names),
                            replace(state, offer=FEEDBACK, names=names or state.names)))


def reconnect(event: Event, state: State, port: Port) -> Reply:
    return start_reconnect(state, port, _names_from(event))


def couple_names(event: Event, state: State, port: Port) -> Reply:
    names = _names_from(event)
    if names is None:
        return ask(line("reconnect.names_not_caught"), reprompt=line("reconnect.names_not_caught")), state
    return start_reconnect(state, port, names)


def remember_names(event: Event, state: State, port: Port) -> Reply:
    names = _names_from(event) or state.names
    if names is None:
        return ask(line("reconnect.remember_needs_names"), reprompt=line("reconnect.remember_needs_names")), state
    saved = port.remember_names(names)
    return ask(line("reconnect.remembered" if saved else "reconnect.remember_failed", one=names.one, two=names.two),
               MENU), state


START: Table = {
    "PlayExerciseIntent": play_exercise,
    "PausableExerciseIntent": play_exercise,
    "ExerciseForNeedIntent": exercise_for_need,
    "ExerciseByLengthIntent": exercise_by_length,
    "ListExercisesIntent": list_exercises,
    "AMAZON.PauseIntent": nothing_playing,
    "AMAZON.ResumeIntent": resume,
    **{name: not_applicable for name in NOT_APPLICABLE},
    "ReconnectIntent": reconnect,
    "CoupleNamesIntent": couple_names,
    "RememberNamesIntent": remember_names,
}
