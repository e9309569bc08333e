"""Storage behind one interface: SQLite (embedded default) or PostgreSQL, chosen by RECHARGE_DATABASE_URL."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from skill.storage.base import (
    MAX_TOKEN_LENGTH, SCHEMA_VERSION, CheckinRecord, Health, Person, PlaybackState, StorageError, StorageUnavailable,
    Store, person_key, user_key,
)
from skill.storage.sqlite import Database, SQLiteStore

__all__ = [
    "MAX_TOKEN_LENGTH", "SCHEMA_VERSION", "CheckinRecord", "Database", "Health", "Person", "PlaybackState",
    "PostgresStore", "SQLitePersistenceAdapter", "SQLiteStore", "Speaker", "StorageError", "StorageUnavailable",
    "Store", "StorePersistenceAdapter", "envelope_person_id", "envelope_user_id", "is_postgres_url", "open_store", "person_key",
    "speaker", "user_key",
]


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.split("://", 1)[0] in {"postgresql", "postgres"}


def open_store(url: str | None, sqlite_path: Path, **options: Any) -> Store:
    """PostgreSQL for a postgresql:// URL, else the SQLite file; psycopg is imported only when it is needed."""
    if is_postgres_url(url):
        from skill.storage.postgres import PostgresStore

        return PostgresStore(url, **options)
    return Database(sqlite_path, **options)


# The ASK side's names load on first use, so the store alone (for the web companion) needs no ASK SDK.
_ADAPTER_NAMES = frozenset({"SQLitePersistenceAdapter", "Speaker", "StorePersistenceAdapter", "envelope_person_id",
                            "envelope_user_id", "speaker"})


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":
        from skill.storage.postgres import PostgresStore

        return PostgresStore
    if name in _ADAPTER_NAMES:
        from skill.storage import adapter

        return getattr(adapter, name)
    raise AttributeError(name)
