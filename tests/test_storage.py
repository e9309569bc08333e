"""Tests for skill.storage against real SQLite files, including thread and process contention."""
from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import Application, Context, Device, LaunchRequest, RequestEnvelope, Session, User
from ask_sdk_model.interfaces.system import SystemState

from skill.alexa.storage import (
    SCHEMA_VERSION,
    CheckinRecord,
    Database,
    PlaybackState,
    SQLitePersistenceAdapter,
    StorageError,
    user_key,
)

SECRET = "test-secret"
ALEXA_ID_A = "amzn1.ask.account.AAAAPRIVATEUSERIDALPHA0123456789"
ALEXA_ID_B = "amzn1.ask.account.BBBBPRIVATEUSERIDBRAVO0123456789"
KEY_A = user_key(ALEXA_ID_A, SECRET)
KEY_B = user_key(ALEXA_ID_B, SECRET)
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)


def envelope(user_id: str | None, session_user_id: str | None = None) -> RequestEnvelope:
    system = SystemState(
        application=Application(application_id="amzn1.ask.skill.00000000-0000-0000-0000-000000000000"),
        user=User(user_id=user_id) if user_id else None,
        device=Device(device_id="amzn1.ask.device.TESTDEVICE"),
    )
    session = None
    if session_user_id:
        session = Session(new=True, session_id="amzn1.echo-api.session.1", user=User(user_id=session_user_id))
    return RequestEnvelope(
        version="1.0",
        session=session,
        context=Context(system=system),
        request=LaunchRequest(request_id="amzn1.echo-api.request.1", timestamp=T0, locale="en-US"),
    )


def database_bytes(path: Path) -> bytes:
    """The main file plus WAL and shared-memory files, where recently written pages live."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "recharge.sqlite3"


@pytest.fixture
def db(db_path: Path):
    database = Database(db_path)
    yield database
    database.close()


# user_key


def test_user_key_is_stable_hex_hmac_and_depends_on_secret() -> None:
    assert user_key(ALEXA_ID_A, SECRET) == KEY_A
    assert len(KEY_A) == 64 and int(KEY_A, 16) >= 0
    assert KEY_A != KEY_B
    assert user_key(ALEXA_ID_A, "other") != KEY_A
    assert ALEXA_ID_A not in KEY_A


def test_user_key_rejects_empty_id() -> None:
    with pytest.raises(ValueError):
        user_key("")


def test_methods_refuse_clear_user_ids(db: Database) -> None:
    with pytest.raises(ValueError, match="user_key"):
        db.record_checkin(ALEXA_ID_A, 3, 10, "low")
    with pytest.raises(ValueError):
        db.put_attributes(ALEXA_ID_A, {})


# Schema and opening


def test_creates_parent_folders_wal_and_schema_version(db: Database, db_path: Path) -> None:
    assert db_path.is_file()
    assert db.schema_version == SCHEMA_VERSION
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    assert {"attributes", "checkins", "playback", "checkins_user_taken"} <= tables


def test_schema_creation_is_idempotent_across_reopen(db_path: Path) -> None:
    with Database(db_path) as first:
        first.record_checkin(KEY_A, 4, 10, "moderate", taken_at=T0)
    with Database(db_path) as second:
        assert second.schema_version == SCHEMA_VERSION
        assert [r.score for r in second.recent_checkins(KEY_A)] == [4]
    with Database(db_path) as third:
        assert third.schema_version == SCHEMA_VERSION


def test_newer_schema_version_is_refused(db_path: Path) -> None:
    Database(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StorageError, match="newer"):
        Database(db_path)


def test_path_that_is_a_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="database unavailable"):
        Database(tmp_path)


def test_parent_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="database unavailable"):
        Database(blocker / "recharge.sqlite3")


def test_corrupt_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not an sqlite database, just junk bytes\n" * 200)
    with pytest.raises(StorageError, match="database unavailable.*not a database"):
        Database(path)


def test_closed_database_raises_storage_error(db_path: Path) -> None:
    database = Database(db_path)
    database.close()
    database.close()
    with pytest.raises(StorageError, match="closed"):
        database.recent_checkins(KEY_A)


# Check-ins


def test_checkin_round_trip(db: Database) -> None:
    record = db.record_checkin(KEY_A, 7, 12, "high", taken_at=T0)
    assert isinstance(record, CheckinRecord)
    assert (record.user_key, record.score, record.max_score, record.band, record.taken_at) == (
        KEY_A, 7, 12, "high", T0,
    )
    assert db.recent_checkins(KEY_A) == [record]
    with pytest.raises(AttributeError):
        record.score = 1  # type: ignore[misc]


def test_checkin_times_are_stored_as_utc(db: Database) -> None:
    local = datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    record = db.record_checkin(KEY_A, 1, 10, "low", taken_at=local)
    assert record.taken_at == T0 and record.taken_at.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone"):
        db.record_checkin(KEY_A, 1, 10, "low", taken_at=datetime(2024, 3, 1))


def test_checkin_defaults_to_the_clock(db_path: Path) -> None:
    with Database(db_path, clock=lambda: T0) as database:
        assert database.record_checkin(KEY_A, 2, 10, "low").taken_at == T0


def test_recent_checkins_newest_first_with_limit(db: Database) -> None:
    # Inserted out of order so the result cannot just be insertion order.
    for day in (3, 0, 5, 1, 4, 2, 6):
        db.record_checkin(KEY_A, day, 10, "low", taken_at=T0 + timedelta(days=day))
    assert [r.score for r in db.recent_checkins(KEY_A)] == [6, 5, 4, 3, 2]
    assert [r.score for r in db.recent_checkins(KEY_A, limit=2)] == [6, 5]
    assert len(db.recent_checkins(KEY_A, limit=100)) == 7
    with pytest.raises(ValueError):
        db.recent_checkins(KEY_A, limit=0)


def test_same_timestamp_breaks_ties_by_insertion(db: Database) -> None:
    first = db.record_checkin(KEY_A, 1, 10, "low", taken_at=T0)
    second = db.record_checkin(KEY_A, 2, 10, "low", taken_at=T0)
    assert db.recent_checkins(KEY_A) == [second, first]


@pytest.mark.parametrize(
    ("score", "max_score", "band"),
    [(-1, 10, "low"), (11, 10, "low"), (0, 0, "low"), (True, 10, "low"), (3, 10, ""),
     (3, 10, "we keep fighting about money"), (3, 10, "x" * 40)],
)
def test_invalid_checkins_are_rejected(db: Database, score: int, max_score: int, band: str) -> None:
    with pytest.raises(ValueError):
        db.record_checkin(KEY_A, score, max_score, band, taken_at=T0)
    assert db.recent_checkins(KEY_A) == []


def test_users_are_isolated(db: Database) -> None:
    db.record_checkin(KEY_A, 1, 10, "low", taken_at=T0)
    db.record_checkin(KEY_B, 9, 10, "high", taken_at=T0)
    db.save_playback(KEY_A, "breathing", 1000)
    db.put_attributes(KEY_B, {"name_said": True})
    assert [r.score for r in db.recent_checkins(KEY_A)] == [1]
    assert [r.score for r in db.recent_checkins(KEY_B)] == [9]
    assert db.load_playback(KEY_B) is None
    assert db.get_attributes(KEY_A) == {}


# Playback


def test_playback_round_trip_overwrite_and_clear(db_path: Path) -> None:
    with Database(db_path, clock=lambda: T0) as database:
        assert database.load_playback(KEY_A) is None
        database.save_playback(KEY_A, "exercise-breathing", 1500)
        database.save_playback(KEY_A, "exercise-gratitude", 42_000)
        assert database.load_playback(KEY_A) == PlaybackState(KEY_A, "exercise-gratitude", 42_000, T0)
        database.clear_playback(KEY_A)
        assert database.load_playback(KEY_A) is None
        database.clear_playback(KEY_A)
        with pytest.raises(ValueError):
            database.save_playback(KEY_A, "t", -1)
        with pytest.raises(ValueError):
            database.save_playback(KEY_A, "", 0)


# Attributes


def test_attributes_round_trip_and_delete(db: Database) -> None:
    assert db.get_attributes(KEY_A) == {}
    data = {"visits": 3, "last_exercise": "breathing", "flags": {"heard_intro": True}, "list": [1, 2.5, None]}
    db.put_attributes(KEY_A, data)
    assert db.get_attributes(KEY_A) == data
    db.put_attributes(KEY_A, {"visits": 4})
    assert db.get_attributes(KEY_A) == {"visits": 4}
    db.delete_attributes(KEY_A)
    assert db.get_attributes(KEY_A) == {}


def test_attributes_must_be_json(db: Database) -> None:
    with pytest.raises(ValueError, match="JSON"):
        db.put_attributes(KEY_A, {"when": T0})
    with pytest.raises(ValueError, match="JSON"):
        db.put_attributes(KEY_A, {"bad": float("nan")})


# delete_user and privacy


def test_delete_user_removes_everything_for_that_user_only(db: Database, db_path: Path) -> None:
    for i in range(3):
        db.record_checkin(KEY_A, i, 10, "low", taken_at=T0 + timedelta(days=i))
    db.save_playback(KEY_A, "exercise-breathing", 900)
    db.put_attributes(KEY_A, {"visits": 2})
    db.record_checkin(KEY_B, 8, 10, "high", taken_at=T0)
    db.save_playback(KEY_B, "exercise-gratitude", 100)
    db.put_attributes(KEY_B, {"visits": 5})

    assert db.delete_user(KEY_A) == 5
    assert db.recent_checkins(KEY_A) == []
    assert db.load_playback(KEY_A) is None
    assert db.get_attributes(KEY_A) == {}
    assert [r.score for r in db.recent_checkins(KEY_B)] == [8]
    assert db.load_playback(KEY_B) is not None
    assert db.get_attributes(KEY_B) == {"visits": 5}
    assert db.delete_user(KEY_A) == 0

    db.close()
    stored = database_bytes(db_path)
    assert KEY_A.encode() not in stored
    assert KEY_B.encode() in stored


def test_clear_user_id_never_reaches_the_file(db: Database, db_path: Path) -> None:
    adapter = SQLitePersistenceAdapter(db, SECRET)
    for alexa_id in (ALEXA_ID_A, ALEXA_ID_B):
        adapter.save_attributes(envelope(alexa_id), {"visits": 1})
        key = user_key(alexa_id, SECRET)
        db.record_checkin(key, 5, 10, "moderate", taken_at=T0)
        db.save_playback(key, "exercise-breathing", 10)
    adapter.delete_attributes(envelope(ALEXA_ID_B))
    stored_while_open = database_bytes(db_path)
    db.close()
    stored = stored_while_open + database_bytes(db_path)
    assert KEY_A.encode() in stored
    for alexa_id in (ALEXA_ID_A, ALEXA_ID_B):
        assert alexa_id.encode() not in stored
        assert alexa_id.split(".")[-1].encode() not in stored


def test_delete_user_is_one_transaction(db: Database, db_path: Path) -> None:
    db.record_checkin(KEY_A, 1, 10, "low", taken_at=T0)
    db.put_attributes(KEY_A, {"visits": 1})
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with Database(db_path, busy_timeout_s=0.05) as impatient:
            with pytest.raises(StorageError, match="locked"):
                impatient.delete_user(KEY_A)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(db.recent_checkins(KEY_A)) == 1
    assert db.get_attributes(KEY_A) == {"visits": 1}


# Persistence adapter


def test_adapter_round_trip_with_request_envelopes(db: Database) -> None:
    adapter = SQLitePersistenceAdapter(db, SECRET)
    request_a = envelope(ALEXA_ID_A)
    assert adapter.get_attributes(request_a) == {}
    adapter.save_attributes(request_a, {"visits": 1, "voice": "calm"})
    assert adapter.get_attributes(envelope(ALEXA_ID_A)) == {"visits": 1, "voice": "calm"}
    assert adapter.get_attributes(envelope(ALEXA_ID_B)) == {}
    assert db.get_attributes(KEY_A) == {"visits": 1, "voice": "calm"}
    adapter.delete_attributes(request_a)
    assert adapter.get_attributes(request_a) == {}


def test_adapter_falls_back_to_session_user(db: Database) -> None:
    adapter = SQLitePersistenceAdapter(db, SECRET)
    adapter.save_attributes(envelope(None, session_user_id=ALEXA_ID_A), {"visits": 7})
    assert adapter.get_attributes(envelope(ALEXA_ID_A)) == {"visits": 7}


def test_adapter_without_user_id_raises_persistence_exception(db: Database) -> None:
    with pytest.raises(PersistenceException, match="no user id"):
        SQLitePersistenceAdapter(db, SECRET).get_attributes(envelope(None))


def test_adapter_works_through_attributes_manager(db: Database) -> None:
    adapter = SQLitePersistenceAdapter(db, SECRET)
    manager = AttributesManager(request_envelope=envelope(ALEXA_ID_A), persistence_adapter=adapter)
    manager.persistent_attributes["visits"] = 1
    manager.save_persistent_attributes()
    again = AttributesManager(request_envelope=envelope(ALEXA_ID_A), persistence_adapter=adapter)
    assert again.persistent_attributes == {"visits": 1}
    again.delete_persistent_attributes()
    assert adapter.get_attributes(envelope(ALEXA_ID_A)) == {}


def test_adapter_wraps_storage_failures(db_path: Path) -> None:
    database = Database(db_path)
    adapter = SQLitePersistenceAdapter(database, SECRET)
    database.close()
    with pytest.raises(PersistenceException, match="database unavailable"):
        adapter.get_attributes(envelope(ALEXA_ID_A))
    with pytest.raises(PersistenceException):
        adapter.save_attributes(envelope(ALEXA_ID_A), {"visits": 1})
    with pytest.raises(PersistenceException):
        adapter.delete_attributes(envelope(ALEXA_ID_A))


def test_adapter_rejects_non_json_attributes_as_persistence_exception(db: Database) -> None:
    with pytest.raises(PersistenceException, match="JSON"):
        SQLitePersistenceAdapter(db, SECRET).save_attributes(envelope(ALEXA_ID_A), {"obj": object()})


# Concurrency

THREADS = 16
PER_THREAD = 25


def run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def wrapped(index: int) -> None:
        try:
            start.wait()
            target(index)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    workers = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_threads_checking_in_for_different_users(db: Database) -> None:
    keys = [user_key(f"amzn1.ask.account.thread{i}", SECRET) for i in range(THREADS)]

    def work(index: int) -> None:
        for n in range(PER_THREAD):
            db.record_checkin(keys[index], n % 11, 10, "low", taken_at=T0 + timedelta(minutes=n))
            db.save_playback(keys[index], f"exercise-{index}", n * 100)

    assert run_threads(work, THREADS) == []
    for index, key in enumerate(keys):
        assert [r.score for r in db.recent_checkins(key, limit=1000)] == [n % 11 for n in reversed(range(PER_THREAD))]
        state = db.load_playback(key)
        assert state is not None and (state.token, state.offset_ms) == (f"exercise-{index}", (PER_THREAD - 1) * 100)


def test_threads_checking_in_for_the_same_user_lose_nothing(db: Database) -> None:
    def work(index: int) -> None:
        for n in range(PER_THREAD):
            db.record_checkin(KEY_A, index % 11, 10, "low", taken_at=T0 + timedelta(seconds=index * PER_THREAD + n))
            db.recent_checkins(KEY_A, limit=3)

    assert run_threads(work, THREADS) == []
    records = db.recent_checkins(KEY_A, limit=10_000)
    assert len(records) == THREADS * PER_THREAD
    assert len({r.id for r in records}) == THREADS * PER_THREAD


def test_connections_of_finished_threads_are_released(db: Database) -> None:
    for _ in range(3):
        assert run_threads(lambda i: db.recent_checkins(KEY_A), 8) == []
    assert len(db._handles) <= 2


PROCESSES = 4
PER_PROCESS = 50


def process_worker(path: str, index: int, results) -> None:
    """Opens its own Database on the shared file, as a gunicorn worker would."""
    errors = []
    try:
        database = Database(path)
        try:
            for n in range(PER_PROCESS):
                try:
                    database.record_checkin(KEY_A, n % 11, 10, "low", taken_at=T0 + timedelta(seconds=n))
                    database.record_checkin(user_key(f"proc-{index}", SECRET), 1, 10, "low", taken_at=T0)
                except StorageError as exc:
                    errors.append(str(exc))
        finally:
            database.close()
    except StorageError as exc:
        errors.append(str(exc))
    results.put((index, errors))


def run_processes(method: str, path: Path) -> list[tuple[int, list[str]]]:
    context = multiprocessing.get_context(method)
    results = context.Queue()
    workers = [context.Process(target=process_worker, args=(str(path), i, results)) for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcome = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return outcome


def test_processes_creating_and_writing_the_same_new_file(db_path: Path) -> None:
    outcome = run_processes("spawn", db_path)
    assert [errors for _, errors in outcome] == [[]] * PROCESSES
    with Database(db_path) as database:
        assert len(database.recent_checkins(KEY_A, limit=10_000)) == PROCESSES * PER_PROCESS
        for index in range(PROCESSES):
            assert len(database.recent_checkins(user_key(f"proc-{index}", SECRET), limit=1000)) == PER_PROCESS


def forked_worker(database: Database, index: int, results) -> None:
    """Uses a Database inherited across fork, as with gunicorn --preload."""
    errors = []
    for n in range(PER_PROCESS):
        try:
            database.record_checkin(KEY_B, index, 10, "low", taken_at=T0 + timedelta(seconds=n))
        except StorageError as exc:
            errors.append(str(exc))
    results.put((index, errors))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_database_inherited_across_fork(db: Database) -> None:
    db.record_checkin(KEY_B, 0, 10, "low", taken_at=T0)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=forked_worker, args=(db, i, results)) for i in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcome = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert [errors for _, errors in outcome] == [[]] * PROCESSES
    assert len(db.recent_checkins(KEY_B, limit=10_000)) == 1 + PROCESSES * PER_PROCESS
