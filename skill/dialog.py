"""The conversation router: pure Python, no ASK or Flask. An Event and the session go in, a Turn comes out."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, MutableMapping

from skill.turns import Turn

LAUNCH = "LaunchRequest"
EVENT_PREFIXES = ("AudioPlayer.", "PlaybackController.")


@dataclass(frozen=True)
class Slot:
    """A slot as Alexa filled it: what was heard, and the canonical value id if it resolved."""

    heard: str | None = None
    value_id: str | None = None

    @property
    def filled(self) -> bool:
        return bool(self.heard or self.value_id)


@dataclass(frozen=True)
class Player:
    """What the device's AudioPlayer reports: the token it holds, where it is, and what it is doing."""

    token: str | None = None
    offset_ms: int = 0
    activity: str = "IDLE"

    @property
    def engaged(self) -> bool:
        return bool(self.token) and self.activity in {"PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN"}


@dataclass(frozen=True)
class Event:
    """A user's request, reduced to what the conversation needs."""

    name: str
    slots: Mapping[str, Slot] = field(default_factory=lambda: MappingProxyType({}))
    locale: str = "en-US"
    new_session: bool = False
    player: Player = field(default_factory=Player)
    has_session: bool = True
    audio_player_supported: bool = True

    def slot(self, name: str) -> Slot:
        return self.slots.get(name) or Slot()

    def heard_text(self) -> str:
        return " ".join(slot.heard for slot in self.slots.values() if slot.heard)


Session = MutableMapping[str, Any]
Route = Callable[[Event, Session, Any], Turn]


@dataclass
class Router:
    """Intent name -> route. Earlier guards (e.g. the safety net) may answer before any route."""

    routes: dict[str, Route] = field(default_factory=dict)
    guards: list[Route | Callable[[Event, Session, Any], Turn | None]] = field(default_factory=list)
    fallback: Route | None = None
    # Run after a route (not after a guard, so what a guard said is never remembered), with the session as it was.
    afters: list[Callable[[Event, Session, Turn, Mapping[str, Any]], None]] = field(default_factory=list)

    def route(self, *names: str) -> Callable[[Route], Route]:
        def register(function: Route) -> Route:
            for name in names:
                if name in self.routes:
                    raise ValueError(f"{name} already has a route")
                self.routes[name] = function
            return function
        return register

    def guard(self, function: Callable[[Event, Session, Any], Turn | None]) -> Callable:
        self.guards.append(function)
        return function

    def after(self, function: Callable[[Event, Session, Turn, Mapping[str, Any]], None]) -> Callable:
        self.afters.append(function)
        return function

    def respond(self, event: Event, session: Session, services: Any) -> Turn:
        for guard in self.guards:
            turn = guard(event, session, services)
            if turn is not None:
                return turn
        route = self.routes.get(event.name) or self.fallback
        if route is None:
            raise LookupError(f"no route for {event.name}")
        before = dict(session)
        turn = route(event, session, services)
        for hook in self.afters:
            hook(event, session, turn, before)
        return turn

    @property
    def intent_names(self) -> set[str]:
        return {name for name in self.routes if name != LAUNCH and not name.startswith(EVENT_PREFIXES)}


router = Router()


def clear_flow(session: Session) -> None:
    for key in [key for key in session if key.startswith("flow")]:
        del session[key]


# The routes live in skill.routes and skill.exercise_routes; importing them registers them on `router`.
from skill import routes as _routes  # noqa: E402,F401  (first: its safety guard runs before any other)
from skill import exercise_routes as _exercise_routes  # noqa: E402,F401
