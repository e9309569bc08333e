"""Builds Alexa request envelopes shaped like device traffic: for the console and for tests."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
USER_ID = "amzn1.ask.account.AHTESTUSERIDTHATMUSTNEVERBELOGGED7Q"
DEVICE_ID = "amzn1.ask.device.AETESTDEVICE"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slots(values: dict[str, Any]) -> dict[str, Any]:
    slots = {}
    for name, value in values.items():
        slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if isinstance(value, tuple):
            heard, value_id = value
        else:
            heard, value_id = value, None
        if heard is not None:
            slot["value"] = heard
            slot["source"] = "USER"
            status = "ER_SUCCESS_MATCH" if value_id else "ER_SUCCESS_NO_MATCH"
            authority: dict[str, Any] = {
                "authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.SLOT_TYPE",
                "status": {"code": status},
            }
            if value_id:
                authority["values"] = [{"value": {"name": heard, "id": value_id}}]
            slot["resolutions"] = {"resolutionsPerAuthority": [authority]}
        slots[name] = slot
    return slots


@dataclass
class Conversation:
    """Builds the envelopes of one Alexa session: session attributes carry over like on a device."""

    user_id: str = USER_ID
    person_id: str | None = None  # a recognised voice profile (context.System.person); None: not recognised
    locale: str = "en-US"
    skill_id: str = SKILL_ID
    session_id: str = field(default_factory=lambda: f"amzn1.echo-api.session.{uuid.uuid4()}")
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    audio_player: dict[str, Any] = field(default_factory=lambda: {"playerActivity": "IDLE"})
    interfaces: dict[str, Any] = field(default_factory=lambda: {"AudioPlayer": {}})

    def _context(self) -> dict[str, Any]:
        context: dict[str, Any] = {
            "System": {
                "application": {"applicationId": self.skill_id},
                "user": {"userId": self.user_id},
                "device": {
                    "deviceId": DEVICE_ID,
                    "supportedInterfaces": dict(self.interfaces),
                },
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.test.token",
            },
            "AudioPlayer": dict(self.audio_player),
        }
        if self.person_id:
            context["System"]["person"] = {"personId": self.person_id}
        return context

    def _envelope(self, request: dict[str, Any], with_session: bool = True) -> dict[str, Any]:
        request.setdefault("requestId", f"amzn1.echo-api.request.{uuid.uuid4()}")
        request.setdefault("timestamp", now_iso())
        request.setdefault("locale", self.locale)
        envelope: dict[str, Any] = {"version": "1.0", "context": self._context(), "request": request}
        if with_session:
            envelope["session"] = {
                "new": self.new,
                "sessionId": self.session_id,
                "application": {"applicationId": self.skill_id},
                "attributes": dict(self.attributes),
                "user": {"userId": self.user_id},
            }
            self.new = False
        return envelope

    def launch(self) -> dict[str, Any]:
        return self._envelope({"type": "LaunchRequest"})

    def intent(self, name: str, **slots: Any) -> dict[str, Any]:
        return self._envelope({
            "type": "IntentRequest",
            "dialogState": "STARTED",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": _slots(slots)},
        })

    def session_ended(self, reason: str = "USER_INITIATED") -> dict[str, Any]:
        return self._envelope({"type": "SessionEndedRequest", "reason": reason})

    def event(self, request_type: str, **fields: Any) -> dict[str, Any]:
        """A sessionless request such as AudioPlayer.PlaybackStopped or System.ExceptionEncountered."""
        return self._envelope({"type": request_type, **fields}, with_session=False)

    def absorb(self, response: dict[str, Any]) -> None:
        """Carry the skill's session attributes into the next request, as Alexa does."""
        self.attributes = dict(response.get("sessionAttributes") or {})
        if response.get("response", {}).get("shouldEndSession", False):
            self.new = True
            self.attributes = {}
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
