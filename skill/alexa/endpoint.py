"""The skill endpoint without Flask: bytes and headers in, (status, JSON) out; every failure is a 4xx."""
from __future__ import annotations

import json
import logging
import random
from datetime import date, datetime
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Request, RequestEnvelope

from skill.alexa.handlers import (
    ConversationHandler,
    ExceptionEncounteredHandler,
    KindExceptionHandler,
    PhrasebookInterceptor,
    RequestLogInterceptor,
    ServicesInterceptor,
    SessionEndedHandler,
    UnexpectedRequestHandler,
)
from skill.alexa.intake import Invalid, application_id, intake
from skill.conversation.router import Router, build_router
from skill.alexa.verification import RequestVerifier, VerificationError

log = logging.getLogger(__name__)
SUPPORTED_VERSION = "1.0"
REFUSAL = "bad_request"


class EnvelopeSerializer(DefaultSerializer):
    """The SDK's serializer, with Alexa's ISO 8601 timestamps read by the standard library.

    The SDK parses them with dateutil, which took a tenth of each request; name mangling makes
    this method the one the SDK's private __deserialize calls. Anything unusual still goes to dateutil.
    """

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = datetime.fromisoformat(payload)
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed.date() if obj_type is date else parsed
        return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)


@dataclass(frozen=True)
class EndpointReply:
    status: int
    body: dict[str, Any]


def build_skill(
    services_factory: Callable[[HandlerInput], Any] = lambda handler_input: None,
    rng_factory: Callable[[], random.Random] = random.Random,
    persistence_adapter: Any = None,
    router: Router | None = None,
    extra_handlers: tuple = (),
) -> CustomSkill:
    builder = CustomSkillBuilder(persistence_adapter=persistence_adapter)
    builder.add_global_request_interceptor(RequestLogInterceptor())
    builder.add_global_request_interceptor(PhrasebookInterceptor(rng_factory))
    builder.add_global_request_interceptor(ServicesInterceptor(services_factory))
    for handler in (
        *extra_handlers,
        ConversationHandler(router or build_router()),
        SessionEndedHandler(),
        ExceptionEncounteredHandler(),
        UnexpectedRequestHandler(),
    ):
        builder.add_request_handler(handler)
    builder.add_exception_handler(KindExceptionHandler())
    return builder.create()


class SkillEndpoint:
    """Parses, validates, verifies and dispatches one Alexa request.

    Every refusal is the same plain 400 to the caller; the specific reason goes to the log only,
    so an unsigned caller learns nothing about which check failed.
    """

    def __init__(self, skill: CustomSkill, verifier: RequestVerifier | None, skill_id: str | None = None) -> None:
        self.skill = skill
        self.verifier = verifier
        self.skill_id = skill_id
        self.serializer = EnvelopeSerializer()

    def handle(self, headers: Mapping[str, str], body: bytes) -> EndpointReply:
        try:
            checked = intake(body)
        except Invalid as error:
            return self._refuse(error.reason)
        payload = checked.payload
        if self.verifier is not None:
            try:
                self.verifier.verify(headers, body, payload)
            except VerificationError as error:
                return self._refuse(error.reason)
        elif self.skill_id is not None and application_id(payload) != self.skill_id:
            return self._refuse("application_id_mismatch")
        if checked.request_type not in Request.discriminator_value_class_map:
            log.info("unknown request type answered with an empty response")
            return EndpointReply(200, {"version": SUPPORTED_VERSION, "response": {}})
        try:
            envelope = self.serializer._DefaultSerializer__deserialize(payload, RequestEnvelope)
        except Exception as error:  # the SDK raises several types for one cause: bad shape
            return self._refuse(f"envelope_invalid:{type(error).__name__}")
        if envelope is None or envelope.request is None:
            return self._refuse("request_type_unknown")
        try:
            response = self.skill.invoke(request_envelope=envelope, context=None)
        except Exception as error:  # the skill's own exception handler failed too: answer quietly
            log.error("skill dispatch failed: %s", type(error).__name__)
            return EndpointReply(200, {"version": SUPPORTED_VERSION, "response": {}})
        return EndpointReply(200, self.serializer.serialize(response))

    @staticmethod
    def _refuse(reason: str) -> EndpointReply:
        log.warning("refused request: %s", json.dumps({"reason": reason}))
        return EndpointReply(400, {"error": REFUSAL})
