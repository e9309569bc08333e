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
from skill.conversation.router import Router, build_router
from skill.alexa.verification import RequestVerifier, VerificationError

log = logging.getLogger(__name__)
SUPPORTED_VERSION = "1.0"


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
    """Parses, verifies and dispatches one Alexa request; reasons for refusals are short and logged."""

    def __init__(self, skill: CustomSkill, verifier: RequestVerifier | None) -> None:
        self.skill = skill
        self.verifier = verifier
        self.serializer = EnvelopeSerializer()

    def handle(self, headers: Mapping[str, str], body: bytes) -> EndpointReply:
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._refuse("body_not_json")
        if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
            return self._refuse("not_an_alexa_request")
        request_type = payload["request"].get("type")
        if not request_type or not isinstance(request_type, str):
            return self._refuse("request_type_missing")
        if self.verifier is not None:
            try:
                self.verifier.verify(headers, body, payload)
            except VerificationError as error:
                return self._refuse(error.reason)
        if request_type not in Request.discriminator_value_class_map:
            log.info("unknown request type answered with an empty response")
            return EndpointReply(200, {"version": SUPPORTED_VERSION, "response": {}})
        try:
            envelope = self.serializer.deserialize(body.decode("utf-8"), RequestEnvelope)
        except Exception as error:  # the SDK raises several types for one cause: bad shape
            log.info("envelope did not deserialise: %s", type(error).__name__)
            return self._refuse("envelope_invalid")
        if envelope is None or envelope.request is None:
            return self._refuse("request_type_unknown")
        response = self.skill.invoke(request_envelope=envelope, context=None)
        return EndpointReply(200, self.serializer.serialize(response))

    @staticmethod
    def _refuse(reason: str) -> EndpointReply:
        log.warning("refused request: %s", json.dumps({"reason": reason}))
        return EndpointReply(400, {"error": reason})
