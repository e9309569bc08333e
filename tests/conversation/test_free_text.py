"""Free text through the whole endpoint: understood, answered, never logged, never an error."""
from __future__ import annotations

from types import MappingProxyType

import pytest

from skill.alexa.intake import MAX_SLOT_VALUE_CHARS
from skill.conversation.events import Event, Slot
from skill.conversation.router import build_router
from skill.conversation.state import from_session
from tests.conversation.world import port_from
from tests.talk import Session, said

# Up to the longest slot value the endpoint takes (skill/alexa/intake.py); longer requests are refused with a 400.
AWKWARD = [
    "x" * MAX_SLOT_VALUE_CHARS, "é☃😀 漢字 \u200b\u202e <speak>&amp;</speak> {feeling} %s %(x)s", "’’’ --- ...",
    "9" * 400, " ".join(["and"] * 250), ("i feel " * 150)[:MAX_SLOT_VALUE_CHARS], "I'm sam and alex and jo and",
]
ODDER = [*AWKWARD, "x" * 20_000, "\x00\x01\x7f", "\ud800", "a\ud83dz"]
ROUTER = build_router()


@pytest.mark.parametrize("intent, slots", [
    ("ShareFeelingIntent", {"feeling": text}) for text in AWKWARD] + [
    ("CoupleNamesIntent", {"first_name": text, "second_name": text}) for text in AWKWARD[:3]] + [
    ("AnswerFrequencyIntent", {"frequency": text}) for text in AWKWARD[:3]])
def test_free_text_at_the_limits_is_answered_without_error(talker, intent, slots):
    session = Session(talker)
    session.say("CheckInIntent")
    reply = session.say(intent, **slots)
    assert reply.status == 200 and reply.speech


@pytest.mark.parametrize("text", ODDER)
@pytest.mark.parametrize("given", [{}, {"flow": {"kind": "roots", "at": 1, "answers": ["yes"], "misses": 0}},
                                   {"offer": {"kind": "reconnect", "step": "naming"}}])
def test_the_conversation_answers_any_text_in_any_slot(text, given):
    for name, slot in (("ShareFeelingIntent", "feeling"), ("CoupleNamesIntent", "first_name"),
                       ("WorkloadAnswerIntent", "holder")):
        event = Event(name, MappingProxyType({slot: Slot(text, None), "second_name": Slot(text, None)}))
        turn, _ = ROUTER.respond(event, from_session(given), port_from({}))
        assert turn.say


def test_what_was_said_is_never_logged_or_kept(talker, caplog):
    caplog.set_level("DEBUG")
    session = Session(talker)
    reply = session.say("ShareFeelingIntent", feeling="is there any hope for my marriage")
    assert said(reply, "reading.closing.part1")
    session.say("CoupleNamesIntent", first_name="my secret hope", second_name="rosalind")
    for word in ("marriage", "secret", "rosalind"):
        assert word not in caplog.text.lower() and word not in str(reply.attributes).lower()
