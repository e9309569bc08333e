"""Shared fixtures: a real Flask app on a temporary data folder, and a helper to talk to it."""
from __future__ import annotations

import os
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
from tests import pgcluster
from tests.envelopes import SKILL_ID, Conversation

# RECHARGE_TEST_STORE=postgresql runs every app the tests build against a throwaway PostgreSQL database.
TEST_STORE = os.environ.get("RECHARGE_TEST_STORE", "sqlite").strip().lower() or "sqlite"
POSTGRES_REQUIRED = TEST_STORE == "postgresql" or os.environ.get(pgcluster.REQUIRED_ENV, "") == "1"


# Figures tests measure (counts, not timings to assert on), printed at the end of the run.
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("recharge figures")
        for figure in FIGURES:
            terminalreporter.write_line(figure)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: inspects the SQLite file itself; skipped when the suite runs on PostgreSQL")


def pytest_collection_modifyitems(config, items) -> None:
    if TEST_STORE == "postgresql":
        skip = pytest.mark.skip(reason="inspects the SQLite file; RECHARGE_TEST_STORE=postgresql")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real PostgreSQL server on loopback for the whole session; skipped (or failed, in CI) when it cannot start."""
    try:
        cluster = pgcluster.start_cluster()
    except pgcluster.ClusterUnavailable as error:
        if POSTGRES_REQUIRED:
            pytest.fail(f"PostgreSQL is required here but could not start: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")
    yield cluster
    cluster.remove()


@pytest.fixture
def postgres_url(postgres_cluster) -> str:
    """A fresh empty database on the session's server, dropped after the test."""
    name = postgres_cluster.create_database()
    yield postgres_cluster.url(name)
    postgres_cluster.drop_database(name)


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


@pytest.fixture(scope="session")
def suite_postgres(postgres_cluster) -> str:
    """One database for the whole suite's apps under RECHARGE_TEST_STORE=postgresql, emptied before each test."""
    return postgres_cluster.url(postgres_cluster.create_database("suite"))


def empty_postgres(url: str) -> str:
    import psycopg

    from skill.storage.base import TABLES

    with psycopg.connect(url, autocommit=True) as connection:
        exists = connection.execute("SELECT to_regclass('checkins') IS NOT NULL").fetchone()[0]
        if exists:
            connection.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    return url


@pytest.fixture
def make_app(tmp_path, request):
    suite_url = empty_postgres(request.getfixturevalue("suite_postgres")) if TEST_STORE == "postgresql" else None
    apps = []

    def factory(settings: Settings | None = None, **overrides: Any):
        overrides.setdefault("verifier", None)
        overrides.setdefault("rng_factory", lambda: random.Random(7))
        settings = settings or dev_settings(tmp_path)
        if suite_url and (settings.database_url or "sqlite:///").startswith("sqlite:///"):
            settings = replace(settings, database_url=suite_url)
        app = create_app(settings, **overrides)
        if "database" not in overrides:
            apps.append(app)
        return app

    yield factory
    for app in apps:
        if app.extensions["recharge"].database is not None:
            app.extensions["recharge"].database.close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def talker(app) -> Talker:
    return Talker(app.test_client())


@pytest.fixture
def conversation() -> Conversation:
    return Conversation()
