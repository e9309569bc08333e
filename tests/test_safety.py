"""The safety net: the phrase list as data, detection and its limits, and the response from every state and locale."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill import safety
from tests.talk import Session, said, text

MODEL = json.loads((Path(__file__).parents[1] / "interaction_models" / "en-US.json").read_text())["interactionModel"]["languageModel"]


def test_the_pattern_file_loads_into_kinds_of_danger():
    kinds = {kind for kind, _ in safety.scanner().patterns}
    assert {"suicide", "self_harm", "violence", "sexual", "children", "control", "followed", "unsafe"} <= kinds


@pytest.mark.parametrize("heard", [
    "I'm not safe", "i dont feel safe at home", "I want to hurt myself", "he hits me",
    "I'm scared of my partner", "sometimes I think about suicide", "my husband threatened me",
    "I'm afraid to go home", "I can\u2019t go on", "I'm in danger", "she's abusive",
])
def test_alarming_phrases_are_found(heard):
    assert safety.is_alarming(heard)


def _synonyms(type_name: str) -> list[str]:
    for slot_type in MODEL["types"]:
        if slot_type["name"] == type_name:
            return [w for v in slot_type["values"] for w in (v["name"]["value"], *v["name"]["synonyms"])]
    raise AssertionError(type_name)


def test_ordinary_answers_never_raise_the_alarm():
    ordinary = [*_synonyms("FREQUENCY"), *_synonyms("HOLDER"), *_synonyms("TOPIC"),
                "I feel tired", "we keep arguing about chores", "safe", "I feel safe with him", ""]
    assert [w for w in ordinary if safety.is_alarming(w)] == []


def _filled(sample: str) -> list[str]:
    """The sample with every "my ..." person and every harm the model lists."""
    people = [p for p in _synonyms("SAFETY_PERSON") if p.startswith("my ")]
    harms = _synonyms("SAFETY_HARM")
    if "{person}" in sample and "{harm}" in sample:
        return [sample.replace("{person}", p).replace("{harm}", h) for p in people[::3] for h in harms]
    return [sample.replace("{person}", p) for p in people] if "{person}" in sample else [sample]


def test_every_safety_sample_would_be_caught_as_free_text_too():
    samples = next(i["samples"] for i in MODEL["intents"] if i["name"] == "SafetyIntent")
    assert [f for s in samples for f in _filled(s) if not safety.is_alarming(f)] == []


def test_samples_of_other_intents_do_not_raise_the_alarm():
    flagged = [s for i in MODEL["intents"] if i["name"] != "SafetyIntent" for s in i["samples"]
               if safety.is_alarming(s)]
    assert flagged == []


# From every state ------------------------------------------------------------------------------

def _mid_checkin(s):
    s.say("CheckInIntent"); s.frequency("often")


def _mid_body(s):
    s.say("BodyCheckIntent"); s.yes()


def _mid_workload(s):
    s.say("WorkloadCheckIntent")


def _reading(s):
    s.say("StrategyIntent")


def _offer_pending(s):
    s.say("CheckInIntent")
    for code in ("often", "often", "often", "often", "often"):
        s.frequency(code)


def _delete_pending(s):
    s.say("DeleteDataIntent")


STATES = {"launch": lambda s: s.launch(), "fresh": lambda s: None, "mid_checkin": _mid_checkin,
          "mid_body": _mid_body, "mid_workload": _mid_workload, "reading": _reading,
          "offer": _offer_pending, "delete_pending": _delete_pending}
TRIGGERS = {
    "intent": lambda s: s.say("SafetyIntent", "i'm not safe"),
    "free_text": lambda s: s.say("ShareFeelingIntent", "my partner hits me", feeling="hits me"),
    "in_a_topic_slot": lambda s: s.say("StrategyIntent", topic="being scared of my partner"),
    "misheard_answer": lambda s: s.say("AnswerFrequencyIntent", frequency="i want to hurt myself"),
    "holder_slot": lambda s: s.say("WorkloadAnswerIntent", holder="he hurts me"),
}


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("state", STATES)
def test_safety_answers_first_from_every_state(talker, state, trigger):
    s = Session(talker)
    STATES[state](s)
    reply = TRIGGERS[trigger](s)
    assert said(reply, "safety.resources")
    assert "nine eight eight" in reply.speech and "988" not in reply.speech
    assert "card" not in reply.response
    assert "flow" not in reply.attributes and "offer" not in reply.attributes and "last" not in reply.attributes
    assert said(reply.__class__(200, {"response": {"outputSpeech": reply.response["reprompt"]["outputSpeech"]}}),
                "safety.resources")


def test_after_the_safety_answer_nothing_of_the_check_in_is_stored(make_app):
    app = make_app()
    from tests.conftest import Talker
    s = Session(Talker(app.test_client()))
    _mid_checkin(s)
    s.say("SafetyIntent")
    for code in ("often", "often", "often", "often"):
        s.frequency(code)  # answers after it belong to no question
    database = app.extensions["recharge"].database
    assert database.row_counts()["checkins"] == 0


@pytest.mark.parametrize("locale, words, absent", [
    ("en-US", ["nine eight eight", "seven nine nine, seven two three three", "nine one one"], "Samaritans"),
    ("en-GB", ["Samaritans", "one one six, one two three", "Refuge", "nine nine nine"], "nine one one"),
    ("en-CA", ["nine eight eight", "nine one one"], "Hotline"),
    ("en-AU", ["Lifeline", "thirteen eleven fourteen", "seven three seven, seven three two", "triple zero"], "nine one one"),
])
def test_resources_are_the_locales_own(talker, locale, words, absent):
    from tests.envelopes import Conversation
    s = Session(talker, Conversation(locale=locale))
    reply = s.say("SafetyIntent")
    for word in words:
        assert word in reply.speech
    assert absent not in reply.speech
    assert text("safety.opening") in reply.speech


def test_safety_is_never_logged(talker, caplog):
    caplog.set_level("DEBUG")
    Session(talker).say("ShareFeelingIntent", feeling="i want to hurt myself")
    Session(talker).say("SafetyIntent")
    assert "hurt" not in caplog.text and "safety" not in caplog.text.lower()
    assert "intent=private" in caplog.text
