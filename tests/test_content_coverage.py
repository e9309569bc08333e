"""Data checks: every CONTENT.md topic has words and a way to reach it, every message exists, the model obeys Alexa's rules."""
from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from audio import contract
from skill import checkin, playback, strategies
from skill.conversation import playing
from skill.conversation.router import build_router
from skill.focused import FOCUSED
from skill.conversation.state import QUESTIONNAIRES
from skill.turn import Offer
from skill.questionnaire import FREQUENCY, HOLDER, YES_NO
from skill.speech import CONTENT_DIR, load_content_file, phrasebook

ROOT = Path(__file__).parents[1]
MODEL = json.loads((ROOT / "interaction_models" / "en-US.json").read_text())["interactionModel"]["languageModel"]
INTENTS = {intent["name"]: intent for intent in MODEL["intents"]}
LOCALES = ["en-US", "en-GB", "en-CA", "en-AU"]
MAIN_INTENTS = [name for name in INTENTS if not name.startswith("AMAZON.")]


def _offers(offer: Offer | None):
    while offer is not None:
        yield offer
        offer = offer.then


def produced_ids() -> set[str]:
    """Every message id the code can speak: literal ids in the source plus the ones built from data."""
    ids = set()
    for path in (ROOT / "skill").rglob("*.py"):
        ids.update(re.findall(r'line\("([a-z_]+(?:\.[a-z0-9_]+)+)"', path.read_text()))
    ids.update(f"exercise.menu_kind.{kind}" for kind in contract.KINDS)
    ids.update(f"exercise.menu_short.{kind}.{count}" for kind in contract.KINDS for count in ("one", "two"))
    ids.add(playback.MORE_EXERCISES.question.id)
    ids.update(f"player.not_applicable.{feature}" for feature in set(playing.NOT_APPLICABLE.values()))
    need_type = next(t for t in MODEL["types"] if t["name"] == "EXERCISE_NEED")
    ids.update(Offer("exercise", value["id"]).question.id for value in need_type["values"])
    ids.update(Offer("reconnect", step).question.id for step in ("names", "feedback"))
    ids.add(Offer("play", "any-exercise").question.id)
    for q in QUESTIONNAIRES.values():
        ids.update({q.intro, q.scale.hint, *(question.id for question in q.questions), f"flow.left.{q.kind}",
                    *(question.help_id for question in q.questions),
                    f"flow.paused.{q.kind}"})
    for band in ("okay", "strain", "strong"):
        ids.update({f"checkin.result.{band}", f"checkin.distinction.{band}", f"history.band.{band}"})
    for direction in ("lower", "higher", "same"):
        ids.add(f"history.trend.{direction}")
    codes = [None, *checkin.POINTS]
    offers = [Offer("check", "checkin"), Offer("delete_data", "all")]
    for answers in itertools.product(codes, repeat=5):
        result = checkin.score(answers)
        if result:
            offers.append(checkin.next_step(result))
    for kind, (q, summarise) in FOCUSED.items():
        for answers in itertools.product([None, *q.scale.codes], repeat=min(q.length, 4)):
            full = (answers * 3)[: q.length]
            summary = summarise(full)
            ids.update(piece.id for piece in summary.lines)
            offers.append(summary.offer)
    ids.update(o.question.id for offer in offers for o in _offers(offer))
    for topic in strategies.TOPICS:
        for part in range(topic.parts):
            ids.update(piece.id for piece in strategies.read(topic.id, part).say)
    return ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_the_code_can_speak_exists(locale):
    book = phrasebook(locale)
    missing = sorted(i for i in produced_ids() if not book.has(i))
    assert missing == [], f"add these ids to skill/content/en-US.yaml: {missing}"


def test_no_digits_in_speech_so_alexa_reads_numbers_as_written():
    for message in load_content_file(CONTENT_DIR / "en-US.yaml").values():
        for variant in message.variants:
            assert not re.search(r"\d", variant), f"{message.id}: spell numbers out"


# CONTENT.md section -> message ids that carry it, and the intent (or offer) that reaches them.
CONTENT_TOPICS = {
    "1 what burnout is": (["reading.what_is_burnout.part1", "reading.what_is_burnout.part2"], "StrategyIntent"),
    "2 five signs": ([q.id for q in checkin.CHECKIN.questions], "CheckInIntent"),
    "3 rough patch or burnout": (["reading.rough_patch.part1", "checkin.distinction.strain"], "StrategyIntent"),
    "4 causes and emotional labour": (["reading.causes.part1", "reading.causes.part2"], "StrategyIntent"),
    "4 who holds what": (["workload.question.moods", "workload.summary.mixed"], "WorkloadCheckIntent"),
    "5 nervous system": (["reading.nervous_system.part1", "body.question.hair"], "BodyCheckIntent"),
    "6 both partners": (["reading.both_partners.part1", "both.question.hopeless"], "BothOfUsCheckIntent"),
    "7 burnout or incompatibility": (["reading.incompatibility.part1", "roots.question.safe"],
                                     "BurnoutOrIncompatibilityIntent"),
    "8 just communicate": (["reading.just_communicate.part1"], "StrategyIntent"),
    "9 five ways to heal": ([f"reading.{t}.part1" for t in strategies.STRATEGIES], "StrategyIntent"),
    "10 signal not a sentence": (["reading.closing.part1"], "StrategyIntent"),
    "safety": (["safety.resources", "help.disclaimer"], "SafetyIntent"),
    "history": (["history.trend.lower"], "HistoryIntent"),
    "exercises (offered; played by the exercise player)": (["offer.exercise.calm", "offer.exercise.connect"],
                                                          "AMAZON.YesIntent"),
}


@pytest.mark.parametrize("topic", CONTENT_TOPICS)
def test_every_content_topic_has_words_and_a_way_to_reach_it(topic):
    ids, intent = CONTENT_TOPICS[topic]
    book = phrasebook("en-US")
    assert all(book.has(i) for i in ids), [i for i in ids if not book.has(i)]
    assert intent in INTENTS and intent in build_router().intent_names


def test_every_topic_is_reachable_by_name():
    topic_type = next(t for t in MODEL["types"] if t["name"] == "TOPIC")
    assert {v["id"] for v in topic_type["values"]} == set(strategies.BY_ID)


# Interaction model: Alexa's own rules are in test_interaction_model.py; these are ours.

@pytest.mark.parametrize("name", MAIN_INTENTS)
def test_main_intents_have_at_least_fifteen_varied_samples(name):
    assert len(set(INTENTS[name]["samples"])) >= 15


def test_search_query_slots_have_a_carrier_phrase():
    for intent in MODEL["intents"]:
        query_slots = {s["name"] for s in intent.get("slots", []) if s["type"] == "AMAZON.SearchQuery"}
        for sample in intent["samples"]:
            if any(f"{{{slot}}}" in sample for slot in query_slots):
                assert sample.strip() not in {f"{{{slot}}}" for slot in query_slots}


def test_answer_slot_types_match_the_questionnaire_scales():
    types = {t["name"]: t for t in MODEL["types"]}
    for slot_type in types.values():
        for value in slot_type["values"]:
            assert value["id"] and value["name"]["value"] and value["name"]["synonyms"]
    assert {v["id"] for v in types["FREQUENCY"]["values"]} == set(FREQUENCY.codes)
    assert {v["id"] for v in types["HOLDER"]["values"]} == set(HOLDER.codes)
    frequency_words = {w for v in types["FREQUENCY"]["values"] for w in v["name"]["synonyms"]}
    assert {"zero", "one", "two", "three", "rarely", "all the time", "not at all"} <= frequency_words
    assert YES_NO.codes == ("no", "yes")
