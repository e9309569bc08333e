"""The template expander and the model build: what a template stands for, and the rules a build enforces."""
from __future__ import annotations

from dataclasses import replace

import pytest

from skill.understanding.build_models import ModelError, build_model
from skill.understanding.source import IntentSource, load_source
from skill.understanding.templates import TemplateError, expand

EXERCISE_TYPE = {"name": "EXERCISE", "values": [{"id": "box", "name": {"value": "box breathing", "synonyms": []}}]}


def test_alternatives_optional_words_and_slots_expand():
    assert expand("[please] (check|look) in on {who}") == [
        "please check in on {who}", "please look in on {who}", "check in on {who}", "look in on {who}"]


def test_local_words_follow_the_locale():
    assert expand("emotional <labour>", {"labour": "labor"}) == ["emotional labor"]
    with pytest.raises(TemplateError, match="<mum>"):
        expand("call my <mum>", {})


@pytest.mark.parametrize("broken", ["(a|b", "a]", "a|b"])
def test_broken_templates_say_what_is_wrong(broken):
    with pytest.raises(TemplateError):
        expand(broken)


def _with_intents(*intents: IntentSource):
    source = load_source()
    return replace(source, intents=source.intents + intents)


def test_a_sample_in_two_intents_fails_the_build_naming_both():
    clash = IntentSource("ClashIntent", (), ("check in",), (), None)
    with pytest.raises(ModelError, match="CheckInIntent"):
        build_model("en-US", _with_intents(clash), EXERCISE_TYPE)


def test_a_bare_slot_sample_needs_to_be_declared():
    bare = IntentSource("BareIntent", (("topic", "TOPIC"),), ("{topic}",), (), None)
    with pytest.raises(ModelError, match="bare"):
        build_model("en-US", _with_intents(bare), EXERCISE_TYPE)


def test_digits_and_symbols_fail_the_build():
    digits = IntentSource("DigitIntent", (), ("give me 5",), (), None)
    with pytest.raises(ModelError, match="letters"):
        build_model("en-US", _with_intents(digits), EXERCISE_TYPE)
