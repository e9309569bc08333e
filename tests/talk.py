"""Helpers for conversation tests: drive a Conversation through the Flask app and check which messages were spoken."""
from __future__ import annotations

from typing import Any

from skill.speech import phrasebook
from tests.envelopes import Conversation

FREQ = {"never": "never", "sometimes": "sometimes", "often": "often", "almost_always": "almost always"}


def text(message_id: str, locale: str = "en-US", **params: Any) -> str:
    """The one wording of a message (the messages tests look for have a single variant)."""
    message = phrasebook(locale).messages[message_id]
    assert len(message.variants) == 1, f"{message_id} has variants; look for something else"
    return message.variants[0].format(**params)


def said(reply, message_id: str, **params: Any) -> bool:
    return text(message_id, **params) in reply.speech


class Session:
    """One user talking to the skill: each call posts an envelope and carries the session on."""

    def __init__(self, talker, conversation: Conversation | None = None) -> None:
        self.talker = talker
        self.conversation = conversation or Conversation()
        self.transcript: list[tuple[str, str]] = []

    def launch(self):
        return self._post("open relationship recharge", self.conversation.launch())

    def say(self, intent: str, label: str | None = None, **slots: Any):
        return self._post(label or intent, self.conversation.intent(intent, **slots))

    def frequency(self, code: str):
        return self.say("AnswerFrequencyIntent", FREQ[code], frequency=(FREQ[code], code))

    def holder(self, code: str, heard: str | None = None):
        return self.say("WorkloadAnswerIntent", heard or code, holder=(heard or code, code))

    def yes(self):
        return self.say("AMAZON.YesIntent", "yes")

    def no(self):
        return self.say("AMAZON.NoIntent", "no")

    def _post(self, label: str, envelope: dict[str, Any]):
        reply = self.talker.post(envelope, self.conversation)
        assert reply.status == 200, reply.json
        self.transcript.append((label, reply.speech))
        return reply
