"""Request handlers, interceptors and the exception handler that sit between ASK and the router."""
from __future__ import annotations

import logging
import random
from typing import Callable

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response

from skill.alexa.events import event_from
from skill.alexa.render import PHRASEBOOK_KEY, render
from skill.conversation.events import LAUNCH
from skill.conversation.port import Detached, Port
from skill.conversation.router import Router
from skill.conversation.state import from_session, to_session
from skill.turn import ask, line
from skill.speech import phrasebook

log = logging.getLogger(__name__)
SERVICES_KEY = "services"
# Even the name of these intents would tell a log reader what someone said.
PRIVATE_INTENTS = frozenset({"SafetyIntent", "ShareFeelingIntent"})


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
    """Hands the router its port: what it may use beyond the session (history store, catalogue)."""

    def __init__(self, services_factory: Callable[[HandlerInput], Port | None]) -> None:
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
        return request_type in (LAUNCH, "IntentRequest") or request_type in self.router.controls

    def handle(self, handler_input: HandlerInput) -> Response:
        """The session is read into a State and written back from the new one here, and nowhere else."""
        event = event_from(handler_input)
        manager = handler_input.attributes_manager
        state = from_session(manager.session_attributes) if event.has_session else from_session(None)
        port = manager.request_attributes.get(SERVICES_KEY) or Detached()
        turn, new_state = self.router.respond(event, state, port)
        if event.has_session:
            manager.session_attributes = to_session(new_state)
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
