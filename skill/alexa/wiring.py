"""Assembles the skill from settings: verifier, database, services and the ASK skill itself."""
from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import AttributesManagerException, PersistenceException
from ask_sdk_core.handler_input import HandlerInput

from skill.checkin import Result
from skill.alexa.endpoint import SkillEndpoint, build_skill
from skill.exercises import Catalogue, CatalogueSource
from skill.history import RECENT
from skill.playback import AudioHost, Names, Saved
from skill.alexa.settings import Settings, SettingsError
from skill.alexa.verification import RequestVerifier, VerifierConfig
from skill.speech import preload_content
from skill.storage import (
    CheckinRecord,
    StorageError,
    Store,
    StorePersistenceAdapter,
    is_postgres_url,
    open_store,
    person_key,
    speaker,
)
from skill.storage.scope import AccountScope
from skill.together import Together

log = logging.getLogger(__name__)
NAMES_KEY = "couple_names"


def partner_key(account: str, secret: str) -> str:
    """The key of the partner who said who they are without a recognised voice: one per account, never an Alexa id."""
    return person_key(f"unrecognised-partner:{account}", secret)


@dataclass
class Services:
    """The conversation's port for one request: history, catalogue, names and playback memory, failures logged."""

    user_key: str | None
    database: Store | AccountScope | None
    settings: Settings
    catalogue: Catalogue = field(default_factory=Catalogue)
    audio_host: AudioHost = field(default_factory=lambda: AudioHost(None))
    attributes_manager: AttributesManager | None = None
    account_key: str | None = None
    recognised: bool = False  # Alexa recognised the voice: user_key is that person's

    @property
    def _scope(self) -> AccountScope | None:
        return self.database if isinstance(self.database, AccountScope) and self.user_key else None

    def as_speaker(self, who: str) -> Services:
        """An unrecognised voice that said it is the partner gets the partner's key; the holder keeps the account's."""
        if self.recognised or who != "partner" or not self.account_key:
            return self
        return replace(self, user_key=partner_key(self.account_key, self.settings.user_key_secret))

    def people_on_account(self) -> int | None:
        if self._scope is None:
            return None
        try:
            return len(self._scope.persons())
        except StorageError as error:
            log.warning("people on the account unavailable: %s", error)
            return None

    def together(self) -> Together | None:
        """Partners are the other recognised voices with check-ins; their check-ins are read only if both share."""
        scope = self._scope
        if scope is None or not self.recognised or not self.account_key:
            return None
        unrecognised = {self.account_key, partner_key(self.account_key, self.settings.user_key_secret)}
        try:
            people = scope.persons()
            me = next((person for person in people if person.key == self.user_key), None)
            partners = [person for person in people
                        if person.key != self.user_key and person.key not in unrecognised and person.recognised]
            mine = tuple(scope.recent_checkins(self.user_key, RECENT)) if me else ()
            sharing = me.sharing if me else True
            partner_sharing = all(person.sharing for person in partners)
            theirs = (tuple(scope.recent_checkins(partners[0].key, RECENT))
                      if len(partners) == 1 and sharing and partner_sharing else ())
        except StorageError as error:
            log.warning("side by side unavailable: %s", error)
            return None
        return Together(mine, sharing, len(partners), partner_sharing, theirs)

    def set_sharing(self, sharing: bool) -> bool:
        if self._scope is None or not self.recognised:
            return False
        try:
            self._scope.set_sharing(self.user_key, sharing)
            return True
        except StorageError as error:
            log.warning("sharing choice not saved: %s", error)
            return False

    def erase_account(self) -> bool:
        if self._scope is None:
            return False
        try:
            self._scope.delete_account()
            return True
        except StorageError as error:
            log.warning("delete all our data failed: %s", error)
            return False

    def _store(self) -> tuple[Store | AccountScope, str] | None:
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

    @property
    def _player_key(self) -> str | None:
        # AudioPlayer state belongs to the device's account: a pause and its resume may be heard as different voices.
        return self.account_key or self.user_key

    def playback_position(self) -> Saved | None:
        """Where the listener stopped, kept in the database because AudioPlayer events have no session."""
        if self.database is None or not self._player_key:
            return None
        try:
            state = self.database.load_playback(self._player_key)
        except StorageError as error:
            log.error("could not load the playback position: %s", error)
            return None
        return Saved(state.token, state.offset_ms) if state else None

    def save_position(self, token: str, offset_ms: int) -> None:
        if self.database is None or not self._player_key:
            return
        try:
            self.database.save_playback(self._player_key, token, max(0, offset_ms))
        except (StorageError, ValueError) as error:
            log.error("could not save the playback position: %s", type(error).__name__)

    def clear_position(self) -> None:
        if self.database is None or not self._player_key:
            return
        try:
            self.database.clear_playback(self._player_key)
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
    host = AudioHost(settings.audio_base_url or settings.local_audio_url, lambda name: (audio_dir / name).is_file())
    if settings.local_audio_url:
        log.info("RECHARGE_AUDIO_BASE_URL is not set: in development, built exercises play from %s (fine for the "
                 "console; a real Alexa device needs a public https address)", settings.local_audio_url)
    elif not settings.audio_base_url:
        log.info("RECHARGE_AUDIO_BASE_URL is not set: exercises will be spoken with pauses, not played")

    def services_factory(handler_input: HandlerInput) -> Services:
        who = speaker(handler_input.request_envelope, settings.user_key_secret)
        scoped = AccountScope(database, who.account) if database is not None and who else database
        return Services(user_key=who.key if who else None, database=scoped, settings=settings,
                        catalogue=catalogues.get(), audio_host=host,
                        attributes_manager=handler_input.attributes_manager,
                        account_key=who.account if who else None, recognised=bool(who and who.recognised))

    adapter = StorePersistenceAdapter(database, settings.user_key_secret) if database else None
    skill = build_skill(services_factory=services_factory, rng_factory=rng_factory, persistence_adapter=adapter)
    preload_content()
    catalogues.get()
    return Wiring(settings, SkillEndpoint(skill, verifier, settings.skill_id), database, catalogues)
