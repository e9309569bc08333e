"""Assembles the skill from settings: verifier, database, services and the ASK skill itself."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import AttributesManagerException, PersistenceException
from ask_sdk_core.handler_input import HandlerInput

from skill.endpoint import SkillEndpoint, build_skill
from skill.exercises import Catalogue, CatalogueSource
from skill.playback import AudioHost, Names, Saved
from skill.settings import Settings, SettingsError
from skill.speech import preload_content
from skill.storage import StorageError, Store, StorePersistenceAdapter, is_postgres_url, open_store, speaker
from skill.storage.scope import AccountScope
from skill.verification import RequestVerifier, VerifierConfig

log = logging.getLogger(__name__)
NAMES_KEY = "couple_names"


@dataclass
class PlaybackMemory:
    """Where each listener stopped, kept in the database because AudioPlayer events have no session."""

    user_key: str | None
    database: Store | AccountScope | None

    def _usable(self) -> bool:
        return bool(self.user_key and self.database)

    def load(self) -> Saved | None:
        if not self._usable():
            return None
        try:
            state = self.database.load_playback(self.user_key)
        except StorageError as error:
            log.error("could not load the playback position: %s", error)
            return None
        return Saved(state.token, state.offset_ms) if state else None

    def save(self, token: str, offset_ms: int) -> None:
        if self._usable():
            try:
                self.database.save_playback(self.user_key, token, max(0, offset_ms))
            except (StorageError, ValueError) as error:
                log.error("could not save the playback position: %s", type(error).__name__)

    def clear(self) -> None:
        if self._usable():
            try:
                self.database.clear_playback(self.user_key)
            except StorageError as error:
                log.error("could not clear the playback position: %s", error)


@dataclass
class Services:
    """What the pure conversation may use beyond the session, for one request."""

    user_key: str | None
    database: Store | AccountScope | None
    settings: Settings
    catalogue: Catalogue = field(default_factory=Catalogue)
    audio_host: AudioHost = field(default_factory=lambda: AudioHost(None))
    attributes_manager: AttributesManager | None = None
    account_key: str | None = None

    @property
    def playback(self) -> PlaybackMemory:
        # AudioPlayer state belongs to the device's account: a pause and its resume may be heard as different voices.
        return PlaybackMemory(self.account_key or self.user_key, self.database)

    def remembered_names(self) -> Names | None:
        """Names are kept (as persistent attributes) only when the couple asked the skill to remember them."""
        attributes = self._persistent()
        raw = attributes.get(NAMES_KEY) if attributes is not None else None
        if isinstance(raw, dict) and isinstance(raw.get("one"), str) and isinstance(raw.get("two"), str):
            return Names(raw["one"], raw["two"])
        return None

    def remember_names(self, names: Names) -> bool:
        attributes = self._persistent()
        if attributes is None:
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
    database: Store | None
    catalogues: CatalogueSource | None = None

    def health(self) -> dict[str, Any]:
        """ok, or degraded with the reasons: what still works is served, what does not is named."""
        reasons = []
        state = self.database.health() if self.database is not None else None
        database_ok = state is not None and state.ok
        if not database_ok:
            reasons.append("database_unavailable")
        catalogue = self.catalogues.get() if self.catalogues is not None else None
        if catalogue is not None and catalogue.source != "manifest":
            reasons.append("audio_catalogue_unavailable")
        return {"status": "degraded" if reasons else "ok", "reasons": reasons,
                "verify_signatures": self.settings.verify_signatures, "database": database_ok,
                "database_backend": state.backend if state else None,
                "exercises": catalogue.source if catalogue is not None else "none"}


def open_database(settings: Settings) -> Store | None:
    """A broken SQLite file turns history off; an unusable PostgreSQL stops start-up with the setting's name."""
    try:
        store = open_store(settings.database_url, settings.database_path)
    except StorageError as error:
        if is_postgres_url(settings.database_url):
            raise SettingsError(str(error)) from None
        log.error("database unavailable, history is off: %s", error)
        return None
    log.info("storage: %s at %s", store.backend, settings.database_display)
    return store


def build_endpoint(
    settings: Settings,
    verifier: RequestVerifier | None | str = "default",
    rng_factory: Callable[[], random.Random] = random.Random,
    database: Store | None | str = "default",
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
        who = speaker(handler_input.request_envelope, settings.user_key_secret)
        scoped = AccountScope(database, who.account) if database is not None and who else database
        return Services(user_key=who.key if who else None, database=scoped, settings=settings,
                        catalogue=catalogues.get(), audio_host=host,
                        attributes_manager=handler_input.attributes_manager,
                        account_key=who.account if who else None)

    adapter = StorePersistenceAdapter(database, settings.user_key_secret) if database else None
    skill = build_skill(services_factory=services_factory, rng_factory=rng_factory, persistence_adapter=adapter)
    preload_content()
    catalogues.get()
    return Wiring(settings, SkillEndpoint(skill, verifier, settings.skill_id), database, catalogues)
