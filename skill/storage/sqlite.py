"""SQLite store (the embedded default): one file shared by threads and worker processes, WAL mode."""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from skill.storage.base import (
    SCHEMA_VERSION, TABLES, CheckinRecord, Health, Person, PlaybackState, StorageError, account_of,
    attributes_json, check_checkin, check_key, check_limit, check_playback, parse_utc, utc_now, utc_text,
)

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_S = 5.0
_utc_now = utc_now

# MIGRATIONS[n] moves a database from user_version n to n + 1; each step runs inside one BEGIN IMMEDIATE transaction.
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
    (
        # Version 2: rows know their account (a person's key differs from it), and each person has a sharing flag.
        "ALTER TABLE checkins ADD COLUMN account_key TEXT NOT NULL DEFAULT ''",
        "UPDATE checkins SET account_key = user_key WHERE account_key = ''",
        "ALTER TABLE checkins ADD COLUMN import_ref TEXT",
        "CREATE UNIQUE INDEX IF NOT EXISTS checkins_import_ref ON checkins (import_ref)",
        "CREATE INDEX IF NOT EXISTS checkins_account ON checkins (account_key)",
        "ALTER TABLE playback ADD COLUMN account_key TEXT NOT NULL DEFAULT ''",
        "UPDATE playback SET account_key = user_key WHERE account_key = ''",
        "CREATE INDEX IF NOT EXISTS playback_account ON playback (account_key)",
        "ALTER TABLE attributes ADD COLUMN account_key TEXT NOT NULL DEFAULT ''",
        "UPDATE attributes SET account_key = user_key WHERE account_key = ''",
        "CREATE INDEX IF NOT EXISTS attributes_account ON attributes (account_key)",
        """CREATE TABLE IF NOT EXISTS people (
            account_key TEXT NOT NULL,
            person_key TEXT NOT NULL,
            sharing INTEGER NOT NULL DEFAULT 1 CHECK (sharing IN (0, 1)),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (account_key, person_key)
        )""",
        "CREATE INDEX IF NOT EXISTS people_person ON people (person_key)",
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT OR IGNORE INTO meta (name, value) VALUES ('instance', lower(hex(randomblob(16))))",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


class _Handle:
    """One thread's connection; when the thread ends, its thread-local is dropped and the connection closes with it."""

    __slots__ = ("connection", "pid", "__weakref__")

    def __init__(self, connection: sqlite3.Connection, pid: int) -> None:
        self.connection = connection
        self.pid = pid


class Database:
    backend = "sqlite"

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
        self, key: str, score: int, max_score: int, band: str, taken_at: datetime | None = None,
        *, account: str | None = None,
    ) -> CheckinRecord:
        """Appends a row rather than rewriting a list, so two devices checking in at once both keep their score."""
        check_key(key)
        check_checkin(score, max_score, band)
        owner = account_of(key, account)
        stamp = utc_text(taken_at if taken_at is not None else self._clock())
        with self._write("recording a check-in in") as connection:
            cursor = connection.execute(
                "INSERT INTO checkins (user_key, account_key, taken_at, score, max_score, band) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, owner, stamp, score, max_score, band),
            )
            row_id = cursor.lastrowid
            connection.execute(
                "INSERT INTO people (account_key, person_key, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (account_key, person_key) DO NOTHING",
                (owner, key, stamp),
            )
        assert row_id is not None
        return CheckinRecord(row_id, key, parse_utc(stamp), score, max_score, band)

    def recent_checkins(self, key: str, limit: int = 5) -> list[CheckinRecord]:
        """Newest first, which is the order the trend is spoken in."""
        check_key(key)
        check_limit(limit)
        with self._read("reading check-ins from") as connection:
            rows = connection.execute(
                "SELECT id, user_key, taken_at, score, max_score, band FROM checkins "
                "WHERE user_key = ? ORDER BY taken_at DESC, id DESC LIMIT ?",
                (key, limit),
            ).fetchall()
        return [CheckinRecord(row[0], row[1], parse_utc(row[2]), row[3], row[4], row[5]) for row in rows]

    def persons(self, account: str) -> list[Person]:
        """Everyone with check-ins on this account, most check-ins first; the account's own key is the unrecognised voice."""
        check_key(account)
        with self._read("listing people in") as connection:
            rows = connection.execute(
                "SELECT c.user_key, COUNT(*), COALESCE(MIN(p.sharing), 1) FROM checkins c "
                "LEFT JOIN people p ON p.account_key = c.account_key AND p.person_key = c.user_key "
                "WHERE c.account_key = ? GROUP BY c.user_key ORDER BY COUNT(*) DESC, c.user_key",
                (account,),
            ).fetchall()
        return [Person(row[0], row[0] != account, bool(row[2]), row[1]) for row in rows]

    def set_sharing(self, account: str, key: str, sharing: bool) -> None:
        check_key(account)
        check_key(key)
        if not isinstance(sharing, bool):
            raise ValueError("sharing must be True or False")
        with self._write("saving a sharing choice in") as connection:
            connection.execute(
                "INSERT INTO people (account_key, person_key, sharing, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (account_key, person_key) DO UPDATE SET sharing = excluded.sharing, "
                "updated_at = excluded.updated_at",
                (account, key, int(sharing), utc_text(self._clock())),
            )

    def save_playback(self, key: str, token: str, offset_ms: int, *, account: str | None = None) -> PlaybackState:
        """AudioPlayer events carry no session, so the resume point has to live here between requests."""
        check_key(key)
        check_playback(token, offset_ms)
        owner = account_of(key, account)
        stamp = utc_text(self._clock())
        with self._write("saving playback in") as connection:
            connection.execute(
                "INSERT INTO playback (user_key, account_key, token, offset_ms, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET token = excluded.token, account_key = excluded.account_key, "
                "offset_ms = excluded.offset_ms, updated_at = excluded.updated_at",
                (key, owner, token, offset_ms, stamp),
            )
        return PlaybackState(key, token, offset_ms, parse_utc(stamp))

    def load_playback(self, key: str) -> PlaybackState | None:
        check_key(key)
        with self._read("loading playback from") as connection:
            row = connection.execute(
                "SELECT user_key, token, offset_ms, updated_at FROM playback WHERE user_key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return PlaybackState(row[0], row[1], row[2], parse_utc(row[3]))

    def clear_playback(self, key: str) -> None:
        check_key(key)
        with self._write("clearing playback in") as connection:
            connection.execute("DELETE FROM playback WHERE user_key = ?", (key,))

    def get_attributes(self, key: str) -> dict[str, Any]:
        """An empty dict when nothing is stored, which is what the ASK SDK expects for a new user."""
        check_key(key)
        with self._read("reading attributes from") as connection:
            row = connection.execute("SELECT data FROM attributes WHERE user_key = ?", (key,)).fetchone()
        if row is None:
            return {}
        data = json.loads(row[0])
        if not isinstance(data, dict):
            raise StorageError(f"database unavailable: attributes in {self.path} are not a JSON object")
        return data

    def put_attributes(self, key: str, data: Mapping[str, Any], *, account: str | None = None) -> None:
        check_key(key)
        text = attributes_json(data)
        owner = account_of(key, account)
        stamp = utc_text(self._clock())
        with self._write("saving attributes in") as connection:
            connection.execute(
                "INSERT INTO attributes (user_key, account_key, data, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET data = excluded.data, account_key = excluded.account_key, "
                "updated_at = excluded.updated_at",
                (key, owner, text, stamp),
            )

    def delete_attributes(self, key: str) -> None:
        check_key(key)
        with self._write("deleting attributes in") as connection:
            connection.execute("DELETE FROM attributes WHERE user_key = ?", (key,))

    def delete_user(self, key: str) -> int:
        """Erases one person (or an unrecognised account) in one transaction, so a crash never leaves half behind."""
        check_key(key)
        with self._write("deleting a user from") as connection:
            deleted = 0
            for table in ("checkins", "playback", "attributes"):
                deleted += connection.execute(f"DELETE FROM {table} WHERE user_key = ?", (key,)).rowcount
            connection.execute("DELETE FROM people WHERE person_key = ?", (key,))
        self._scrub()
        logger.info("deleted %d stored rows for one user", deleted)
        return deleted

    def delete_account(self, account: str) -> int:
        """Erases everyone on the account ("delete all our data"), in one transaction."""
        check_key(account)
        with self._write("deleting an account from") as connection:
            deleted = 0
            for table in ("checkins", "playback", "attributes"):
                deleted += connection.execute(
                    f"DELETE FROM {table} WHERE account_key = ? OR user_key = ?", (account, account)
                ).rowcount
            connection.execute("DELETE FROM people WHERE account_key = ?", (account,))
        self._scrub()
        logger.info("deleted %d stored rows for one account", deleted)
        return deleted

    def _scrub(self) -> None:
        # secure_delete zeroes freed pages; the checkpoint also drops old copies from the WAL when no reader holds them.
        try:
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            logger.warning("checkpoint after deletion failed for %s: %s", self.path, exc)

    def row_counts(self) -> dict[str, int]:
        with self._read("counting rows in") as connection:
            return {table: int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) for table in TABLES}

    def instance_id(self) -> str:
        """A random id made when the file was created; the migrate command uses it to recognise rows it copied."""
        with self._read("reading the instance id of") as connection:
            return str(connection.execute("SELECT value FROM meta WHERE name = 'instance'").fetchone()[0])

    def export_rows(self, table: str) -> Iterator[tuple[Any, ...]]:
        """Every row of one table in a fixed column order, for the migrate command."""
        columns = EXPORT_COLUMNS[table]
        with self._read(f"reading {table} from") as connection:
            cursor = connection.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
            while batch := cursor.fetchmany(500):
                yield from batch

    def health(self) -> Health:
        try:
            with self._read("checking") as connection:
                connection.execute("SELECT 1").fetchone()
        except StorageError as exc:
            return Health(False, self.backend, str(exc))
        return Health(True, self.backend)

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


EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "checkins": ("id", "user_key", "account_key", "taken_at", "score", "max_score", "band"),
    "playback": ("user_key", "account_key", "token", "offset_ms", "updated_at"),
    "attributes": ("user_key", "account_key", "data", "updated_at"),
    "people": ("account_key", "person_key", "sharing", "updated_at"),
}
SQLiteStore = Database
