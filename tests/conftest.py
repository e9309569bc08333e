"""Shared fixtures: a real Flask app on a temporary data folder, and a helper to talk to it."""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import ResponseEnvelope

from app import create_app
from skill.alexa.settings import Settings
from skill.speech import plain_text
from tests.envelopes import SKILL_ID, Conversation


@dataclass
class Reply:
    status: int
    json: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        return self.json.get("response", {})

    @property
    def ssml(self) -> str:
        return (self.response.get("outputSpeech") or {}).get("ssml", "")

    @property
    def speech(self) -> str:
        return plain_text(self.ssml)

    @property
    def reprompt(self) -> str:
        reprompt = (self.response.get("reprompt") or {}).get("outputSpeech") or {}
        return plain_text(reprompt.get("ssml", ""))

    @property
    def ends_session(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def directives(self) -> list[dict[str, Any]]:
        return self.response.get("directives") or []

    @property
    def attributes(self) -> dict[str, Any]:
        return self.json.get("sessionAttributes") or {}


class Talker:
    """Posts envelopes to /alexa through the Flask test client and checks every reply's shape."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, envelope: dict[str, Any], conversation: Conversation | None = None) -> Reply:
        result = self.client.post("/alexa", json=envelope)
        reply = Reply(result.status_code, result.get_json())
        if reply.status == 200:
            assert_valid_response(reply.json)
            if conversation is not None:
                conversation.absorb(reply.json)
        return reply


def assert_valid_response(body: dict[str, Any]) -> None:
    import json
    import xml.etree.ElementTree as ElementTree

    envelope = DefaultSerializer().deserialize(json.dumps(body), ResponseEnvelope)
    assert envelope.version == "1.0"
    assert len(json.dumps(body)) <= 120 * 1024
    for speech in (body.get("response", {}).get("outputSpeech"),
                   (body.get("response", {}).get("reprompt") or {}).get("outputSpeech")):
        if speech:
            assert speech["type"] == "SSML"
            root = ElementTree.fromstring(speech["ssml"])
            assert root.tag == "speak"
            assert len(speech["ssml"]) <= 8000


def dev_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings for tests that talk to the skill without signing: verification is off explicitly."""
    base = Settings(skill_id=SKILL_ID, verify_signatures=False, data_dir=tmp_path / "data")
    return replace(base, **changes)


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory) -> Path:
    """The whole packaged catalogue built once, by the real build code on the silent-tone fake engine."""
    from audio import build

    data_dir = tmp_path_factory.mktemp("built")
    assert build.main(["--engine", "fake", "--out", str(data_dir / "audio"), "--jobs", "2"]) == 0
    return data_dir


def hosted_settings(built_data_dir: Path, tmp_path: Path, **changes: Any) -> Settings:
    """Settings that serve the built catalogue from a public https address; the database is per test."""
    base = dev_settings(tmp_path, data_dir=built_data_dir,
                        database_url=f"sqlite:///{tmp_path / 'recharge.sqlite3'}",
                        audio_base_url="https://audio.example.org/recharge")
    return replace(base, **changes)


@pytest.fixture
def make_app(tmp_path):
    def factory(settings: Settings | None = None, **overrides: Any):
        overrides.setdefault("verifier", None)
        overrides.setdefault("rng_factory", lambda: random.Random(7))
        return create_app(settings or dev_settings(tmp_path), **overrides)
    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def talker(app) -> Talker:
    return Talker(app.test_client())


@pytest.fixture
def conversation() -> Conversation:
    return Conversation()
