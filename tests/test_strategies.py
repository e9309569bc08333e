"""Read-aloud topics: every part is short and ends with a choice; navigation works from the voice and the logic."""
from __future__ import annotations

import pytest

from skill import strategies
from skill.turn import Offer
from skill.speech import phrasebook
from tests.talk import Session, said

WORDS_PER_SECOND = 2.5  # a relaxed Alexa pace; 30 seconds is about 75 words


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU"])
def test_every_part_with_its_choice_is_under_thirty_seconds(locale):
    book = phrasebook(locale)
    for topic in strategies.TOPICS:
        for part in range(topic.parts):
            reading = strategies.read(topic.id, part)
            words = sum(len(book.text(l.id, **l.params).split()) for l in reading.say)
            assert words / WORDS_PER_SECOND < 30, f"reading.{topic.id}.part{part + 1} is {words} words: split it"


def test_every_part_ends_with_a_clear_choice():
    for topic in strategies.TOPICS:
        for part in range(topic.parts):
            assert strategies.read(topic.id, part).say[-1].id.startswith("reading.choice.")
    assert strategies.read("closing").say[-1].id == "reading.choice.end"
    assert strategies.read("restoration").say[-1].id == "reading.choice.more"
    assert strategies.read("restoration", 1).say[-1].id == "reading.choice.exercise"
    assert strategies.read("restoration", 1).offer == Offer("exercise", "calm")
    assert strategies.read("workload", 1).say[-1].id == "reading.choice.next"
    assert strategies.read("workload", 1).offer is None


def test_the_five_strategies_are_in_the_article_order_and_wrap_round():
    seen = []
    state = None
    for _ in range(6):
        reading = strategies.next_strategy(state)
        state = reading.state
        seen.append(state["topic"])
    assert seen == ["restoration", "small_moments", "workload", "expectations", "support", "restoration"]


def test_more_next_previous_repeat_and_start_over():
    state = strategies.read("restoration").state
    state = strategies.more(state).state
    assert state == {"kind": "reading", "topic": "restoration", "part": 1}
    assert strategies.more(state).state["topic"] == "small_moments"  # more at the end moves on
    assert strategies.previous_topic(state).state["part"] == 0
    assert strategies.repeat(state).state == state
    assert strategies.start_over(state).state["part"] == 0
    assert strategies.next_topic(strategies.read("closing").state).say[0].id == "reading.from_the_top"
    assert strategies.previous_topic(strategies.read("what_is_burnout").state).say[0].id == "reading.at_first"


@pytest.mark.parametrize("raw", [None, {"kind": "reading", "topic": "nope", "part": 0},
                                 {"kind": "reading", "topic": "closing", "part": 3}, {"kind": "checkin"}])
def test_malformed_reading_state_is_ignored(raw):
    assert strategies.restore(raw) is None


def test_strategy_navigation_by_voice(talker):
    s = Session(talker)
    s.launch()
    reply = s.say("StrategyIntent", "tell me a strategy")
    assert said(reply, "reading.restoration.part1") and said(reply, "reading.choice.more")
    reply = s.say("TellMeMoreIntent")
    assert said(reply, "reading.restoration.part2")
    reply = s.say("AMAZON.RepeatIntent", "repeat that")
    assert said(reply, "reading.restoration.part2")
    reply = s.say("AMAZON.NextIntent", "the next one")
    assert said(reply, "reading.small_moments.part1")
    reply = s.say("AMAZON.PreviousIntent")
    assert said(reply, "reading.restoration.part1")  # back to the start of the previous topic
    reply = s.say("StrategyIntent", "read me the one about emotional workload",
                  topic=("emotional workload", "workload"))
    assert said(reply, "reading.workload.part1")
    reply = s.say("StrategyIntent", "tell me a strategy")
    assert said(reply, "reading.expectations.part1")
    reply = s.say("AMAZON.StartOverIntent")
    assert said(reply, "reading.expectations.part1")
    reply = s.say("AMAZON.StopIntent")
    assert reply.ends_session


def test_an_unknown_topic_is_answered_kindly(talker):
    s = Session(talker)
    reply = s.say("StrategyIntent", topic="quantum physics")
    assert said(reply, "reading.unknown_topic") and said(reply, "reading.topics")
    assert reply.ends_session is False


def test_tell_me_more_with_nothing_open_starts_the_strategies(talker):
    s = Session(talker)
    reply = s.say("TellMeMoreIntent")
    assert said(reply, "reading.restoration.part1")
