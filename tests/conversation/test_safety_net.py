"""The router's safety net scans every slot value, in every state and locale, before any table is asked."""
from __future__ import annotations

from types import MappingProxyType

import pytest

from skill.conversation.events import Event, Player, Slot
from skill.conversation.router import build_router
from skill.conversation.state import from_session
from tests.conversation.world import port_from, said

ROUTER = build_router()
STATES = {
    "idle": {},
    "checking": {"flow": {"kind": "checkin", "at": 1, "answers": ["often"], "misses": 0}},
    "workload question": {"flow": {"kind": "workload", "at": 0, "answers": [], "misses": 0}},
    "reading": {"flow": {"kind": "reading", "topic": "rough_patch", "part": 0}},
    "spoken exercise": {"flow_exercise": {"id": "body-scan", "part": 1}},
    "names pending": {"offer": {"kind": "reconnect", "step": "naming"}},
    "offer pending": {"offer": {"kind": "exercise", "need": "calm"}},
}
CARRIERS = [("ShareFeelingIntent", "feeling"), ("WorkloadAnswerIntent", "holder"),
            ("AnswerFrequencyIntent", "frequency"), ("CoupleNamesIntent", "first_name"),
            ("ExerciseForNeedIntent", "need"), ("PlayExerciseIntent", "exercise"), ("StrategyIntent", "topic")]
HARM = ["my husband hits me", "I'm afraid of my boyfriend", "she threatened to take the kids",
        "I don't want to be here anymore", "he forced me to have sex"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("intent, slot", CARRIERS)
@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-IN"])
def test_harm_in_any_slot_reaches_help_first(state, intent, slot, locale):
    for words in HARM:
        event = Event(intent, MappingProxyType({slot: Slot(words, None)}), locale, Player())
        turn, after = ROUTER.respond(event, from_session(STATES[state]), port_from({}))
        assert said(turn)[:2] == ["safety.opening", "safety.resources"], (state, intent, words)
        assert after.flow is None and after.offer is None


def test_ordinary_words_in_the_same_slots_do_not_raise_the_alarm():
    for intent, slot in CARRIERS:
        event = Event(intent, MappingProxyType({slot: Slot("my husband is tired all the time", None)}))
        turn, _ = ROUTER.respond(event, from_session({}), port_from({}))
        assert "safety.opening" not in said(turn), intent
