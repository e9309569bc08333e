"""What the skill says in one turn, as message ids, and what it offers next: rendered elsewhere."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Line:
    """One message to speak, its placeholder values, and an optional pause after it."""

    id: str
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    pause_ms: int = 0


@dataclass(frozen=True)
class Clip:
    """A pre-built audio file to play inside the speech (SSML <audio>)."""

    url: str
    duration_ms: int


Piece = Line | Clip


@dataclass(frozen=True)
class PlayAudio:
    """AudioPlayer.Play: a long exercise the listener can pause and resume."""

    token: str
    url: str
    offset_ms: int = 0
    behavior: str = "REPLACE_ALL"
    expected_previous_token: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class StopAudio:
    """AudioPlayer.Stop."""


Directive = PlayAudio | StopAudio


@dataclass(frozen=True)
class Offer:
    """A question ("would you like ...?") that a later yes or no answers; what they do is in offers.py."""

    kind: str
    target: str
    then: Offer | None = None  # offered next if this one is declined

    @property
    def question(self) -> Line:
        if self.kind in GENERIC_QUESTION:
            return line(f"offer.{self.kind}.any")
        return line(f"offer.{self.kind}.{self.target}")


# Which session field names the offer's target, per kind: every kind of offer there is.
TARGET_FIELD: Mapping[str, str] = {"strategy": "topic", "exercise": "need", "check": "check", "delete_data": "scope",
                                   "play": "id", "reconnect": "step", "speaker": "then", "together": "share",
                                   "exercises": "list"}
# Kinds whose target is data (an exercise id, what to do next), so the question is one message for all targets.
GENERIC_QUESTION = frozenset({"play", "speaker"})


def line(message_id: str, pause_ms: int = 0, **params: Any) -> Line:
    return Line(message_id, MappingProxyType(dict(params)), pause_ms)


@dataclass(frozen=True)
class Turn:
    """A reply: what to say, what to say if the user is silent, and whether the session ends."""

    say: tuple[Piece, ...]
    reprompt: tuple[Line, ...] = ()
    end_session: bool | None = False
    card: tuple[str, tuple[Line, ...]] | None = None
    directives: tuple[Directive, ...] = ()

    @property
    def message_ids(self) -> list[str]:
        return [piece.id for piece in self.say if isinstance(piece, Line)]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(piece for piece in self.say if isinstance(piece, Line))


def ask(*say: Piece, reprompt: tuple[Line, ...] | Line | None = None) -> Turn:
    """A turn that keeps the microphone open; the reprompt defaults to the last line."""
    if reprompt is None:
        spoken = [piece for piece in say if isinstance(piece, Line)]
        reprompt = (spoken[-1],) if spoken else ()
    elif isinstance(reprompt, Line):
        reprompt = (reprompt,)
    return Turn(tuple(say), tuple(reprompt))


def tell(*say: Piece) -> Turn:
    """A turn that ends the session."""
    return Turn(tuple(say), (), True)


def silent(*directives: Directive) -> Turn:
    """A reply to an AudioPlayer event: directives only, no speech, no session flag."""
    return Turn((), (), None, None, tuple(directives))
