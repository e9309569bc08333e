"""History: scores and dates only, compared and trended, erased on request; without a database the skill still answers."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from skill import history
from skill.checkin import score
from skill.speech import phrasebook
from skill.alexa.settings import Settings
from skill.storage import CheckinRecord, StorageError, user_key
from skill.alexa.wiring import Services
from tests.conftest import Talker
from tests.envelopes import Conversation
from tests.talk import Session, said, text

NOW = datetime(2025, 3, 10, 12, tzinfo=timezone.utc)


def record(score_: int, days_ago: int = 0, band: str = "strain", max_score: int = 15) -> CheckinRecord:
    return CheckinRecord(1, "k" * 64, NOW - timedelta(days=days_ago), score_, max_score, band)


@pytest.mark.parametrize("before, after, direction", [(7, 9, "higher"), (7, 8, "same"), (7, 6, "same"),
                                                      (7, 5, "lower"), (0, 15, "higher")])
def test_direction_needs_a_meaningful_change(before, after, direction):
    assert history.direction(before, after) == direction


@pytest.mark.parametrize("days, message", [(0, "history.when.today"), (1, "history.when.yesterday"),
                                           (6, "history.when.days")])
def test_when_is_spoken_relative_to_today(days, message):
    assert history.when(record(5, days), NOW).id == message


def test_trend_uses_the_full_scale_even_for_an_older_maximum():
    lines = history.trend([record(10, 0), record(3, 2, max_score=5)], NOW)  # 3 of 5 is 9 of 15
    assert lines[0].id == "history.trend.same"


def test_a_heavier_trend_is_said_as_heavier_and_bands_as_reflections():
    book = phrasebook("en-US")
    heavier = book.text("history.trend.higher", count=3)
    assert "heavier" in heavier and "gone up" not in heavier and "lighter" in book.text("history.trend.lower", count=3)
    for band in ("okay", "strain", "strong"):
        assert "reading was" not in book.text(f"history.band.{band}") and "sounded like" in book.text(f"history.band.{band}")


def test_trend_from_none_one_and_many():
    assert [l.id for l in history.trend([], NOW)] == ["history.trend.none"]
    assert [l.id for l in history.trend([record(5)], NOW)] == ["history.trend.single", "history.when.today",
                                                                "history.band.strain"]
    many = [record(3, 0, "okay"), record(6, 3), record(9, 7)]
    lines = history.trend(many, NOW)
    assert [l.id for l in lines] == ["history.trend.lower", "history.when.today", "history.band.okay"]
    assert dict(lines[0].params) == {"count": 3}


class BrokenDatabase:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StorageError("database unavailable (test)")
        return fail


def test_helpers_answer_none_or_false_when_the_database_breaks(caplog):
    services = Services(user_key="a" * 64, database=BrokenDatabase(), settings=Settings())
    assert services.recent_checkins() is None
    assert services.save_checkin(score(("often",) * 5)) is False
    assert services.erase_data() is False
    assert "history unavailable" in caplog.text and "a" * 64 not in caplog.text


def full_checkin(s: Session, codes=("often",) * 5):
    s.say("CheckInIntent")
    reply = None
    for code in codes:
        reply = s.frequency(code)
    return reply


def test_history_across_two_sessions(make_app):
    app = make_app()
    talker = Talker(app.test_client())
    first = Session(talker)
    reply = full_checkin(first, ("almost_always",) * 5)
    assert said(reply, "checkin.result.strong")
    assert not said(reply, "history.when.today")
    first.say("AMAZON.StopIntent")

    second = Session(talker, first.conversation)
    reply = second.launch()
    assert "checked in" not in reply.speech, "a shared speaker never says when anyone last checked in"
    reply = full_checkin(second, ("sometimes",) * 5)
    assert "checked in" not in reply.speech and said(reply, "checkin.result.kept")
    reply = second.say("HistoryIntent", "how have i been doing")
    assert said(reply, "history.trend.lower", count=2) and said(reply, "history.band.strain")

    rows = app.extensions["recharge"].database.recent_checkins(user_key(first.conversation.user_id), 10)
    assert [(r.score, r.max_score, r.band) for r in rows] == [(5, 15, "strain"), (15, 15, "strong")]


def test_delete_my_data_confirms_then_erases_everything(make_app):
    app = make_app()
    s = Session(Talker(app.test_client()))
    full_checkin(s)
    reply = s.say("DeleteDataIntent")
    assert said(reply, "offer.delete_data.all")
    reply = s.no()
    assert said(reply, "delete.kept")
    database = app.extensions["recharge"].database
    key = user_key(s.conversation.user_id)
    assert len(database.recent_checkins(key)) == 1
    s.say("DeleteDataIntent")
    reply = s.yes()
    assert said(reply, "delete.done")
    assert database.recent_checkins(key) == []
    assert said(s.say("HistoryIntent"), "history.trend.none")


def test_a_yes_long_after_the_delete_question_does_not_delete(make_app):
    app = make_app()
    s = Session(Talker(app.test_client()))
    full_checkin(s)
    s.say("DeleteDataIntent")
    s.say("HistoryIntent")
    reply = s.yes()
    assert not said(reply, "delete.done")
    assert len(app.extensions["recharge"].database.recent_checkins(user_key(s.conversation.user_id))) == 1


@pytest.mark.parametrize("database", [None, BrokenDatabase()], ids=["absent", "raising"])
def test_without_a_database_the_skill_still_answers(make_app, database, caplog):
    s = Session(Talker(make_app(database=database).test_client()))
    assert said(s.launch(), "checkin.intro") is False
    reply = full_checkin(s)
    assert said(reply, "checkin.result.strong") and said(reply, "offer.strategy.restoration")
    assert said(s.say("HistoryIntent"), "history.unavailable")
    s.say("DeleteDataIntent")
    assert said(s.yes(), "delete.failed")
    assert "history unavailable" in caplog.text or "not saved" in caplog.text


@pytest.mark.parametrize("same_user", [False, True], ids=["different-users", "same-user"])
def test_simultaneous_check_ins_lose_no_writes(make_app, same_user):
    app = make_app()
    threads, errors, count = [], [], 12

    def run(index: int) -> None:
        try:
            user = "amzn1.ask.account.SAME" if same_user else f"amzn1.ask.account.USER{index}"
            s = Session(Talker(app.test_client()), Conversation(user_id=user))
            reply = full_checkin(s, ("sometimes", "often", "never", "often", "almost_always"))
            assert said(reply, "checkin.result.strain")
        except BaseException as error:  # reported to the main thread below
            errors.append(error)

    for index in range(count):
        threads.append(threading.Thread(target=run, args=(index,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    database = app.extensions["recharge"].database
    counts = database.row_counts()
    assert (counts["checkins"], counts["people"]) == (count, 1 if same_user else count)
