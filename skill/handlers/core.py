"""Request handlers, interceptors and the exception handler that sit between ASK and the router."""
from __future__ import annotations

import logging
import random
from types import MappingProxyType
from typing import Any, Callable

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response

from skill.dialog import EVENT_PREFIXES, LAUNCH, Event, Player, Router, Slot
from skill.render import PHRASEBOOK_KEY, render
from skill.speech import phrasebook
from skill.turns import ask, line

log = logging.getLogger(__name__)
SERVICES_KEY = "services"
# Even the name of these intents would tell a log reader what someone said.
PRIVATE_INTENTS = frozenset({"SafetyIntent", "ShareFeelingIntent"})


def event_from(handler_input: HandlerInput) -> Event:
    envelope = handler_input.request_envelope
    request, session = envelope.request, envelope.session
    name = request.intent.name if isinstance(request, IntentRequest) else request.object_type
    slots: dict[str, Slot] = {}
    if isinstance(request, IntentRequest) and request.intent.slots:
        for slot_name, slot in request.intent.slots.items():
            slots[slot_name] = Slot(heard=slot.value, value_id=_resolved_id(slot))
    return Event(
        name=name,
        slots=MappingProxyType(slots),
        locale=request.locale or "en-US",
        new_session=bool(session and session.new),
        player=_player(envelope),
        has_session=session is not None,
        audio_player_supported=_supports_audio_player(envelope),
    )


def _supports_audio_player(envelope: Any) -> bool:
    device = getattr(getattr(envelope.context, "system", None), "device", None) if envelope.context else None
    interfaces = getattr(device, "supported_interfaces", None)
    return getattr(interfaces, "audio_player", None) is not None


def _player(envelope: Any) -> Player:
    """AudioPlayer events name their own token and offset; other requests carry the device's state."""
    request = envelope.request
    if getattr(request, "object_type", "").startswith(EVENT_PREFIXES) and hasattr(request, "token"):
        return Player(request.token, int(getattr(request, "offset_in_milliseconds", 0) or 0), "EVENT")
    state = getattr(envelope.context, "audio_player", None) if envelope.context else None
    if state is None:
        return Player()
    activity = getattr(getattr(state, "player_activity", None), "value", None) or "IDLE"
    return Player(state.token, int(state.offset_in_milliseconds or 0), activity)


def _resolved_id(slot: Any) -> str | None:
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        code = getattr(getattr(authority.status, "code", None), "value", None)
        if code == "ER_SUCCESS_MATCH" and authority.values:
            return authority.values[0].value.id or authority.values[0].value.name
    return None


class PhrasebookInterceptor(AbstractRequestInterceptor):
    """Loads the request locale's messages once per request, with the skill's random source."""

    def __init__(self, rng_factory: Callable[[], random.Random]) -> None:
        self._rng_factory = rng_factory

    def process(self, handler_input: HandlerInput) -> None:
        locale = getattr(handler_input.request_envelope.request, "locale", None)
        handler_input.attributes_manager.request_attributes[PHRASEBOOK_KEY] = phrasebook(
            locale, self._rng_factory()
        )


class ServicesInterceptor(AbstractRequestInterceptor):
    """Hands the router what it may use beyond the session (history store, catalogue)."""

    def __init__(self, services_factory: Callable[[HandlerInput], Any]) -> None:
        self._factory = services_factory

    def process(self, handler_input: HandlerInput) -> None:
        handler_input.attributes_manager.request_attributes[SERVICES_KEY] = self._factory(
            handler_input
        )


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Logs the request type and intent only: never the user id, anything said, or that help was asked for."""

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        intent = request.intent.name if isinstance(request, IntentRequest) else "-"
        if intent in PRIVATE_INTENTS:
            intent = "private"
        log.info("request type=%s intent=%s", request.object_type, intent)


class ConversationHandler(AbstractRequestHandler):
    """Launch, every intent, and AudioPlayer/PlaybackController events go to the pure router."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request_type = handler_input.request_envelope.request.object_type
        return request_type in (LAUNCH, "IntentRequest") or (
            request_type.startswith(EVENT_PREFIXES) and request_type in self.router.routes)

    def handle(self, handler_input: HandlerInput) -> Response:
        has_session = handler_input.request_envelope.session is not None
        session = handler_input.attributes_manager.session_attributes if has_session else {}
        services = handler_input.attributes_manager.request_attributes.get(SERVICES_KEY)
        turn = self.router.respond(event_from(handler_input), session, services)
        return render(handler_input, turn)


class SessionEndedHandler(AbstractRequestHandler):
    """Alexa closed the session (user silent, said stop, or an error); no speech is allowed."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        if reason == "ERROR":
            error = getattr(request, "error", None)
            log.warning("session ended by error type=%s", getattr(getattr(error, "object_type", None), "value", None) or getattr(error, "object_type", None))
        return handler_input.response_builder.response


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """Alexa reports that our previous response failed; reply with nothing."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        log.warning("Alexa reported an error with our last response: type=%s",
                    getattr(getattr(error, "object_type", None), "value", None))
        return handler_input.response_builder.response


class UnexpectedRequestHandler(AbstractRequestHandler):
    """Any other well-formed request type gets a valid, empty response."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("no handler for request type=%s", handler_input.request_envelope.request.object_type)
        return handler_input.response_builder.response


class KindExceptionHandler(AbstractExceptionHandler):
    """Anything that breaks gets a gentle apology and a way on; the log gets the error, not the user."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("handler failed: %s: %s", type(exception).__name__, exception,
                  exc_info=(type(exception), exception, exception.__traceback__))
        request = handler_input.request_envelope.request
        if getattr(request, "object_type", None) not in {LAUNCH, "IntentRequest"}:
            return handler_input.response_builder.response
        if PHRASEBOOK_KEY not in handler_input.attributes_manager.request_attributes:
            PhrasebookInterceptor(random.Random).process(handler_input)
        return render(handler_input, ask(line("error.main"), reprompt=line("error.reprompt")))
