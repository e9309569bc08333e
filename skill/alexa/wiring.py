"""Assembles the skill from settings: verifier, database, services and the ASK skill itself."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import AttributesManagerException, PersistenceException
from ask_sdk_core.handler_input import HandlerInput

from skill.checkin import Result
from skill.alexa.endpoint import SkillEndpoint, build_skill
from skill.exercises import Catalogue, CatalogueSource
from skill.history import RECENT
from skill.playback import AudioHost, Names, Saved
from skill.alexa.settings import Settings
from skill.alexa.storage import (
    CheckinRecord,
    Database,
    SQLitePersistenceAdapter,
    StorageError,
    envelope_user_id,
    user_key,
)
from skill.alexa.verification import RequestVerifier, VerifierConfig

log = logging.getLogger(__name__)
NAMES_KEY = "couple_names"


@dataclass
class Services:
    """The conversation's port for one request: history, catalogue, names and playback memory, failures logged."""

    user_key: str | None
    database: Database | None
    settings: Settings
    catalogue: Catalogue = field(default_factory=Catalogue)
    audio_host: AudioHost = field(default_factory=lambda: AudioHost(None))
    attributes_manager: AttributesManager | None = None

    def _store(self) -> tuple[Database, str] | None:
        if self.database is None or not self.user_key:
            log.warning("history unavailable: %s", "no database" if self.database is None else "no user")
            return None
        return self.database, self.user_key

    def recent_checkins(self, limit: int = RECENT) -> list[CheckinRecord] | None:
        store = self._store()
        if store is None:
            return None
        try:
            return store[0].recent_checkins(store[1], limit)
        except StorageError as error:
            log.warning("history unavailable: %s", error)
            return None

    def save_checkin(self, result: Result) -> bool:
        store = self._store()
        if store is None:
            return False
        try:
            store[0].record_checkin(store[1], result.score, result.max_score, result.band)
            return True
        except StorageError as error:
            log.warning("check-in not saved: %s", error)
            return False

    def erase_data(self) -> bool:
        store = self._store()
        if store is None:
            return False
        try:
            store[0].delete_user(store[1])
            return True
        except StorageError as error:
            log.warning("delete my data failed: %s", error)
            return False

    def playback_position(self) -> Saved | None:
        """Where the listener stopped, kept in the database because AudioPlayer events have no session."""
        if self.database is None or not self.user_key:
            return None
        try:
            state = self.database.load_playback(self.user_key)
        except StorageError as error:
            log.error("could not load the playback position: %s", error)
            return None
        return Saved(state.token, state.offset_ms) if state else None

    def save_position(self, token: str, offset_ms: int) -> None:
        if self.database is None or not self.user_key:
            return
        try:
            self.database.save_playback(self.user_key, token, max(0, offset_ms))
        except (StorageError, ValueError) as error:
            log.error("could not save the playback position: %s", type(error).__name__)

    def clear_position(self) -> None:
        if self.database is None or not self.user_key:
            return
        try:
            self.database.clear_playback(self.user_key)
        except StorageError as error:
            log.error("could not clear the playback position: %s", error)

    def remembered_names(self) -> Names | None:
        """Names are kept (as persistent attributes) only when the couple asked the skill to remember them."""
        attributes = self._persistent()
        raw = attributes.get(NAMES_KEY) if attributes is not None else None
        if isinstance(raw, dict) and isinstance(raw.get("one"), str) and isinstance(raw.get("two"), str):
            return Names(raw["one"], raw["two"])
        return None

    def remember_names(self, names: Names) -> bool:
        attributes = self._persistent()
        if attributes is None or self.attributes_manager is None:
            return False
        attributes[NAMES_KEY] = {"one": names.one, "two": names.two}
        try:
            self.attributes_manager.save_persistent_attributes()
        except (PersistenceException, AttributesManagerException) as error:
            log.error("could not remember names: %s", type(error).__name__)
            return False
        return True

    def _persistent(self) -> dict[str, Any] | None:
        if self.attributes_manager is None or self.database is None:
            return None
        try:
            return self.attributes_manager.persistent_attributes
        except (PersistenceException, AttributesManagerException) as error:
            log.error("persistent attributes unavailable: %s", type(error).__name__)
            return None


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
    catalogues = CatalogueSource(settings.audio_dir)
    audio_dir = settings.audio_dir.resolve()
    host = AudioHost(settings.audio_base_url, lambda name: (audio_dir / name).is_file())
    if not settings.audio_base_url:
        log.info("RECHARGE_AUDIO_BASE_URL is not set: exercises will be spoken with pauses, not played")

    def services_factory(handler_input: HandlerInput) -> Services:
        user_id = envelope_user_id(handler_input.request_envelope)
        key = user_key(user_id, settings.user_key_secret) if user_id else None
        return Services(user_key=key, database=database, settings=settings, catalogue=catalogues.get(),
                        audio_host=host, attributes_manager=handler_input.attributes_manager)

    adapter = SQLitePersistenceAdapter(database, settings.user_key_secret) if database else None
    skill = build_skill(services_factory=services_factory, rng_factory=rng_factory, persistence_adapter=adapter)
    return Wiring(settings, SkillEndpoint(skill, verifier), database)
