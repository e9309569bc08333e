"""An ASK request envelope reduced to a conversation Event; whatever shape the values arrive in, never an exception."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, RequestEnvelope

from skill.conversation.events import EVENT_PREFIXES, Event, Player, Slot

# Alexa offsets are Java longs; anything outside a day of audio is not a position we could have given out.
MAX_OFFSET_MS = 24 * 60 * 60 * 1000
MAX_SLOT_CHARS = 500


def event_from(handler_input: HandlerInput) -> Event:
    envelope = handler_input.request_envelope
    request, session = envelope.request, envelope.session
    intent = request.intent if isinstance(request, IntentRequest) else None
    name = _text(getattr(intent, "name", None)) or _text(getattr(request, "object_type", None)) or ""
    locale = _text(getattr(request, "locale", None))
    return Event(
        name=name,
        slots=MappingProxyType(_slots(getattr(intent, "slots", None))),
        locale=locale or "en-US",
        player=_player(envelope),
        has_session=session is not None,
        audio_player_supported=_supports_audio_player(envelope),
    )


def _text(value: Any, limit: int = MAX_SLOT_CHARS) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _offset(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_OFFSET_MS:
        return value
    return 0


def _slots(raw: Any) -> dict[str, Slot]:
    if not isinstance(raw, dict):
        return {}
    return {name: Slot(heard=_text(getattr(slot, "value", None)), value_id=_resolved_id(slot))
            for name, slot in raw.items() if isinstance(name, str)}


def _resolved_id(slot: Any) -> str | None:
    authorities = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    if not isinstance(authorities, list):
        return None
    for authority in authorities:
        code = getattr(getattr(getattr(authority, "status", None), "code", None), "value", None)
        values = getattr(authority, "values", None)
        if code == "ER_SUCCESS_MATCH" and isinstance(values, list) and values:
            value = getattr(values[0], "value", None)
            return _text(getattr(value, "id", None)) or _text(getattr(value, "name", None))
    return None


def _supports_audio_player(envelope: RequestEnvelope) -> bool:
    interfaces = getattr(getattr(getattr(envelope.context, "system", None), "device", None), "supported_interfaces", None)
    return getattr(interfaces, "audio_player", None) is not None


def _player(envelope: RequestEnvelope) -> Player:
    """AudioPlayer events name their own token and offset; other requests carry the device's state."""
    request = envelope.request
    if (_text(getattr(request, "object_type", None)) or "").startswith(EVENT_PREFIXES) and hasattr(request, "token"):
        return Player(_text(getattr(request, "token", None), 1024), _offset(getattr(request, "offset_in_milliseconds", 0)),
                      "EVENT")
    state = getattr(envelope.context, "audio_player", None)
    if state is None:
        return Player()
    activity = _text(getattr(getattr(state, "player_activity", None), "value", None)) or "IDLE"
    return Player(_text(getattr(state, "token", None), 1024), _offset(getattr(state, "offset_in_milliseconds", 0)),
                  activity)
