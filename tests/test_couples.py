"""Two people on one speaker, end to end through the app: each voice its own history, the side by side, deleting."""
from __future__ import annotations

import logging

import pytest

from skill.storage import person_key, user_key
from tests.conftest import Talker
from tests.envelopes import USER_ID, Conversation
from tests.talk import Session, said

ALEX = "amzn1.ask.person.ALEXVOICEPROFILEMUSTNEVERBELOGGED"
SAM = "amzn1.ask.person.SAMVOICEPROFILEMUSTNEVERBELOGGED"


def voice(talker: Talker, person_id: str | None) -> Session:
    """A new session on the couple's one account, spoken by a recognised voice (or by an unrecognised one)."""
    return Session(talker, Conversation(user_id=USER_ID, person_id=person_id))


def check_in(s: Session, code: str):
    s.say("CheckInIntent")
    reply = None
    for _ in range(5):
        reply = s.frequency(code)
    return reply


@pytest.fixture
def app_and_talker(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app()
    yield app, Talker(app.test_client())
    for secret in (ALEX, SAM, USER_ID):
        assert secret not in caplog.text, "a person or user id reached the log"


def test_the_envelope_factory_carries_a_person_id_only_when_given():
    assert "person" not in Conversation().launch()["context"]["System"]
    envelope = Conversation(person_id=ALEX).intent("HistoryIntent")
    assert envelope["context"]["System"]["person"] == {"personId": ALEX}
    assert envelope["context"]["System"]["user"]["userId"] == USER_ID


def test_each_recognised_partner_has_their_own_check_ins_and_trend(app_and_talker):
    app, talker = app_and_talker
    alex, sam = voice(talker, ALEX), voice(talker, SAM)
    assert said(check_in(alex, "almost_always"), "checkin.result.strong")
    reply = check_in(sam, "never")
    assert said(reply, "checkin.result.okay")
    assert not said(reply, "history.when.today"), "Sam's first check-in was compared with Alex's"
    reply = check_in(alex, "often")
    assert said(reply, "checkin.result.kept") and not said(reply, "history.when.today")  # compared only when asked
    assert said(alex.say("HistoryIntent"), "history.trend.lower", count=2)
    reply = sam.say("HistoryIntent")
    assert said(reply, "history.trend.single") and said(reply, "history.band.okay")

    database = app.extensions["recharge"].database
    assert [r.score for r in database.recent_checkins(person_key(ALEX), 10)] == [10, 15]
    assert [r.score for r in database.recent_checkins(person_key(SAM), 10)] == [0]
    assert database.recent_checkins(user_key(USER_ID), 10) == []


def test_remembered_names_belong_to_the_voice_that_asked(app_and_talker):
    app, talker = app_and_talker
    alex = voice(talker, ALEX)
    reply = alex.say("RememberNamesIntent", first_name="Alex", second_name="Sam")
    assert said(reply, "reconnect.remembered", one="Alex", two="Sam")
    database = app.extensions["recharge"].database
    assert database.get_attributes(person_key(ALEX))["couple_names"] == {"one": "Alex", "two": "Sam"}
    assert database.get_attributes(person_key(SAM)) == {} and database.get_attributes(user_key(USER_ID)) == {}


def test_how_are_we_both_doing_offers_first_and_either_partner_can_turn_sharing_off(app_and_talker):
    _, talker = app_and_talker
    alex, sam = voice(talker, ALEX), voice(talker, SAM)
    check_in(alex, "almost_always")
    assert said(alex.say("BothOfUsHistoryIntent"), "together.no_partner")
    check_in(sam, "never")

    reply = alex.say("BothOfUsHistoryIntent", "how are we both doing")
    assert said(reply, "offer.together.both") and not said(reply, "together.theirs.okay")
    reply = alex.yes()
    assert said(reply, "together.mine.strong") and said(reply, "together.theirs.okay") and said(reply, "together.close")

    assert said(sam.say("SharingOffIntent", "turn sharing off"), "sharing.turned_off")
    reply = alex.say("BothOfUsHistoryIntent")
    assert said(reply, "together.sharing_off") and not said(reply, "together.theirs.okay")
    assert said(sam.say("BothOfUsHistoryIntent"), "together.you_turned_off")

    assert said(sam.say("SharingOnIntent", "turn sharing on"), "sharing.turned_on")
    assert said(sam.say("BothOfUsHistoryIntent"), "offer.together.both")
    reply = sam.yes()
    assert said(reply, "together.mine.okay") and said(reply, "together.theirs.strong")


def test_a_yes_to_the_side_by_side_checks_sharing_again(app_and_talker):
    _, talker = app_and_talker
    alex, sam = voice(talker, ALEX), voice(talker, SAM)
    check_in(alex, "often")
    check_in(sam, "sometimes")
    assert said(alex.say("BothOfUsHistoryIntent"), "offer.together.both")
    sam.say("SharingOffIntent")
    reply = alex.yes()
    assert said(reply, "together.sharing_off") and not said(reply, "together.theirs.strain")


def test_without_voice_profiles_there_is_no_side_by_side_and_no_sharing_switch(app_and_talker):
    _, talker = app_and_talker
    someone = voice(talker, None)
    check_in(someone, "often")
    assert said(someone.say("BothOfUsHistoryIntent"), "together.needs_voices")
    assert said(someone.say("SharingOffIntent"), "sharing.needs_voice")


def test_an_unrecognised_voice_is_asked_once_per_session_and_never_hears_the_other(app_and_talker):
    app, talker = app_and_talker
    check_in(voice(talker, ALEX), "almost_always")
    holder = voice(talker, None)
    reply = check_in(holder, "never")  # one person so far on the account's own key: no question
    assert said(reply, "checkin.result.okay") and not said(reply, "offer.speaker.any")

    partner = voice(talker, None)
    reply = partner.launch()
    assert not said(reply, "history.when.today")
    reply = partner.say("HistoryIntent", "how have i been doing")
    assert said(reply, "offer.speaker.any") and not said(reply, "history.band.okay")
    reply = partner.no()
    assert said(reply, "history.trend.none"), "the partner heard someone else's history"
    reply = check_in(partner, "sometimes")
    assert not said(reply, "offer.speaker.any"), "asked twice in one session"
    assert said(reply, "checkin.result.strain") and not said(reply, "history.when.today")
    assert said(partner.say("HistoryIntent"), "history.trend.single")

    again = voice(talker, None)
    assert said(again.say("HistoryIntent"), "offer.speaker.any")
    reply = again.yes()
    assert said(reply, "history.trend.single") and said(reply, "history.band.okay")

    database = app.extensions["recharge"].database
    assert [r.score for r in database.recent_checkins(user_key(USER_ID), 10)] == [0]
    assert len(database.persons(user_key(USER_ID))) == 3


def test_delete_my_data_erases_only_the_speaker_and_delete_all_erases_the_account(app_and_talker):
    app, talker = app_and_talker
    database = app.extensions["recharge"].database
    alex, sam, holder = voice(talker, ALEX), voice(talker, SAM), voice(talker, None)
    check_in(alex, "often")
    check_in(sam, "sometimes")
    assert said(holder.say("SpeakerAnswerIntent", "i'm the account holder", speaker=("account holder", "holder")),
                "speaker.noted")
    check_in(holder, "never")

    assert said(alex.say("DeleteDataIntent", "delete my data"), "offer.delete_data.all")
    assert said(alex.yes(), "delete.done")
    assert database.recent_checkins(person_key(ALEX)) == []
    assert len(database.recent_checkins(person_key(SAM))) == 1
    assert len(database.recent_checkins(user_key(USER_ID))) == 1

    assert said(sam.say("DeleteAllDataIntent", "delete all our data"), "offer.delete_data.account")
    assert said(sam.no(), "delete.kept")
    assert len(database.recent_checkins(person_key(SAM))) == 1
    sam.say("DeleteAllDataIntent")
    assert said(sam.yes(), "delete.all_done")
    assert database.recent_checkins(person_key(SAM)) == [] and database.recent_checkins(user_key(USER_ID)) == []
    assert database.persons(user_key(USER_ID)) == []


@pytest.mark.parametrize("database", ["absent", "raising"])
def test_a_check_in_that_could_not_be_saved_says_so_gently(make_app, database):
    from tests.test_history import BrokenDatabase

    app = make_app(database=None if database == "absent" else BrokenDatabase())
    reply = check_in(Session(Talker(app.test_client()), Conversation(person_id=ALEX)), "sometimes")
    assert said(reply, "checkin.result.strain") and said(reply, "checkin.result.not_saved")


def test_a_saved_check_in_does_not_say_it_was_not_saved(talker):
    reply = check_in(Session(talker), "sometimes")
    assert said(reply, "checkin.result.strain") and not said(reply, "checkin.result.not_saved")


def test_the_couples_port_answers_none_or_false_when_the_store_breaks(caplog):
    from skill.alexa.settings import Settings
    from skill.alexa.wiring import Services, partner_key
    from skill.storage.scope import AccountScope
    from tests.test_history import BrokenDatabase

    account, alex = user_key(USER_ID, "s"), person_key(ALEX, "s")
    services = Services(user_key=alex, database=AccountScope(BrokenDatabase(), account),
                        settings=Settings(user_key_secret="s"), account_key=account, recognised=True)
    assert services.people_on_account() is None and services.together() is None
    assert services.set_sharing(False) is False and services.erase_account() is False
    assert account not in caplog.text and alex not in caplog.text
    unrecognised = Services(user_key=account, database=None, settings=Settings(user_key_secret="s"),
                            account_key=account)
    assert unrecognised.as_speaker("holder").user_key == account
    assert unrecognised.as_speaker("partner").user_key == partner_key(account, "s") != account
    assert services.as_speaker("partner").user_key == alex, "a recognised voice is never re-keyed"
