"""PostgreSQL faults and the migrate command: clear start-up errors, typed outages, recovery, no password anywhere."""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from app import create_app, main as server_main
from skill.alexa.settings import SettingsError
from skill.storage import PostgresStore, StorageError, StorageUnavailable, person_key, user_key
from skill.storage.migrate import main as migrate_main
from skill.storage.sqlite import Database
from tests import pgcluster
from tests.conftest import Talker, dev_settings
from tests.envelopes import Conversation
from tests.pgcluster import PASSWORD, PASSWORD_URL
from tests.talk import Session

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)
ACCOUNT = user_key("amzn1.ask.account.MIGRATED")
ALEX = person_key("amzn1.ask.person.ALEX")


def assert_no_password(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text and PASSWORD_URL not in text, text


def closed_port_url() -> str:
    return f"postgresql://{pgcluster.USER}:{PASSWORD_URL}@127.0.0.1:{pgcluster.free_port()}/nowhere"


def test_unreachable_at_start_up_names_the_setting_and_never_the_password(tmp_path, caplog, capsys, monkeypatch):
    caplog.set_level(logging.DEBUG)
    settings = dev_settings(tmp_path, database_url=closed_port_url())
    with pytest.raises(SettingsError, match="RECHARGE_DATABASE_URL") as raised:
        create_app(settings, verifier=None)
    assert "127.0.0.1" in str(raised.value)
    monkeypatch.setenv("RECHARGE_VERIFY_SIGNATURES", "false")
    monkeypatch.setenv("RECHARGE_DATABASE_URL", settings.database_url)
    assert server_main(["--no-audio-build"]) == 2
    err = capsys.readouterr().err
    assert "RECHARGE_DATABASE_URL" in err
    assert_no_password(str(raised.value), err, caplog.text)


def test_wrong_password_is_refused_without_echoing_it(postgres_cluster, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = postgres_cluster.url(password="not-" + PASSWORD_URL)
    with pytest.raises(StorageError, match="RECHARGE_DATABASE_URL") as raised:
        PostgresStore(wrong)
    assert "password authentication failed" in str(raised.value)
    assert_no_password(str(raised.value), caplog.text)
    assert "not-" + PASSWORD not in str(raised.value) and "not-" + PASSWORD_URL not in str(raised.value)


def wait_until(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except StorageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_outage_mid_run_is_a_typed_error_and_the_pool_recovers(postgres_cluster, postgres_url, make_app, tmp_path,
                                                              caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(dev_settings(tmp_path, database_url=postgres_url))
    store = app.extensions["recharge"].database
    client = app.test_client()
    key = user_key(Conversation().user_id)
    store.record_checkin(key, 3, 15, "okay", T0)
    assert "database_unavailable" not in client.get("/healthz").get_json()["reasons"]
    errors: list[str] = []
    postgres_cluster.stop()
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as raised:
            store.record_checkin(key, 4, 15, "okay", T0)
        errors.append(str(raised.value))
        assert time.monotonic() - started < 8, "Alexa waits about 8 s; an outage must fail faster"
        health = client.get("/healthz")
        assert health.status_code == 200 and "database_unavailable" in health.get_json()["reasons"]
        # The skill keeps answering through a whole check-in while nothing can be saved.
        session = Session(Talker(client))
        session.say("CheckInIntent")
        for _ in range(5):
            reply = session.frequency("often")
        assert reply.speech
        errors.append(store.health().detail)
    finally:
        postgres_cluster.start()
    record = wait_until(lambda: store.record_checkin(key, 5, 15, "okay", T0 + timedelta(days=1)))
    assert record.score == 5
    assert "database_unavailable" not in client.get("/healthz").get_json()["reasons"]
    assert [r.score for r in store.recent_checkins(key)] == [5, 3]
    assert_no_password(*errors, caplog.text)


# The migrate command


def make_sqlite(path) -> None:
    with Database(path) as source:
        for day in range(3):
            source.record_checkin(ALEX, 5 + day, 15, "strain", T0 + timedelta(days=day), account=ACCOUNT)
        source.record_checkin(ACCOUNT, 2, 15, "okay", T0)
        source.record_checkin(ACCOUNT, 2, 15, "okay", T0)  # a genuine duplicate stays two rows
        source.set_sharing(ACCOUNT, ALEX, False)
        source.save_playback(ACCOUNT, "body-scan@abc", 42_000)
        source.put_attributes(ALEX, {"couple_names": {"one": "Alex", "two": "Sam"}}, account=ACCOUNT)


def test_migrate_copies_everything_once(tmp_path, postgres_url, capsys):
    source = tmp_path / "old.sqlite3"
    make_sqlite(source)
    assert migrate_main(["--from", str(source), "--to", postgres_url]) == 0
    first = capsys.readouterr().out
    assert "checkins: 5/5 read, 5 added" in first and "people: 2/2 read, 2 added" in first
    assert migrate_main(["--from", str(source), "--to", postgres_url]) == 0
    second = capsys.readouterr().out
    assert "checkins: 5/5 read, 0 added" in second
    assert_no_password(first, second)
    with PostgresStore(postgres_url) as target:
        assert target.row_counts() == {"checkins": 5, "playback": 1, "attributes": 1, "people": 2}
        assert [r.score for r in target.recent_checkins(ALEX)] == [7, 6, 5]
        assert {p.key: (p.sharing, p.checkins) for p in target.persons(ACCOUNT)} == {
            ALEX: (False, 3), ACCOUNT: (True, 2)}
        state = target.load_playback(ACCOUNT)
        assert state is not None and (state.token, state.offset_ms) == ("body-scan@abc", 42_000)
        assert target.get_attributes(ALEX) == {"couple_names": {"one": "Alex", "two": "Sam"}}
        # New check-ins after the copy get fresh ids and a later run still adds nothing.
        target.record_checkin(ALEX, 1, 15, "okay", T0 + timedelta(days=9), account=ACCOUNT)
    assert migrate_main(["--from", str(source), "--to", postgres_url]) == 0
    with PostgresStore(postgres_url) as target:
        assert target.row_counts()["checkins"] == 6


def test_migrate_upgrades_and_copies_a_version_one_file(tmp_path, postgres_url):
    source = tmp_path / "v1.sqlite3"
    connection = sqlite3.connect(source)
    from skill.storage.sqlite import MIGRATIONS

    for statement in MIGRATIONS[0]:
        connection.execute(statement)
    connection.execute("INSERT INTO checkins (user_key, taken_at, score, max_score, band) VALUES (?, ?, 4, 15, 'okay')",
                       (ACCOUNT, T0.isoformat(timespec="microseconds")))
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    assert migrate_main(["--from", str(source), "--to", postgres_url]) == 0
    with PostgresStore(postgres_url) as target:
        assert [p.key for p in target.persons(ACCOUNT)] == [ACCOUNT]


@pytest.mark.parametrize("case", ["missing", "not-sqlite", "not-postgres", "unreachable"])
def test_migrate_bad_input_is_a_clear_error(tmp_path, capsys, case):
    source = tmp_path / "data.sqlite3"
    make_sqlite(source)
    target = closed_port_url()
    if case == "missing":
        source = tmp_path / "nope.sqlite3"
    elif case == "not-sqlite":
        source = tmp_path / "notes.txt"
        source.write_text("my partner and I argued about the dishes\n")
    elif case == "not-postgres":
        target = f"mysql://user:{PASSWORD_URL}@db/x"
    assert migrate_main(["--from", str(source), "--to", target]) == 2
    err = capsys.readouterr().err
    expected = {"missing": "no SQLite database", "not-sqlite": "is not a SQLite database",
                "not-postgres": "postgresql://", "unreachable": "RECHARGE_DATABASE_URL"}[case]
    assert expected in err
    assert_no_password(err)
    assert not (tmp_path / "nope.sqlite3").exists()


def test_settings_error_for_a_bad_url_hides_the_password():
    from skill.alexa.settings import load_settings

    with pytest.raises(SettingsError) as raised:
        load_settings({"RECHARGE_VERIFY_SIGNATURES": "false",
                       "RECHARGE_DATABASE_URL": f"postgresql://u:{PASSWORD}@h:99999/d"})
    assert "RECHARGE_DATABASE_URL" in str(raised.value)
    assert_no_password(str(raised.value))


def test_database_display_hides_the_password(tmp_path):
    settings = replace(dev_settings(tmp_path), database_url=f"postgresql://u:{PASSWORD_URL}@h:5432/d")
    assert settings.database_display == "postgresql://u:***@h:5432/d"
