"""The conversation router: pure Python, no ASK or Flask. An Event and the session go in, a Turn comes out."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, MutableMapping

from skill.turns import Turn, ask, line, tell

LAUNCH = "LaunchRequest"


@dataclass(frozen=True)
class Slot:
    """A slot as Alexa filled it: what was heard, and the canonical value id if it resolved."""

    heard: str | None = None
    value_id: str | None = None

    @property
    def filled(self) -> bool:
        return bool(self.heard or self.value_id)


@dataclass(frozen=True)
class Event:
    """A user's request, reduced to what the conversation needs."""

    name: str
    slots: Mapping[str, Slot] = field(default_factory=lambda: MappingProxyType({}))
    locale: str = "en-US"
    new_session: bool = False

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

    def respond(self, event: Event, session: Session, services: Any) -> Turn:
        for guard in self.guards:
            turn = guard(event, session, services)
            if turn is not None:
                return turn
        route = self.routes.get(event.name) or self.fallback
        if route is None:
            raise LookupError(f"no route for {event.name}")
        return route(event, session, services)

    @property
    def intent_names(self) -> set[str]:
        return {name for name in self.routes if name != LAUNCH}


router = Router()


def clear_flow(session: Session) -> None:
    for key in [key for key in session if key.startswith("flow")]:
        del session[key]


@router.route(LAUNCH)
def welcome(event: Event, session: Session, services: Any) -> Turn:
    return ask(line("launch.welcome"), reprompt=line("launch.reprompt"))


@router.route("AMAZON.HelpIntent")
def help_menu(event: Event, session: Session, services: Any) -> Turn:
    return ask(line("help.main"), line("help.disclaimer"), reprompt=line("help.reprompt"))


@router.route("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")
def goodbye(event: Event, session: Session, services: Any) -> Turn:
    clear_flow(session)
    return tell(line("goodbye.main"))


def not_understood(event: Event, session: Session, services: Any) -> Turn:
    return ask(line("fallback.main"), reprompt=line("fallback.reprompt"))


router.route("AMAZON.FallbackIntent", "AMAZON.YesIntent", "AMAZON.NoIntent")(not_understood)
router.fallback = not_understood
