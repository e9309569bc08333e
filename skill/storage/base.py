"""The storage interface both stores implement, its records and errors, and the keyed hashing of Alexa ids."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable

SCHEMA_VERSION = 2
MAX_TOKEN_LENGTH = 1024
TABLES = ("checkins", "playback", "attributes", "people")

_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# Bands are short labels ("low", "high_risk"); the pattern keeps free text about a relationship out of the table.
_BAND_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_PERSON_DOMAIN = "person:"


class StorageError(Exception):
    """The database cannot be used right now; callers answer without history instead of failing the request."""


class StorageUnavailable(StorageError):
    """The database server cannot be reached or failed mid-request; the same call may succeed later."""


@dataclass(frozen=True)
class CheckinRecord:
    id: int
    user_key: str
    taken_at: datetime
    score: int
    max_score: int
    band: str


@dataclass(frozen=True)
class PlaybackState:
    user_key: str
    token: str
    offset_ms: int
    updated_at: datetime


@dataclass(frozen=True)
class Person:
    """Someone whose check-ins are stored on an account: the account's own key when no voice was recognised."""

    key: str
    recognised: bool
    sharing: bool
    checkins: int


@dataclass(frozen=True)
class Health:
    ok: bool
    backend: str
    detail: str = ""


@runtime_checkable
class Store(Protocol):
    """What the skill may ask of storage; keys are user_key()/person_key() digests, never raw Alexa ids."""

    backend: str

    @property
    def schema_version(self) -> int: ...

    def record_checkin(self, key: str, score: int, max_score: int, band: str,
                       taken_at: datetime | None = None, *, account: str | None = None) -> CheckinRecord: ...

    def recent_checkins(self, key: str, limit: int = 5) -> list[CheckinRecord]: ...

    def persons(self, account: str) -> list[Person]: ...

    def set_sharing(self, account: str, key: str, sharing: bool) -> None: ...

    def save_playback(self, key: str, token: str, offset_ms: int, *, account: str | None = None) -> PlaybackState: ...

    def load_playback(self, key: str) -> PlaybackState | None: ...

    def clear_playback(self, key: str) -> None: ...

    def get_attributes(self, key: str) -> dict[str, Any]: ...

    def put_attributes(self, key: str, data: Mapping[str, Any], *, account: str | None = None) -> None: ...

    def delete_attributes(self, key: str) -> None: ...

    def delete_user(self, key: str) -> int: ...

    def delete_account(self, account: str) -> int: ...

    def row_counts(self) -> dict[str, int]: ...

    def health(self) -> Health: ...

    def close(self) -> None: ...


def _digest(text: str, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def user_key(user_id: str, secret: str = "") -> str:
    """HMAC-SHA256 of the Alexa user id, so a copied database cannot be joined to Alexa accounts without the secret."""
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("user_id must be a non-empty string")
    return _digest(user_id, secret)


def person_key(person_id: str, secret: str = "") -> str:
    """HMAC-SHA256 of a recognised voice's person id, in its own domain so it never equals any user_key()."""
    if not isinstance(person_id, str) or not person_id:
        raise ValueError("person_id must be a non-empty string")
    return _digest(_PERSON_DOMAIN + person_id, secret)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def utc_text(moment: datetime) -> str:
    """One fixed-width UTC format, so text order in SQL is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_key(key: str) -> None:
    """Refuses anything but a digest, so a clear Alexa id can never reach the database by mistake."""
    if not isinstance(key, str) or not _KEY_PATTERN.match(key):
        raise ValueError("expected a user_key() digest (64 lowercase hex characters), not a raw user id")


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_checkin(score: int, max_score: int, band: str) -> None:
    if not (is_int(score) and is_int(max_score)) or max_score <= 0 or not 0 <= score <= max_score:
        raise ValueError("score and max_score must be integers with 0 <= score <= max_score and max_score > 0")
    if not isinstance(band, str) or not _BAND_PATTERN.match(band):
        raise ValueError("band must be a short label such as 'low' or 'high', not free text")


def check_limit(limit: int) -> None:
    if not is_int(limit) or limit < 1:
        raise ValueError("limit must be a positive integer")


def check_playback(token: str, offset_ms: int) -> None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise ValueError(f"token must be a non-empty string of at most {MAX_TOKEN_LENGTH} characters")
    if not is_int(offset_ms) or offset_ms < 0:
        raise ValueError("offset_ms must be a non-negative integer")


def attributes_json(data: Mapping[str, Any]) -> str:
    if not isinstance(data, Mapping):
        raise ValueError("attributes must be a mapping")
    try:
        return json.dumps(dict(data), allow_nan=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"attributes must be JSON-serialisable: {exc}") from exc


def account_of(key: str, account: str | None) -> str:
    """Rows written without a known account belong to the key itself (an unrecognised voice is the account)."""
    if account is None:
        return key
    check_key(account)
    return account
