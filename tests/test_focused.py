"""The focused checks: pure summaries at their boundaries, and each check end to end through the app."""
from __future__ import annotations

import pytest

from skill import questionnaire
from skill.focused import (BODY, BOTH, ROOTS, WORKLOAD, Balance, body_level, both_level, roots_reading,
                           summarise_workload, workload_balance)
from tests.talk import Session, said


@pytest.mark.parametrize("yes, level", [(0, "none"), (1, "few"), (2, "few"), (3, "some"), (5, "some"),
                                        (6, "many"), (12, "many")])
def test_body_levels(yes, level):
    assert body_level(yes) == level


@pytest.mark.parametrize("yes, level", [(0, "none"), (1, "one"), (2, "several"), (4, "several")])
def test_both_levels(yes, level):
    assert both_level(yes) == level


@pytest.mark.parametrize("answers, reading", [
    (("yes", "yes", "yes"), "burnout"), (("no", "yes", "yes"), "deeper"),
    (("yes", "yes", "no"), "deeper"), (("yes", None, "yes"), "unclear"),
])
def test_roots_readings(answers, reading):
    assert roots_reading(answers) == reading


def test_no_to_feeling_safe_raises_the_alarm_before_anything_is_recorded():
    state = questionnaire.answer(ROOTS, questionnaire.start(ROOTS).state, "yes").state
    step = questionnaire.answer(ROOTS, state, "no")
    assert step.alarm and step.state is None and step.answers is None


@pytest.mark.parametrize("answers, pattern", [
    (("me", "me", "me", "partner"), "mostly_me"),
    (("partner", "partner", "partner", "both"), "mostly_partner"),
    (("both", "both", "both", "me"), "shared"),
    (("neither", "neither", "neither", None), "light"),
    (("me", "me", "partner", "partner"), "mixed"),
    (("me", "partner", "both", "neither"), "mixed"),
    (("me", None, None, None), "unclear"),
    ((None, None, None, None), "unclear"),
])
def test_workload_patterns(answers, pattern):
    assert workload_balance(answers).pattern == pattern


def test_workload_summary_counts_and_never_blames():
    summary = summarise_workload(("me", "me", "me", "both"))
    assert dict(summary.lines[0].params) == {"me": 3, "partner": 0, "both": 1}
    assert summary.lines[-1].id == "workload.summary.no_blame"
    assert summary.offer.target == "workload"
    assert Balance(1, 1, 1, 1).answered == 4


def test_question_counts_match_the_article():
    assert (BODY.length, BOTH.length, ROOTS.length, WORKLOAD.length) == (12, 4, 3, 4)


# End to end -----------------------------------------------------------------------------------

def test_body_check_end_to_end(talker):
    s = Session(talker)
    reply = s.say("BodyCheckIntent")
    assert said(reply, "body.intro") and said(reply, "body.question.concentrating")
    for _ in range(6):
        s.yes()
    s.frequency("sometimes")  # "sometimes" counts as yes in a yes/no check
    for _ in range(4):
        s.no()
    reply = s.no()
    assert said(reply, "body.summary.many", count=7)
    assert said(reply, "offer.exercise.calm")
    assert reply.attributes["offer"] == {"kind": "exercise", "need": "calm",
                                         "then": {"kind": "strategy", "topic": "restoration"}}


def test_both_of_us_end_to_end(talker):
    s = Session(talker)
    s.say("BothOfUsCheckIntent")
    s.yes(); s.yes(); s.no()
    reply = s.yes()
    assert said(reply, "both.summary.several", count=3)
    reply = s.yes()
    assert said(reply, "reading.small_moments.part1")


def test_burnout_or_incompatibility_end_to_end(talker):
    s = Session(talker)
    s.say("BurnoutOrIncompatibilityIntent")
    s.yes(); s.yes()
    reply = s.yes()
    assert said(reply, "roots.summary.burnout")


def test_not_feeling_safe_goes_to_the_safety_response_first(talker):
    s = Session(talker)
    s.say("BurnoutOrIncompatibilityIntent")
    s.yes()
    reply = s.no()
    assert said(reply, "safety.resources")
    assert "roots" not in str(reply.attributes) and "offer" not in reply.attributes
    assert reply.ends_session is False


def test_workload_end_to_end(talker):
    s = Session(talker)
    reply = s.say("WorkloadCheckIntent")
    assert said(reply, "workload.question.moods")
    s.holder("me", "me")
    reply = s.say("WorkloadAnswerIntent", "purple", holder="purple")  # heard but not resolved: asked again
    assert said(reply, "questionnaire.reask") and said(reply, "scale.holder.hint")
    reply = s.say("WorkloadAnswerIntent", "mumble", holder="mumble")
    assert said(reply, "questionnaire.moving_on") and said(reply, "workload.question.mental_load")
    s.holder("me", "i do")
    reply = s.holder("both", "both of us")
    assert said(reply, "workload.summary.mostly_me", me=2, partner=0, both=1)
    assert said(reply, "workload.summary.no_blame")
