"""The storage interface, run against both stores: SQLite always, PostgreSQL where a server can be started."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_model import RequestEnvelope
from ask_sdk_core.serialize import DefaultSerializer

from skill.storage import (
    SCHEMA_VERSION, Person, Store, StorageError, StorePersistenceAdapter, open_store, person_key, speaker, user_key,
)
from skill.storage.scope import AccountScope
from tests.envelopes import Conversation

SECRET = "contract-secret"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
ACCOUNT = user_key("amzn1.ask.account.SHAREDECHO", SECRET)
ALEX = person_key("amzn1.ask.person.ALEX", SECRET)
SAM = person_key("amzn1.ask.person.SAM", SECRET)
OTHER = user_key("amzn1.ask.account.NEIGHBOURS", SECRET)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'recharge.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def open_url(url: str, tmp_path) -> Store:
    return open_store(url, tmp_path / "recharge.sqlite3")


@pytest.fixture
def store(store_url, tmp_path):
    opened = open_url(store_url, tmp_path)
    yield opened
    opened.close()


def envelope(user_id: str, person_id: str | None = None) -> RequestEnvelope:
    body = Conversation(user_id=user_id).launch()
    if person_id:
        body["context"]["System"]["person"] = {"personId": person_id}
    import json

    return DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)


def test_both_stores_satisfy_the_interface(store):
    assert isinstance(store, Store)
    assert store.schema_version == SCHEMA_VERSION
    assert store.health().ok


def test_migrations_are_idempotent_and_reopening_keeps_rows(store_url, tmp_path):
    first = open_url(store_url, tmp_path)
    first.record_checkin(ALEX, 3, 15, "okay", T0, account=ACCOUNT)
    first.close()
    for _ in range(2):
        again = open_url(store_url, tmp_path)
        assert again.schema_version == SCHEMA_VERSION
        assert [r.score for r in again.recent_checkins(ALEX)] == [3]
        again.close()


def test_servers_starting_together_migrate_once(store_url, tmp_path):
    errors: list[BaseException] = []
    opened: list[Store] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        try:
            barrier.wait()
            opened.append(open_url(store_url, tmp_path))
        except BaseException as error:  # collected below
            errors.append(error)

    workers = [threading.Thread(target=start) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert {s.schema_version for s in opened} == {SCHEMA_VERSION}
    for s in opened:
        s.close()


def test_checkins_append_and_come_back_newest_first(store):
    for day, score in enumerate((9, 7, 4)):
        store.record_checkin(ALEX, score, 15, "strain", T0 + timedelta(days=day), account=ACCOUNT)
    store.record_checkin(SAM, 2, 15, "okay", T0, account=ACCOUNT)
    records = store.recent_checkins(ALEX, limit=5)
    assert [r.score for r in records] == [4, 7, 9]
    assert records[0].taken_at == T0 + timedelta(days=2)
    assert [r.score for r in store.recent_checkins(ALEX, limit=1)] == [4]
    assert [r.score for r in store.recent_checkins(SAM)] == [2]


def test_each_partner_has_their_own_history_and_the_account_lists_both(store):
    store.record_checkin(ALEX, 9, 15, "strain", T0, account=ACCOUNT)
    store.record_checkin(ALEX, 8, 15, "strain", T0 + timedelta(days=1), account=ACCOUNT)
    store.record_checkin(SAM, 2, 15, "okay", T0, account=ACCOUNT)
    store.record_checkin(OTHER, 5, 15, "okay", T0)
    assert store.persons(ACCOUNT) == [Person(ALEX, True, True, 2), Person(SAM, True, True, 1)]
    assert store.persons(OTHER) == [Person(OTHER, False, True, 1)]


def test_either_partner_can_turn_sharing_off_and_on(store):
    store.record_checkin(ALEX, 9, 15, "strain", T0, account=ACCOUNT)
    store.record_checkin(SAM, 2, 15, "okay", T0, account=ACCOUNT)
    store.set_sharing(ACCOUNT, SAM, False)
    assert {p.key: p.sharing for p in store.persons(ACCOUNT)} == {ALEX: True, SAM: False}
    store.set_sharing(ACCOUNT, SAM, True)
    assert all(p.sharing for p in store.persons(ACCOUNT))


def test_playback_position_is_one_row_updated_in_place(store):
    assert store.load_playback(ACCOUNT) is None
    store.save_playback(ACCOUNT, "exercise-box-breathing", 1000)
    store.save_playback(ACCOUNT, "exercise-box-breathing", 31000)
    state = store.load_playback(ACCOUNT)
    assert state is not None and (state.token, state.offset_ms) == ("exercise-box-breathing", 31000)
    assert store.row_counts()["playback"] == 1
    store.clear_playback(ACCOUNT)
    assert store.load_playback(ACCOUNT) is None


def test_concurrent_playback_saves_leave_exactly_one_row(store):
    def save(index: int) -> None:
        for n in range(10):
            store.save_playback(ACCOUNT, f"exercise-{index}", index * 100 + n)

    workers = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    state = store.load_playback(ACCOUNT)
    assert store.row_counts()["playback"] == 1
    assert state is not None and state.offset_ms % 100 == 9 and state.token == f"exercise-{state.offset_ms // 100}"


def test_concurrent_checkins_lose_nothing(store):
    def work(index: int) -> None:
        for n in range(15):
            store.record_checkin(ALEX if index % 2 else SAM, n % 16, 15 if n < 16 else 16, "okay",
                                 T0 + timedelta(seconds=index * 100 + n), account=ACCOUNT)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(store.recent_checkins(ALEX, limit=1000)) == 60
    assert len(store.recent_checkins(SAM, limit=1000)) == 60


def test_attributes_round_trip_per_person(store):
    store.put_attributes(ALEX, {"couple_names": {"one": "Alex", "two": "Sam"}, "n": 2.5}, account=ACCOUNT)
    assert store.get_attributes(ALEX) == {"couple_names": {"one": "Alex", "two": "Sam"}, "n": 2.5}
    assert store.get_attributes(SAM) == {}
    store.delete_attributes(ALEX)
    assert store.get_attributes(ALEX) == {}


def fill_account(store: Store) -> None:
    store.record_checkin(ALEX, 9, 15, "strain", T0, account=ACCOUNT)
    store.record_checkin(SAM, 2, 15, "okay", T0, account=ACCOUNT)
    store.record_checkin(ACCOUNT, 4, 15, "okay", T0)
    store.put_attributes(ALEX, {"x": 1}, account=ACCOUNT)
    store.put_attributes(SAM, {"x": 2}, account=ACCOUNT)
    store.save_playback(ACCOUNT, "exercise-body-scan", 5000)
    store.set_sharing(ACCOUNT, SAM, False)
    store.record_checkin(OTHER, 5, 15, "okay", T0)
    store.put_attributes(OTHER, {"x": 3})


def test_delete_my_data_removes_only_the_speaking_person(store):
    fill_account(store)
    assert store.delete_user(SAM) == 2
    assert store.recent_checkins(SAM) == [] and store.get_attributes(SAM) == {}
    assert [p.key for p in store.persons(ACCOUNT)] == [ACCOUNT, ALEX] or \
        sorted(p.key for p in store.persons(ACCOUNT)) == sorted([ACCOUNT, ALEX])
    assert store.get_attributes(ALEX) == {"x": 1}
    assert store.load_playback(ACCOUNT) is not None
    assert store.delete_user(SAM) == 0


def test_delete_all_our_data_removes_the_whole_account_and_nothing_else(store):
    fill_account(store)
    before = store.row_counts()
    deleted = store.delete_account(ACCOUNT)
    assert deleted == 3 + 2 + 1
    assert store.persons(ACCOUNT) == []
    for key in (ALEX, SAM, ACCOUNT):
        assert store.recent_checkins(key) == [] and store.get_attributes(key) == {}
    assert store.load_playback(ACCOUNT) is None
    after = store.row_counts()
    assert after == {"checkins": 1, "playback": 0, "attributes": 1, "people": 1}
    assert before["checkins"] == 4
    assert [r.score for r in store.recent_checkins(OTHER)] == [5]


@pytest.mark.parametrize("bad", ["amzn1.ask.account.RAW", "", "A" * 64, None, 7])
def test_raw_or_malformed_keys_are_refused(store, bad):
    with pytest.raises(ValueError):
        store.record_checkin(bad, 1, 15, "okay", T0)
    with pytest.raises(ValueError):
        store.delete_account(bad)
    if bad is not None:  # account=None means the key is the account
        with pytest.raises(ValueError):
            store.record_checkin(ALEX, 1, 15, "okay", T0, account=bad)


@pytest.mark.parametrize("score, max_score, band", [(-1, 15, "okay"), (16, 15, "okay"), (1, 0, "okay"),
                                                     (1, 15, "I said my husband never listens"), (True, 15, "okay")])
def test_bad_checkins_are_refused_before_the_database(store, score, max_score, band):
    with pytest.raises(ValueError):
        store.record_checkin(ALEX, score, max_score, band, T0)
    assert store.row_counts()["checkins"] == 0


def test_naive_timestamps_are_refused(store):
    with pytest.raises(ValueError):
        store.record_checkin(ALEX, 1, 15, "okay", datetime(2026, 1, 1))


def test_closed_store_raises_storage_error(store_url, tmp_path):
    closed = open_url(store_url, tmp_path)
    closed.close()
    with pytest.raises(StorageError):
        closed.recent_checkins(ALEX)


def test_persistence_adapter_keeps_names_per_person(store):
    adapter = StorePersistenceAdapter(store, SECRET)
    alex = envelope("amzn1.ask.account.SHAREDECHO", "amzn1.ask.person.ALEX")
    sam = envelope("amzn1.ask.account.SHAREDECHO", "amzn1.ask.person.SAM")
    nobody = envelope("amzn1.ask.account.SHAREDECHO")
    manager = AttributesManager(request_envelope=alex, persistence_adapter=adapter)
    manager.persistent_attributes["couple_names"] = {"one": "Alex", "two": "Sam"}
    manager.save_persistent_attributes()
    assert adapter.get_attributes(alex) == {"couple_names": {"one": "Alex", "two": "Sam"}}
    assert adapter.get_attributes(sam) == {} and adapter.get_attributes(nobody) == {}
    assert store.delete_account(ACCOUNT) == 1
    assert adapter.get_attributes(alex) == {}


def test_speaker_keys_hash_person_then_account():
    alex = speaker(envelope("amzn1.ask.account.SHAREDECHO", "amzn1.ask.person.ALEX"), SECRET)
    nobody = speaker(envelope("amzn1.ask.account.SHAREDECHO"), SECRET)
    assert alex is not None and (alex.account, alex.key, alex.recognised) == (ACCOUNT, ALEX, True)
    assert nobody is not None and (nobody.key, nobody.recognised) == (ACCOUNT, False)
    # A person id equal to some account's user id still hashes to a different key.
    assert person_key("amzn1.ask.account.SHAREDECHO", SECRET) != ACCOUNT


def test_account_scope_links_writes_to_the_account(store):
    scoped = AccountScope(store, ACCOUNT)
    scoped.record_checkin(ALEX, 3, 15, "okay", T0)
    scoped.record_checkin(SAM, 4, 15, "okay", T0)
    assert sorted(p.key for p in scoped.persons()) == sorted([ALEX, SAM])
    scoped.set_sharing(ALEX, False)
    assert [p.sharing for p in scoped.persons() if p.key == ALEX] == [False]
    assert scoped.delete_account() == 2
    assert scoped.persons() == []


def test_a_version_one_sqlite_file_is_upgraded_in_place(tmp_path):
    import sqlite3

    from skill.storage.sqlite import MIGRATIONS

    path = tmp_path / "v1.sqlite3"
    connection = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        connection.execute(statement)
    connection.execute("INSERT INTO checkins (user_key, taken_at, score, max_score, band) VALUES (?, ?, 4, 15, 'okay')",
                        (OTHER, T0.isoformat(timespec="microseconds")))
    connection.execute("INSERT INTO playback (user_key, token, offset_ms, updated_at) VALUES (?, 'body-scan@1', 9, ?)",
                        (OTHER, T0.isoformat()))
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with open_store(None, path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.persons(OTHER) == [Person(OTHER, False, True, 1)]
        assert store.delete_account(OTHER) == 2


@pytest.mark.parametrize("odd_id", ["amzn1.ask.person.ÄLEX-💬", "x" * 10_000, "'; DROP TABLE checkins; --",
                                    'id with spaces and "quotes"'])
def test_ids_of_any_shape_are_hashed_and_never_stored(store, odd_id, tmp_path, caplog):
    caplog.set_level("DEBUG")
    who = speaker(envelope(odd_id, odd_id), SECRET)
    assert who is not None and who.recognised and len(who.key) == len(who.account) == 64
    StorePersistenceAdapter(store, SECRET).save_attributes(envelope(odd_id, odd_id), {"visits": 1})
    store.record_checkin(who.key, 1, 15, "okay", T0, account=who.account)
    assert [p.key for p in store.persons(who.account)] == [who.key]
    assert odd_id not in caplog.text
    if store.backend == "sqlite":
        store.close()
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("recharge.sqlite3*"))
        assert odd_id.encode() not in stored
