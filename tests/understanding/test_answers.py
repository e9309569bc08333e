"""Answers in a person's own words: frequency, yes or no, who holds it, and names."""
from __future__ import annotations

import pytest

from skill.understanding import answers


@pytest.mark.parametrize("said, value", [
    ("not really", "never"), ("hardly", "sometimes"), ("kind of", "sometimes"), ("yeah a lot", "often"),
    ("all the time honestly", "almost_always"), ("every single day", "almost_always"),
    ("once in a blue moon", "sometimes"), ("Never!", "never"), ("banana", None), ("", None),
])
def test_frequency(said, value):
    assert answers.frequency(said) == value


@pytest.mark.parametrize("said, value", [
    ("I guess", "yes"), ("kind of", "yes"), ("definitely", "yes"), ("not really", "no"), ("nope", "no"),
    ("definitely not", "no"), ("purple", None),
])
def test_yes_no(said, value):
    assert answers.yes_no(said) == value


@pytest.mark.parametrize("said, value", [
    ("mostly me", "me"), ("him", "partner"), ("we both do", "both"), ("nobody really", "neither"),
    ("my wife", "partner"), ("I guess", None),
])
def test_holder(said, value):
    assert answers.holder(said) == value


@pytest.mark.parametrize("said, name", [
    ("sam", "Sam"), ("Priya", "Priya"), ("mary ann", "Mary Ann"), ("I", None), ("can't", None),
    ("I'm always tired", None), ("me", None), ("the", None), ("r2d2", None), ("", None), (None, None),
])
def test_names_are_first_names_only(said, name):
    assert answers.clean_name(said) == name
