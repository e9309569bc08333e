"""SQLite storage for check-in scores, AudioPlayer offsets and ASK persistent attributes, keyed by hashed user ids."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_BUSY_TIMEOUT_S = 5.0
MAX_TOKEN_LENGTH = 1024

_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# Bands are short labels ("low", "high_risk"); the pattern keeps free text about a relationship out of the table.
_BAND_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")

# MIGRATIONS[n] moves a database from user_version n to n + 1; each statement runs inside one transaction.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS attributes (
            user_key TEXT PRIMARY KEY,
            data TEXT NOT NULL CHECK (json_valid(data)),
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS checkins (
            id INTEGER PRIMARY KEY,
            user_key TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            score INTEGER NOT NULL,
            max_score INTEGER NOT NULL,
            band TEXT NOT NULL,
            CHECK (max_score > 0 AND score BETWEEN 0 AND max_score)
        )""",
        "CREATE INDEX IF NOT EXISTS checkins_user_taken ON checkins (user_key, taken_at)",
        """CREATE TABLE IF NOT EXISTS playback (
            user_key TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),
            updated_at TEXT NOT NULL
        )""",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


class StorageError(Exception):
    """The database cannot be used right now; callers answer without history instead of failing the request."""


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


def user_key(user_id: str, secret: str = "") -> str:
    """HMAC-SHA256 of the Alexa user id, so a copied database cannot be joined to Alexa accounts without the secret."""
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("user_id must be a non-empty string")
    return hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def _utc_text(moment: datetime) -> str:
    """One fixed-width UTC format, so text order in SQL is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _check_key(key: str) -> None:
    """Refuses anything but a user_key() digest, so a clear Alexa id can never reach the file by mistake."""
    if not isinstance(key, str) or not _KEY_PATTERN.match(key):
        raise ValueError("expected a user_key() digest (64 lowercase hex characters), not a raw user id")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Handle:
    """One thread's connection; when the thread ends, its thread-local is dropped and the connection closes with it."""

    __slots__ = ("connection", "pid", "__weakref__")

    def __init__(self, connection: sqlite3.Connection, pid: int) -> None:
        self.connection = connection
        self.pid = pid


class Database:
    """One SQLite file shared by all threads and worker processes; SQLite's own locks serialise writers."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._clock = clock
        self._closed = False
        self._reset_thread_state()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"database unavailable: cannot create folder {self.path.parent}: {exc}") from exc
        try:
            with self._guard("opening"):
                self._initialise(self._connection())
        except StorageError:
            self.close()
            raise

    def _reset_thread_state(self) -> None:
        # Called again in a forked child: a parent's lock or connection must never be reused across fork.
        self._pid = os.getpid()
        self._local = threading.local()
        self._handles: weakref.WeakSet[_Handle] = weakref.WeakSet()
        self._handles_lock = threading.Lock()
        self._forked_handles: list[_Handle] = []

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"database unavailable ({action} {self.path}): {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError(f"database unavailable: {self.path} has been closed")
        if self._pid != os.getpid():
            inherited = list(self._handles)
            self._reset_thread_state()
            # Closing an inherited connection could disturb the parent's locks or WAL, so keep it alive untouched.
            self._forked_handles.extend(inherited)
        handle: _Handle | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = _Handle(self._open(), self._pid)
            self._local.handle = handle
            with self._handles_lock:
                self._handles.add(handle)
        return handle.connection

    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise sqlite3.OperationalError("path is a directory, not a database file")
        # isolation_level=None: transactions are explicit, and writers take the lock up front with BEGIN IMMEDIATE.
        connection = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA secure_delete = ON")
            connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def _initialise(self, connection: sqlite3.Connection) -> None:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            logger.warning("SQLite refused WAL mode for %s (using %s); concurrency will be lower", self.path, mode)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        with self._transaction(connection):
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"database unavailable: {self.path} has schema version {version}, "
                    f"newer than this code's {SCHEMA_VERSION}"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if version < SCHEMA_VERSION:
            logger.info("database schema at %s migrated from version %d to %d", self.path, version, SCHEMA_VERSION)

    @contextmanager
    def _transaction(self, connection: sqlite3.Connection) -> Iterator[None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
        connection.execute("COMMIT")

    @contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._guard(action):
            connection = self._connection()
            with self._transaction(connection):
                yield connection

    @contextmanager
    def _read(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._guard(action):
            yield self._connection()

    @property
    def schema_version(self) -> int:
        with self._read("reading schema version of") as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])

    def record_checkin(
        self, key: str, score: int, max_score: int, band: str, taken_at: datetime | None = None
    ) -> CheckinRecord:
        """Appends a row rather than rewriting a list, so two devices checking in at once both keep their score."""
        _check_key(key)
        if not (_is_int(score) and _is_int(max_score)) or max_score <= 0 or not 0 <= score <= max_score:
            raise ValueError("score and max_score must be integers with 0 <= score <= max_score and max_score > 0")
        if not isinstance(band, str) or not _BAND_PATTERN.match(band):
            raise ValueError("band must be a short label such as 'low' or 'high', not free text")
        moment = taken_at if taken_at is not None else self._clock()
        stamp = _utc_text(moment)
        with self._write("recording a check-in in") as connection:
            cursor = connection.execute(
                "INSERT INTO checkins (user_key, taken_at, score, max_score, band) VALUES (?, ?, ?, ?, ?)",
                (key, stamp, score, max_score, band),
            )
            row_id = cursor.lastrowid
        assert row_id is not None
        return CheckinRecord(row_id, key, _parse_utc(stamp), score, max_score, band)

    def recent_checkins(self, key: str, limit: int = 5) -> list[CheckinRecord]:
        """Newest first, which is the order the trend is spoken in."""
        _check_key(key)
        if not _is_int(limit) or limit < 1:
            raise ValueError("limit must be a positive integer")
        with self._read("reading check-ins from") as connection:
            rows = connection.execute(
                "SELECT id, user_key, taken_at, score, max_score, band FROM checkins "
                "WHERE user_key = ? ORDER BY taken_at DESC, id DESC LIMIT ?",
                (key, limit),
            ).fetchall()
        return [CheckinRecord(row[0], row[1], _parse_utc(row[2]), row[3], row[4], row[5]) for row in rows]

    def save_playback(self, key: str, token: str, offset_ms: int) -> PlaybackState:
        """AudioPlayer events carry no session, so the resume point has to live here between requests."""
        _check_key(key)
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise ValueError(f"token must be a non-empty string of at most {MAX_TOKEN_LENGTH} characters")
        if not _is_int(offset_ms) or offset_ms < 0:
            raise ValueError("offset_ms must be a non-negative integer")
        stamp = _utc_text(self._clock())
        with self._write("saving playback in") as connection:
            connection.execute(
                "INSERT INTO playback (user_key, token, offset_ms, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET token = excluded.token, "
                "offset_ms = excluded.offset_ms, updated_at = excluded.updated_at",
                (key, token, offset_ms, stamp),
            )
        return PlaybackState(key, token, offset_ms, _parse_utc(stamp))

    def load_playback(self, key: str) -> PlaybackState | None:
        _check_key(key)
        with self._read("loading playback from") as connection:
            row = connection.execute(
                "SELECT user_key, token, offset_ms, updated_at FROM playback WHERE user_key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return PlaybackState(row[0], row[1], row[2], _parse_utc(row[3]))

    def clear_playback(self, key: str) -> None:
        _check_key(key)
        with self._write("clearing playback in") as connection:
            connection.execute("DELETE FROM playback WHERE user_key = ?", (key,))

    def get_attributes(self, key: str) -> dict[str, Any]:
        """An empty dict when nothing is stored, which is what the ASK SDK expects for a new user."""
        _check_key(key)
        with self._read("reading attributes from") as connection:
            row = connection.execute("SELECT data FROM attributes WHERE user_key = ?", (key,)).fetchone()
        if row is None:
            return {}
        data = json.loads(row[0])
        if not isinstance(data, dict):
            raise StorageError(f"database unavailable: attributes in {self.path} are not a JSON object")
        return data

    def put_attributes(self, key: str, data: Mapping[str, Any]) -> None:
        _check_key(key)
        if not isinstance(data, Mapping):
            raise ValueError("attributes must be a mapping")
        try:
            text = json.dumps(dict(data), allow_nan=False, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"attributes must be JSON-serialisable: {exc}") from exc
        stamp = _utc_text(self._clock())
        with self._write("saving attributes in") as connection:
            connection.execute(
                "INSERT INTO attributes (user_key, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (key, text, stamp),
            )

    def delete_attributes(self, key: str) -> None:
        _check_key(key)
        with self._write("deleting attributes in") as connection:
            connection.execute("DELETE FROM attributes WHERE user_key = ?", (key,))

    def delete_user(self, key: str) -> int:
        """Erases every table for "delete my data" in one transaction, so a crash never leaves half a user behind."""
        _check_key(key)
        with self._write("deleting a user from") as connection:
            deleted = 0
            for table in ("checkins", "playback", "attributes"):
                deleted += connection.execute(f"DELETE FROM {table} WHERE user_key = ?", (key,)).rowcount
        # secure_delete zeroes freed pages; the checkpoint also drops old copies from the WAL when no reader holds them.
        try:
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            logger.warning("checkpoint after user deletion failed for %s: %s", self.path, exc)
        logger.info("deleted %d stored rows for one user", deleted)
        return deleted

    def close(self) -> None:
        """Closes every thread's connection; later calls raise StorageError instead of reopening silently."""
        if self._closed:
            return
        self._closed = True
        if self._pid != os.getpid():
            return
        with self._handles_lock:
            handles = list(self._handles)
            self._handles.clear()
        for handle in handles:
            try:
                handle.connection.close()
            except sqlite3.Error as exc:
                logger.warning("closing a connection to %s failed: %s", self.path, exc)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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


class SQLitePersistenceAdapter(AbstractPersistenceAdapter):
    """ASK persistent attributes on the attributes table; failures surface as the SDK's PersistenceException."""

    def __init__(self, database: Database, secret: str = "") -> None:
        self.database = database
        self._secret = secret

    def _key(self, request_envelope: RequestEnvelope) -> str:
        user_id = envelope_user_id(request_envelope)
        if user_id is None:
            raise PersistenceException("request envelope has no user id to store attributes under")
        return user_key(user_id, self._secret)

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        key = self._key(request_envelope)
        try:
            return self.database.get_attributes(key)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not load persistent attributes: {exc}") from exc

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, object]) -> None:
        key = self._key(request_envelope)
        try:
            self.database.put_attributes(key, attributes)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not save persistent attributes: {exc}") from exc

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        key = self._key(request_envelope)
        try:
            self.database.delete_attributes(key)
        except (StorageError, ValueError) as exc:
            raise PersistenceException(f"could not delete persistent attributes: {exc}") from exc
