"""The safety net on hand-written lists: every crisis reaches help, ordinary sadness rarely does."""
from __future__ import annotations

import pytest

from skill import safety
from skill.understanding.evaluate import CRISIS, ORDINARY, load_lines, safety_figures
from skill.understanding.source import LOCALES


@pytest.fixture(scope="module")
def figures():
    return safety_figures("en-US")


def test_the_lists_are_large_and_varied():
    assert len(load_lines(CRISIS)) >= 150 and len(load_lines(ORDINARY)) >= 150


def test_every_crisis_reaches_help_strict_and_statistical(figures):
    assert figures["recall_strict"] == 1.0 and figures["recall_statistical"] == 1.0, (
        "run python -m skill.understanding.evaluate --safety")


def test_false_alarms_are_rare(figures):
    assert figures["false_alarms"] <= 0.05


@pytest.mark.parametrize("said", load_lines(CRISIS))
def test_the_scanner_catches_each_crisis_sentence(said):
    assert safety.scan(said, "en-US"), said


@pytest.mark.parametrize("said", [
    "this is killing me", "I could kill him for forgetting the milk", "I'm dying to go on holiday",
    "he beats me at chess every time", "my boyfriend pushed me to apply for the job", "I'm so tired",
])
def test_idioms_and_tiredness_are_not_crises(said):
    assert safety.scan(said, "en-US") is None


@pytest.mark.parametrize("person", ["husband", "wife", "boyfriend", "girlfriend", "partner", "fiance",
                                    "fiancee", "ex"])
@pytest.mark.parametrize("harm", ["hits me", "beat me", "slapped me", "choked me", "pushed me", "kicked me",
                                  "threatens me", "forced me to have sex", "won't let me leave",
                                  "controls my money", "took my phone away"])
def test_every_partner_word_with_every_harm(person, harm):
    assert safety.scan(f"my {person} {harm}", "en-US")


@pytest.mark.parametrize("pronoun", ["he", "she", "they"])
def test_pronouns_too(pronoun):
    assert safety.scan(f"{pronoun} hit me last night")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_finding_carries_the_locale_and_its_own_help_lines(locale):
    finding = safety.scan("I don't want to be here anymore", locale)
    assert finding and finding.locale == locale
    lines = safety.help_lines(locale)
    emergency = {"en-US": "nine one one", "en-CA": "nine one one", "en-GB": "nine nine nine",
                 "en-AU": "triple zero", "en-IN": "one one two"}[locale]
    assert emergency in lines


def test_slot_values_are_scanned_alike():
    assert safety.scan_slots({"holder": "my husband", "feeling": "he hurts me"}, "en-GB")
    assert safety.scan_slots({"holder": "my husband"}) is None
