"""Whatever shape slot values, resolutions, offsets and session attributes arrive in, the skill answers: never a 500."""
from __future__ import annotations

import pytest

from skill.speech import phrasebook
from tests.conftest import Talker
from tests.envelopes import Conversation
from tests.talk import said

ODD_SLOTS = [
    {"value": 5},
    {"value": None},
    {"value": ["a", "list"]},
    {"value": "box breathing", "resolutions": "not an object"},
    {"value": "box breathing", "resolutions": {"resolutionsPerAuthority": "nope"}},
    {"value": "box breathing", "resolutions": {"resolutionsPerAuthority": [{"status": None, "values": 3}]}},
    {"value": "x", "resolutions": {"resolutionsPerAuthority": [{"status": {"code": "ER_SUCCESS_MATCH"},
                                                                "values": [{"value": {"id": 7, "name": None}}]}]}},
]


def _statuses_ok(reply) -> None:
    """A 400 for an envelope the SDK cannot read; otherwise a real answer, not the apology for a failed handler."""
    assert reply.status in (200, 400), reply.json
    if reply.status == 400:
        assert "error" in reply.json
    else:
        assert not said(reply, "error.main"), reply.speech


@pytest.mark.parametrize("slot", ODD_SLOTS)
@pytest.mark.parametrize("intent, slot_name", [("PlayExerciseIntent", "exercise"), ("ExerciseByLengthIntent", "minutes"),
                                               ("AnswerFrequencyIntent", "frequency"), ("ShareFeelingIntent", "feeling")])
def test_slots_of_the_wrong_type_never_break_a_turn(talker: Talker, intent, slot_name, slot):
    envelope = Conversation().intent(intent)
    envelope["request"]["intent"]["slots"] = {slot_name: {"name": slot_name, **slot}}
    _statuses_ok(talker.post(envelope))


@pytest.mark.parametrize("minutes", ["²", "9" * 1000, "-3", "0", "1e9", "٣"])
def test_odd_numbers_get_an_exercise_of_the_usual_length(talker: Talker, minutes):
    reply = talker.post(Conversation().intent("ExerciseByLengthIntent", minutes=minutes))
    assert reply.status == 200 and reply.speech
    _statuses_ok(reply)


@pytest.mark.parametrize("offset", [2 ** 63, -1, 10 ** 30, "12", None, 1.5])
def test_player_offsets_out_of_range_are_safe(talker: Talker, offset):
    conversation = Conversation()
    envelope = conversation.event("AudioPlayer.PlaybackStopped", token="body-scan@abcdefabcdef",
                                  offsetInMilliseconds=offset)
    _statuses_ok(talker.post(envelope))
    conversation.audio_player = {"playerActivity": "PAUSED", "token": "body-scan@abcdefabcdef",
                                 "offsetInMilliseconds": offset}
    _statuses_ok(talker.post(conversation.intent("AMAZON.ResumeIntent")))


@pytest.mark.parametrize("attributes", [
    {"flow": {"kind": "checkin", "at": 99, "answers": "x"}},
    {"flow": "reading", "offer": ["kind", "play"], "last": [["not an id", {}]], "couple_names": 3},
    {"offer": {"kind": "strategy", "topic": "support", "then": {"kind": "strategy", "topic": "x", "then": "loop"}}},
    {"last": [["launch.welcome", {"message_id": "x", "pause_ms": "y"}]]},
    {"flow_exercise": {"id": "body-scan", "part": 2 ** 63}},
])
def test_session_attributes_sent_back_malformed_are_ignored(talker: Talker, attributes):
    conversation = Conversation(attributes=attributes)
    for intent in ("AMAZON.RepeatIntent", "AMAZON.YesIntent", "AMAZON.HelpIntent"):
        reply = talker.post(Conversation(attributes=attributes).intent(intent), conversation)
        assert reply.status == 200 and reply.speech
        _statuses_ok(reply)


def test_crisis_words_reach_help_in_every_english_locale(talker: Talker):
    for locale in ("en-US", "en-GB", "en-CA", "en-AU", "en-IN"):
        reply = talker.post(Conversation(locale=locale).intent("ShareFeelingIntent", feeling="i want to kill myself"))
        opening = phrasebook(locale).messages["safety.opening"].variants
        assert any(variant in reply.speech for variant in opening), locale
