"""Free text routed to what it is about, safety first, for every locale."""
from __future__ import annotations

import logging

import pytest

from skill.understanding.matcher import FALLBACK
from skill.understanding.source import LOCALES
from skill.understanding.understand import ROUTABLE, understand


@pytest.mark.parametrize("said, intent, slot, value", [
    ("should we break up", "BurnoutOrIncompatibilityIntent", None, None),
    ("is there any hope", "StrategyIntent", "topic", "closing"),
    ("I'm feeling overwhelmed", "ExerciseForNeedIntent", "need", "calm"),
    ("is this just a rough patch", "StrategyIntent", "topic", "rough_patch"),
    ("why can't we just talk about it", "StrategyIntent", "topic", "just_communicate"),
    ("I think my husband is burned out too", "BothOfUsCheckIntent", None, None),
])
def test_free_text_reaches_what_it_is_about(said, intent, slot, value):
    match = understand(said, "en-US")
    assert match.intent == intent
    if slot:
        assert match.value(slot) == value


@pytest.mark.parametrize("locale", LOCALES)
def test_danger_in_free_text_is_safety_first_in_every_locale(locale):
    assert understand("my boyfriend hits me when he drinks", locale).intent == "SafetyIntent"


def test_free_text_never_answers_a_question_or_deletes_data():
    for said in ("often", "delete my data", "yes", "me mostly", "stop"):
        assert understand(said, "en-US").intent in ROUTABLE | {FALLBACK}, said


def test_what_people_say_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    understand("my secret sentence about my marriage", "en-GB")
    assert "secret" not in caplog.text
