"""Bounded JSON parsing and validation of every envelope field the skill reads, before the SDK sees it."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from skill.speech import supported_locale

MAX_DEPTH = 24
MAX_NUMBER_CHARS = 24
MAX_OFFSET_MS = 2**31 - 1
MAX_TOKEN_CHARS = 1024
MAX_ID_CHARS = 512
MAX_SLOT_VALUE_CHARS = 1024
MAX_SLOTS = 32
MAX_AUTHORITIES = 8
MAX_RESOLVED_VALUES = 16
MAX_ATTRIBUTES_CHARS = 24 * 1024
MAX_ATTRIBUTES_DEPTH = 8

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_REQUEST_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9.]{0,99}$")
_INTENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,127}$")
_SLOT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")
# Characters XML 1.0 forbids: a slot value is spoken back inside SSML, and speech never contains them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AUDIO_EVENT_PREFIXES = ("AudioPlayer.", "PlaybackController.")


class Invalid(ValueError):
    """The body is not an envelope this skill will read; `reason` is for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Intake:
    payload: dict[str, Any]
    request_type: str


def _number(limit_kind: str):
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise Invalid("number_too_long")
        value = int(text) if limit_kind == "int" else float(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid("number_not_finite")
        return value
    return parse


def _constant(name: str) -> Any:
    raise Invalid("number_not_finite")


_PARSE_INT = _number("int")
_PARSE_FLOAT = _number("float")


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than limit; strings are blanked first so brackets in them don't count."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        stripped = _INNERMOST.sub("", brackets)
        if stripped == brackets:
            return False  # unbalanced: the JSON parser will refuse it
        brackets = stripped
    return bool(brackets)


def parse_json(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with a nesting limit, bounded numbers and no NaN/Infinity; raises Invalid."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("body_not_utf8") from None
    if nesting_depth_exceeds(text, max_depth):
        raise Invalid("body_too_deep")
    try:
        return json.loads(text, parse_int=_PARSE_INT, parse_float=_PARSE_FLOAT, parse_constant=_constant)
    except Invalid:
        raise
    except (ValueError, RecursionError):
        raise Invalid("body_not_json") from None


def _dict(value: Any, reason: str, optional: bool = True) -> dict[str, Any] | None:
    if value is None and optional:
        return None
    if not isinstance(value, dict):
        raise Invalid(reason)
    return value


def _text(value: Any, reason: str, limit: int, optional: bool = True, pattern: re.Pattern | None = None) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > limit or (pattern is not None and not pattern.match(value)):
        raise Invalid(reason)


def _whole(value: Any, reason: str, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(reason)


def _depth(value: Any, limit: int) -> int:
    if limit < 0:
        raise Invalid("attributes_too_deep")
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


def _check_identity(holder: Any, where: str) -> None:
    holder = _dict(holder, f"{where}_invalid")
    if holder is None:
        return
    application = _dict(holder.get("application"), f"{where}_application_invalid")
    if application is not None:
        _text(application.get("applicationId"), f"{where}_application_id_invalid", MAX_ID_CHARS)
    user = _dict(holder.get("user"), f"{where}_user_invalid")
    if user is not None:
        _text(user.get("userId"), f"{where}_user_id_invalid", MAX_ID_CHARS)
        _text(user.get("accessToken"), f"{where}_access_token_invalid", 4096)
    person = _dict(holder.get("person"), f"{where}_person_invalid")
    if person is not None:
        _text(person.get("personId"), f"{where}_person_id_invalid", MAX_ID_CHARS)


def _check_session(session: Any) -> None:
    session = _dict(session, "session_invalid")
    if session is None:
        return
    if session.get("new") is not None and not isinstance(session["new"], bool):
        raise Invalid("session_new_invalid")
    _text(session.get("sessionId"), "session_id_invalid", MAX_ID_CHARS)
    _check_identity(session, "session")
    attributes = _dict(session.get("attributes"), "session_attributes_invalid")
    if attributes is not None:
        if _depth(attributes, MAX_ATTRIBUTES_DEPTH) > MAX_ATTRIBUTES_DEPTH:
            raise Invalid("attributes_too_deep")
        if len(json.dumps(attributes)) > MAX_ATTRIBUTES_CHARS:
            raise Invalid("attributes_too_large")


def _check_player_state(state: Any, where: str) -> None:
    state = _dict(state, f"{where}_invalid")
    if state is None:
        return
    _text(state.get("token"), f"{where}_token_invalid", MAX_TOKEN_CHARS)
    _whole(state.get("offsetInMilliseconds"), f"{where}_offset_invalid", 0, MAX_OFFSET_MS)
    _text(state.get("playerActivity"), f"{where}_activity_invalid", 32)


def _check_context(context: Any) -> None:
    context = _dict(context, "context_invalid")
    if context is None:
        return
    system = _dict(context.get("System"), "context_system_invalid")
    if system is not None:
        _check_identity(system, "context")
        device = _dict(system.get("device"), "device_invalid")
        if device is not None:
            _text(device.get("deviceId"), "device_id_invalid", MAX_ID_CHARS)
            _dict(device.get("supportedInterfaces"), "device_interfaces_invalid")
        _text(system.get("apiEndpoint"), "api_endpoint_invalid", 256)
    _check_player_state(context.get("AudioPlayer"), "context_player")


def _check_slot(name: Any, slot: Any) -> None:
    if not isinstance(name, str) or not _SLOT_NAME.match(name):
        raise Invalid("slot_name_invalid")
    slot = _dict(slot, "slot_invalid", optional=False)
    _text(slot.get("name"), "slot_name_invalid", 100)
    _text(slot.get("value"), "slot_value_invalid", MAX_SLOT_VALUE_CHARS)
    if isinstance(slot.get("value"), str) and _NOT_XML.search(slot["value"]):
        raise Invalid("slot_value_not_speakable")
    _text(slot.get("confirmationStatus"), "slot_confirmation_invalid", 32)
    _dict(slot.get("slotValue"), "slot_value_invalid")
    resolutions = _dict(slot.get("resolutions"), "resolutions_invalid")
    if resolutions is None:
        return
    authorities = resolutions.get("resolutionsPerAuthority")
    if authorities is None:
        return
    if not isinstance(authorities, list) or len(authorities) > MAX_AUTHORITIES:
        raise Invalid("resolutions_invalid")
    for authority in authorities:
        authority = _dict(authority, "resolution_invalid", optional=False)
        _text(authority.get("authority"), "resolution_authority_invalid", 512)
        status = _dict(authority.get("status"), "resolution_status_invalid")
        if status is not None:
            _text(status.get("code"), "resolution_status_invalid", 64)
        values = authority.get("values")
        if values is None:
            continue
        if not isinstance(values, list) or len(values) > MAX_RESOLVED_VALUES:
            raise Invalid("resolution_values_invalid")
        for wrapper in values:
            wrapper = _dict(wrapper, "resolution_value_invalid", optional=False)
            value = _dict(wrapper.get("value"), "resolution_value_invalid", optional=False)
            _text(value.get("name"), "resolution_value_invalid", MAX_SLOT_VALUE_CHARS)
            if isinstance(value.get("name"), str) and _NOT_XML.search(value["name"]):
                raise Invalid("slot_value_not_speakable")
            _text(value.get("id"), "resolution_value_invalid", MAX_ID_CHARS)


def _check_request(request: dict[str, Any], request_type: str) -> None:
    _text(request.get("requestId"), "request_id_invalid", MAX_ID_CHARS)
    _text(request.get("timestamp"), "timestamp_invalid", 64)
    if request_type == "IntentRequest":
        intent = _dict(request.get("intent"), "intent_invalid", optional=False)
        _text(intent.get("name"), "intent_name_invalid", 128, optional=False, pattern=_INTENT_NAME)
        _text(intent.get("confirmationStatus"), "intent_confirmation_invalid", 32)
        _text(request.get("dialogState"), "dialog_state_invalid", 32)
        slots = _dict(intent.get("slots"), "slots_invalid")
        if slots is not None:
            if len(slots) > MAX_SLOTS:
                raise Invalid("slots_invalid")
            for name, slot in slots.items():
                _check_slot(name, slot)
    if request_type.startswith(_AUDIO_EVENT_PREFIXES):
        _text(request.get("token"), "event_token_invalid", MAX_TOKEN_CHARS)
        _whole(request.get("offsetInMilliseconds"), "event_offset_invalid", 0, MAX_OFFSET_MS)
    if request_type == "SessionEndedRequest":
        _text(request.get("reason"), "session_end_reason_invalid", 64)
        _dict(request.get("error"), "session_end_error_invalid")


def _has_lone_surrogate(payload: Any) -> bool:
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def intake(body: bytes) -> Intake:
    """The parsed envelope, with its locale mapped onto the shipped set; raises Invalid naming the failed check."""
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise Invalid("not_an_alexa_request")
    request = payload.get("request")
    if not isinstance(request, dict):
        raise Invalid("not_an_alexa_request")
    request_type = request.get("type")
    if not isinstance(request_type, str) or not request_type:
        raise Invalid("request_type_missing")
    if not _REQUEST_TYPE.match(request_type):
        raise Invalid("request_type_invalid")
    _text(payload.get("version"), "version_invalid", 16)
    if _has_lone_surrogate(payload):
        raise Invalid("text_not_unicode")
    locale = request.get("locale")
    if locale is not None:
        _text(locale, "locale_invalid", 32, pattern=_LOCALE)
        request["locale"] = supported_locale(locale)
    _check_request(request, request_type)
    _check_session(payload.get("session"))
    _check_context(payload.get("context"))
    return Intake(payload, request_type)


def application_id(payload: Mapping[str, Any]) -> str | None:
    """The skill id the envelope names (context first, then session), if any."""
    for path in (("context", "System", "application", "applicationId"), ("session", "application", "applicationId")):
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is not None:
            return node
    return None
