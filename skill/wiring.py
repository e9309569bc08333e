"""Assembles the skill from settings: verifier, database, services and the ASK skill itself."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from ask_sdk_core.handler_input import HandlerInput

from skill.endpoint import SkillEndpoint, build_skill
from skill.settings import Settings
from skill.storage import Database, StorageError, envelope_user_id, user_key
from skill.verification import RequestVerifier, VerifierConfig

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the pure conversation may use beyond the session, for one request."""

    user_key: str | None
    database: Database | None
    settings: Settings
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Wiring:
    settings: Settings
    endpoint: SkillEndpoint
    database: Database | None

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "verify_signatures": self.settings.verify_signatures,
                "database": self.database is not None}


def open_database(settings: Settings) -> Database | None:
    try:
        return Database(settings.database_path)
    except StorageError as error:
        log.error("database unavailable, history is off: %s", error)
        return None


def build_endpoint(
    settings: Settings,
    verifier: RequestVerifier | None | str = "default",
    rng_factory: Callable[[], random.Random] = random.Random,
    database: Database | None | str = "default",
) -> Wiring:
    if verifier == "default":
        verifier = RequestVerifier(VerifierConfig(skill_id=settings.skill_id)) if settings.verify_signatures else None
    if verifier is None:
        log.warning("REQUEST SIGNATURE VERIFICATION IS OFF: development only; "
                    "never expose this server to the internet like this")
    if database == "default":
        database = open_database(settings)

    def services_factory(handler_input: HandlerInput) -> Services:
        user_id = envelope_user_id(handler_input.request_envelope)
        key = user_key(user_id, settings.user_key_secret) if user_id else None
        return Services(user_key=key, database=database, settings=settings)

    skill = build_skill(services_factory=services_factory, rng_factory=rng_factory)
    return Wiring(settings, SkillEndpoint(skill, verifier), database)
