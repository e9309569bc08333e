"""Playing exercises: SSML audio, the AudioPlayer, or a spoken version with pauses; pure, no ASK or Flask."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from audio.contract import KINDS, SSML_AUDIO_LIMIT_MS
from skill.turn import Clip, Line, Offer, Piece, PlayAudio, StopAudio, Turn, ask, line, silent, tell
from skill.exercises import Catalogue, Cue, Exercise, audio_url, parse_token

SPOKEN_PART_LIMIT_MS = 200_000
SPOKEN_PART_CHAR_LIMIT = 6_000
# Spoken (no hosted audio): no silence longer than the audio build allows, and none at all before a part's last words.
LONGEST_SPOKEN_PAUSE_MS = 20_000
PART_END_PAUSE_MS = 2_000


@dataclass(frozen=True)
class AudioHost:
    """Where Alexa can fetch built audio, and which built files exist here."""

    base_url: str | None
    has_file: Callable[[str], bool] = lambda name: False

    def url(self, file: str) -> str | None:
        url = audio_url(self.base_url, file)
        return url if url and self.has_file(file) else None


@dataclass(frozen=True)
class Names:
    one: str
    two: str


def spoken_pieces(cues: Sequence[Cue], until_ms: int | None = None) -> list[Line]:
    """The script read aloud: each cue's words, then silence until the next cue starts."""
    pieces: list[Line] = []
    speech = [cue for cue in cues if cue.kind == "speech" and cue.text]
    for index, cue in enumerate(speech):
        next_start = speech[index + 1].start_ms if index + 1 < len(speech) else until_ms
        gap = max(0, (next_start or cue.end_ms) - cue.end_ms)
        pieces.append(line("exercise.script_line", pause_ms=gap, text=cue.text))
    return pieces


def spoken_parts(exercise: Exercise) -> list[list[Line]]:
    """The spoken version split so no single response runs past Alexa's limits, and no part ends in a long silence."""
    parts: list[list[Line]] = [[]]
    part_ms = part_chars = 0
    speech = [cue for cue in exercise.timeline if cue.kind == "speech" and cue.text]
    for cue, piece in zip(speech, spoken_pieces(exercise.timeline, exercise.duration_ms)):
        piece = replace(piece, pause_ms=min(piece.pause_ms, LONGEST_SPOKEN_PAUSE_MS))
        length_ms = cue.end_ms - cue.start_ms + piece.pause_ms
        chars = len(cue.text or "")
        if parts[-1] and (part_ms + length_ms > SPOKEN_PART_LIMIT_MS or part_chars + chars > SPOKEN_PART_CHAR_LIMIT):
            parts.append([])
            part_ms = part_chars = 0
        parts[-1].append(piece)
        part_ms += length_ms
        part_chars += chars
    return [[*part[:-1], replace(part[-1], pause_ms=min(part[-1].pause_ms, PART_END_PAUSE_MS))]
            for part in parts if part]


@dataclass(frozen=True)
class Played:
    """An exercise's turn, the offer it ends on, and the spoken part still to come (if it was split)."""

    turn: Turn
    offer: Offer | None = None
    next_part: int | None = None


def exercise_turn(exercise: Exercise, host: AudioHost, catalogue: Catalogue,
                  want_controls: bool = False, player_ok: bool = True) -> Played:
    """Play one exercise the best way the device allows, and offer another afterwards."""
    url = host.url(exercise.file)
    if url and player_ok and (want_controls or not exercise.fits_in_speech):
        return Played(Turn(
            (line("exercise.player_intro", title=exercise.spoken_title),),
            end_session=True,
            directives=(PlayAudio(exercise.token, url, 0, title=exercise.title),),
        ))
    following = suggest_next(catalogue, exercise)
    offer = Offer("play", following.id) if following else None
    outro = (line("exercise.outro_offer", next_title=following.spoken_title) if following
             else line("exercise.outro"))
    if url and exercise.fits_in_speech:
        return Played(ask(line("exercise.intro", title=exercise.spoken_title), Clip(url, exercise.duration_ms), outro,
                          reprompt=outro), offer)
    spoken = spoken_part_turn(exercise, 0, outro)
    return Played(spoken.turn, offer, spoken.next_part)


def spoken_part_turn(exercise: Exercise, index: int, outro: Line | None = None) -> Played:
    parts = spoken_parts(exercise)
    index = max(0, min(index, len(parts) - 1))
    opening = [line("exercise.spoken_intro", title=exercise.spoken_title)] if index == 0 else []
    if index + 1 < len(parts):
        more = line("exercise.spoken_continue")
        return Played(ask(*opening, *parts[index], more, reprompt=more), next_part=index + 1)
    closing = outro or line("exercise.outro")
    return Played(ask(*opening, *parts[index], closing, reprompt=closing))


def suggest_next(catalogue: Catalogue, exercise: Exercise) -> Exercise | None:
    same_kind = [e for e in catalogue.of_kind(exercise.kind) if e.id != exercise.id
                 and e.duration_ms <= SSML_AUDIO_LIMIT_MS]
    return same_kind[0] if same_kind else None


# The short menu names this many of each kind (the ones that suit the most needs), then offers the rest.
MENU_PICKS = {"regulation": 2, "connection": 1, "couple": 1}
MORE_EXERCISES = Offer("exercises", "all")
_COUNT_WORDS = ("one", "two")


def _kinds(catalogue: Catalogue) -> list[str]:
    return sorted(catalogue.kinds, key=lambda k: (KINDS.index(k) if k in KINDS else 99, k))


def menu_picks(catalogue: Catalogue) -> dict[str, list[Exercise]]:
    picks = {}
    for kind in _kinds(catalogue):
        chosen = sorted(catalogue.of_kind(kind), key=lambda e: (-len(e.needs), e.id))[:MENU_PICKS.get(kind, 1)]
        picks[kind] = chosen[:len(_COUNT_WORDS)]
    return picks


def menu_turn(catalogue: Catalogue) -> tuple[Turn, Offer | None]:
    """A short menu: a few exercises by kind, named so each name works said on its own, then "or say more"."""
    if not catalogue.exercises:
        return ask(line("exercise.none_built"), reprompt=line("launch.reprompt")), None
    pieces: list[Piece] = [line("exercise.menu_intro")]
    for kind, chosen in menu_picks(catalogue).items():
        names = {("first", "second")[i]: exercise.spoken_title for i, exercise in enumerate(chosen)}
        pieces.append(line(f"exercise.menu_short.{kind}.{_COUNT_WORDS[len(chosen) - 1]}", **names))
    more = len(catalogue.exercises) > sum(len(chosen) for chosen in menu_picks(catalogue).values())
    question = line("exercise.menu_more" if more else "exercise.menu_question")
    return ask(*pieces, question, reprompt=question), (MORE_EXERCISES if more else None)


def full_menu_turn(catalogue: Catalogue) -> Turn:
    """Every exercise, by kind, with lengths."""
    if not catalogue.exercises:
        return ask(line("exercise.none_built"), reprompt=line("launch.reprompt"))
    pieces: list[Piece] = [line("exercise.menu_all")]
    for kind in _kinds(catalogue):
        pieces.append(line(f"exercise.menu_kind.{kind}"))
        pieces.extend(_menu_item(exercise) for exercise in catalogue.of_kind(kind))
    question = line("exercise.menu_question")
    return ask(*pieces, question, reprompt=question)


def _menu_item(exercise: Exercise) -> Line:
    if "minute" in exercise.title.lower():
        return line("exercise.menu_item_named_length", title=exercise.spoken_title)
    if exercise.minutes == 1:
        return line("exercise.menu_item_one_minute", title=exercise.spoken_title)
    return line("exercise.menu_item", title=exercise.spoken_title, minutes=exercise.minutes)


# AudioPlayer: long exercises and "so I can pause it". Events carry no session; offsets are stored.

@dataclass(frozen=True)
class Saved:
    token: str
    offset_ms: int


def resume_turn(saved: Saved | None, catalogue: Catalogue, host: AudioHost) -> Turn:
    if saved is None:
        return ask(line("player.nothing_to_resume"), reprompt=line("launch.reprompt"))
    parsed = parse_token(saved.token)
    exercise = catalogue.get(parsed[0]) if parsed else None
    url = host.url(exercise.file) if exercise else None
    if exercise is None or url is None:
        return ask(line("player.cannot_resume"), reprompt=line("launch.reprompt"))
    if parsed[1] != exercise.version:
        return Turn((line("player.resume_new_version", title=exercise.spoken_title),), end_session=True,
                    directives=(PlayAudio(exercise.token, url, 0, title=exercise.title),))
    return Turn((), end_session=True,
                directives=(PlayAudio(exercise.token, url, saved.offset_ms, title=exercise.title),))


def restart_turn(token: str | None, catalogue: Catalogue, host: AudioHost) -> Turn:
    parsed = parse_token(token)
    exercise = catalogue.get(parsed[0]) if parsed else None
    url = host.url(exercise.file) if exercise else None
    if exercise is None or url is None:
        return ask(line("player.nothing_playing"), reprompt=line("launch.reprompt"))
    return Turn((), end_session=True, directives=(PlayAudio(exercise.token, url, 0, title=exercise.title),))


def step_turn(token: str | None, step: int, catalogue: Catalogue, host: AudioHost) -> Turn:
    """Next or previous exercise while the player is in charge."""
    parsed = parse_token(token)
    neighbour = catalogue.neighbour(parsed[0], step) if parsed else None
    url = host.url(neighbour.file) if neighbour else None
    if neighbour is None or url is None:
        edge = "player.no_next" if step > 0 else "player.no_previous"
        return silent() if token is None else Turn((line(edge),), end_session=True)
    return Turn((line("exercise.player_intro", title=neighbour.spoken_title),), end_session=True,
                directives=(PlayAudio(neighbour.token, url, 0, title=neighbour.title),))


def pause_turn() -> Turn:
    return Turn((), end_session=True, directives=(StopAudio(),))


def not_applicable_turn(feature: str) -> Turn:
    return tell(line(f"player.not_applicable.{feature}"))


def known_token(token: str | None, catalogue: Catalogue) -> bool:
    parsed = parse_token(token)
    return bool(parsed and catalogue.get(parsed[0]))


# The couple's reconnect routine.

RECONNECT_ID = "reconnect-2min"
# How the routine's script addresses each partner (audio/exercises/reconnect-2min.yaml): given names replace these words.
PARTNER_ADDRESS = re.compile(r"\bpartner (one|two)\b", re.IGNORECASE)


FEEDBACK = Offer("reconnect", "feedback")


def reconnect_turn(exercise: Exercise, host: AudioHost, names: Names | None) -> Turn:
    """The built routine as one clip; with names (or no hosted audio) spoken from its timeline, each person addressed
    once, by name, where the script says partner one or two. Asks FEEDBACK afterwards."""
    question = line("reconnect.how_did_it_go")
    opening = line("reconnect.intro_named", one=names.one, two=names.two) if names else line("reconnect.intro")
    full_url = host.url(exercise.file)
    if names is None and full_url:
        return ask(opening, Clip(full_url, exercise.duration_ms), question, reprompt=question)
    cues = [replace(cue, text=addressed(cue.text, names)) if names and cue.text else cue for cue in exercise.timeline]
    pieces = spoken_pieces(cues, exercise.duration_ms)
    if pieces:
        pieces[-1] = replace(pieces[-1], pause_ms=min(pieces[-1].pause_ms, PART_END_PAUSE_MS))
    return ask(opening, *pieces, question, reprompt=question)


def addressed(text: str, names: Names) -> str:
    """"Partner one, share one worry" -> "Sam, share one worry": the name instead of the number, never beside it."""
    return PARTNER_ADDRESS.sub(lambda found: names.one if found.group(1).lower() == "one" else names.two, text)
