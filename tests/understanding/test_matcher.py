"""The local NLU stand-in: measured on the labelled set, strict mode, fallback, slots and odd input."""
from __future__ import annotations

import pytest

from skill.understanding.evaluate import evaluate
from skill.understanding.matcher import FALLBACK, matcher_for
from skill.understanding.source import LOCALES


@pytest.fixture(scope="module")
def report():
    return evaluate("en-US")


def test_the_stand_in_understands_nine_in_ten_natural_phrasings(report):
    assert report.accuracy >= 0.90, f"{report.accuracy:.1%}; run python -m skill.understanding.evaluate"


def test_every_intent_is_understood_at_least_four_times_in_five(report):
    weak = {intent: f"{ok}/{total}" for intent, (ok, total) in report.per_intent.items() if ok / total < 0.8}
    assert weak == {}, "run python -m skill.understanding.evaluate for the confusions"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_understands_the_everyday_phrasings(locale):
    matcher = matcher_for(locale)
    assert matcher.match("is this just a rough patch").value("topic") == "rough_patch"
    assert matcher.match("muscle relaxation please").value("exercise") == "muscle-relaxation"
    assert matcher.match("I carry all the mental load").intent == "WorkloadCheckIntent"


def test_strict_mode_accepts_only_exact_samples():
    matcher = matcher_for("en-US")
    assert matcher.match("check in", strict=True).intent == "CheckInIntent"
    assert matcher.match("please do a check in with me", strict=True).intent == FALLBACK
    assert matcher.match("please do a check in with me").intent == "CheckInIntent"


def test_out_of_domain_speech_falls_back():
    for said in ("what's the weather tomorrow", "order a large pepperoni pizza", "zebra crossing banana"):
        assert matcher_for("en-US").match(said).intent == FALLBACK, said


def test_slots_are_filled_from_the_sample_said():
    matcher = matcher_for("en-US")
    feeling = matcher.match("I feel like nobody listens to me")
    assert feeling.intent == "ShareFeelingIntent" and feeling.slots["feeling"].text == "like nobody listens to me"
    assert matcher.match("I've only got three minutes").value("minutes") == "3"
    assert matcher.match("every single day").value("frequency") == "almost_always"
    assert matcher.match("we both do").value("holder") == "both"


def test_and_sentences_are_not_names():
    matcher = matcher_for("en-US")
    assert matcher.match("I can't sleep and I'm always tired").intent != "CoupleNamesIntent"
    names = matcher.match("sam and alex")
    assert names.intent == "CoupleNamesIntent" and names.slots["second_name"].text == "alex"


@pytest.mark.parametrize("said", ["", "   ", "!!!", "\u2764\ufe0f\U0001F494", "a" * 5000, "word " * 400, None, 42])
def test_any_input_gets_an_answer_not_an_error(said):
    assert matcher_for("en-US").match(said).intent
