"""Who a request is about (hashed person and account ids) and the ASK persistence adapter over any Store."""
from __future__ import annotations

from dataclasses import dataclass

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.storage.base import Store, StorageError, person_key, user_key


def envelope_user_id(request_envelope: RequestEnvelope) -> str | None:
    """The Alexa user id from context.system, falling back to the session (some test tools send only that)."""
    context = getattr(request_envelope, "context", None)
    system = getattr(context, "system", None)
    user = getattr(system, "user", None)
    user_id = getattr(user, "user_id", None)
    if user_id:
        return str(user_id)
    session = getattr(request_envelope, "session", None)
    user = getattr(session, "user", None)
    user_id = getattr(user, "user_id", None)
    return str(user_id) if user_id else None


def envelope_person_id(request_envelope: RequestEnvelope) -> str | None:
    """context.System.person.personId: present only when Alexa recognised the speaker's voice profile."""
    context = getattr(request_envelope, "context", None)
    system = getattr(context, "system", None)
    person = getattr(system, "person", None)
    person_id = getattr(person, "person_id", None)
    return str(person_id) if person_id else None


@dataclass(frozen=True)
class Speaker:
    """Storage keys for one request: `key` is whose data this is (the person if recognised, else the account)."""

    account: str
    key: str

    @property
    def recognised(self) -> bool:
        return self.key != self.account


def speaker(request_envelope: RequestEnvelope, secret: str = "") -> Speaker | None:
    user_id = envelope_user_id(request_envelope)
    if user_id is None:
        return None
    account = user_key(user_id, secret)
    person_id = envelope_person_id(request_envelope)
    return Speaker(account, person_key(person_id, secret) if person_id else account)


class StorePersistenceAdapter(AbstractPersistenceAdapter):
    """ASK persistent attributes, kept per speaking person; failures surface as the SDK's PersistenceException."""

    def __init__(self, database: Store, secret: str = "") -> None:
        self.database = database
        self._secret = secret

    def _speaker(self, request_envelope: RequestEnvelope) -> Speaker:
        who = speaker(request_envelope, self._secret)
        if who is None:
            raise PersistenceException("request envelope has no user id to store attributes under")
        return who

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        who = self._speaker(request_envelope)
        try:
            return self.database.get_attributes(who.key)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not load persistent attributes: {exc}") from exc

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        who = self._speaker(request_envelope)
        try:
            self.database.put_attributes(who.key, attributes, account=who.account)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not save persistent attributes: {exc}") from exc

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        who = self._speaker(request_envelope)
        try:
            self.database.delete_attributes(who.key)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not delete persistent attributes: {exc}") from exc


SQLitePersistenceAdapter = StorePersistenceAdapter
