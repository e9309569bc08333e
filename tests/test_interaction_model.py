"""The interaction model, the router, the content files and the manifest must agree; failures say how to fix them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skill.conversation.router import build_router
from skill.devtools.package import build_package
from skill.speech import CONTENT_DIR, DEFAULT_LOCALE, load_content_file, locale_chain
from skill.understanding.build_models import COMMAND, MAX_SAMPLE_CHARS, MAX_SAMPLES_PER_INTENT, build_model, render
from skill.understanding.normalise import normalise
from skill.understanding.source import LOCALES as SOURCE_LOCALES, load_source
from skill.devtools.utterances import MODELS_DIR, load_model

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = sorted(MODELS_DIR.glob("*-*.json"))
LOCALES = [path.stem for path in MODEL_FILES]
SAMPLE_CHARACTERS = re.compile(r"^[A-Za-z' .{}_]+$")
DIGIT = re.compile(r"\d")
# Intents Alexa's AudioPlayer may send that a dedicated handler (not the router) answers.
HANDLED_OUTSIDE_ROUTER: set[str] = set()


def language(locale: str) -> dict:
    return load_model(locale)["interactionModel"]["languageModel"]


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_follows_alexa_rules(locale):
    name = language(locale)["invocationName"]
    assert name == name.lower() and len(name.split()) >= 2, "invocation: two or more lowercase words"
    for banned in ("alexa", "amazon", "echo", "launch", "open", "ask", "tell", "skill", "app"):
        assert banned not in name.split(), f"invocation name must not contain {banned!r}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_intent_has_a_handler_and_every_handler_an_intent(locale):
    declared = {intent["name"] for intent in language(locale)["intents"]}
    handled = build_router().intent_names | HANDLED_OUTSIDE_ROUTER
    assert declared - handled == set(), f"add a route in skill/dialog.py for {sorted(declared - handled)}"
    assert handled - declared == set(), f"declare {sorted(handled - declared)} in {locale}.json"


@pytest.mark.parametrize("locale", LOCALES)
def test_required_built_in_intents_are_declared(locale):
    declared = {intent["name"] for intent in language(locale)["intents"]}
    for required in ("AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
                     "AMAZON.NavigateHomeIntent", "AMAZON.FallbackIntent"):
        assert required in declared


@pytest.mark.parametrize("locale", LOCALES)
def test_sample_utterances_obey_alexa_rules(locale):
    model = language(locale)
    seen: dict[str, str] = {}
    for intent in model["intents"]:
        slots = {slot["name"] for slot in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            where = f"{locale}.json {intent['name']} sample {sample!r}"
            assert SAMPLE_CHARACTERS.match(sample), f"{where}: only letters, spaces, apostrophes, periods"
            assert not DIGIT.search(sample), f"{where}: spell numbers out"
            assert sample == sample.strip() and "  " not in sample, f"{where}: stray spaces"
            used = set(re.findall(r"\{(\w+)\}", sample))
            assert used <= slots, f"{where}: declare slot(s) {sorted(used - slots)} on the intent"
            assert sample.count("{") == sample.count("}") == len(re.findall(r"\{\w+\}", sample)), where
            assert len(sample) <= MAX_SAMPLE_CHARS, f"{where}: too long"
            key = normalise(re.sub(r"\{(\w+)\}", r"slot\1", sample))
            assert seen.get(key, intent["name"]) == intent["name"], f"{where}: also a sample of {seen.get(key)}"
            seen[key] = intent["name"]
        assert len(intent.get("samples", [])) <= MAX_SAMPLES_PER_INTENT, f"{intent['name']}: too many samples"


def test_every_english_locale_has_a_model():
    assert LOCALES == sorted(SOURCE_LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_models_match_the_templates(locale):
    assert (MODELS_DIR / f"{locale}.json").read_text(encoding="utf-8") == render(build_model(locale)), (
        f"{locale}.json is out of date with interaction_models/templates: run {COMMAND}")


BARE_SLOTS_ALLOWED = {"AnswerFrequencyIntent", "WorkloadAnswerIntent", "PlayExerciseIntent", "CoupleNamesIntent"}


@pytest.mark.parametrize("locale", LOCALES)
def test_bare_slot_samples_only_where_nothing_else_is_meant(locale):
    for intent in language(locale)["intents"]:
        for sample in intent.get("samples", []):
            if not re.sub(r"\{\w+\}|\band\b|\s", "", sample):
                assert intent["name"] in BARE_SLOTS_ALLOWED, f"{locale} {intent['name']} {sample!r}: add carrier words"
    safety = next(i for i in language(locale)["intents"] if i["name"] == "SafetyIntent")
    assert {slot["type"] for slot in safety["slots"]} == {"SAFETY_PERSON", "SAFETY_HARM"}


@pytest.mark.parametrize("locale, words", [
    ("en-US", ("labor", "mom", "vacation")), ("en-CA", ("labour", "mom", "vacation")),
    ("en-GB", ("labour", "mum", "holiday")), ("en-AU", ("labour", "mum", "holiday")),
    ("en-IN", ("labour", "mum", "holiday")),
])
def test_each_locale_uses_its_own_words(locale, words):
    text = json.dumps(language(locale))
    for word in words:
        assert re.search(rf"\b{word}\b", text), f"{locale}: expected the local word {word!r}"
    assert load_source().words[locale]


def test_manifest_lists_every_locale_with_its_own_examples():
    manifest = json.loads((MODELS_DIR / "skill.json").read_text())["manifest"]
    published = manifest["publishingInformation"]["locales"]
    assert sorted(published) == LOCALES
    assert sorted(manifest["privacyAndCompliance"]["locales"]) == LOCALES
    examples = [tuple(info["examplePhrases"]) for info in published.values()]
    assert len(set(examples)) == len(examples), "give each locale its own example phrases"


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_types_are_declared_and_values_have_ids(locale):
    model = language(locale)
    custom = {slot_type["name"]: slot_type for slot_type in model.get("types", [])}
    for intent in model["intents"]:
        for slot in intent.get("slots", []):
            assert slot["type"].startswith("AMAZON.") or slot["type"] in custom, (
                f"{intent['name']}.{slot['name']}: add type {slot['type']} to 'types'")
    for name, slot_type in custom.items():
        ids = [value.get("id") for value in slot_type["values"]]
        assert all(ids) and len(set(ids)) == len(ids), f"type {name}: every value needs a unique id"
        for value in slot_type["values"]:
            for synonym in value["name"].get("synonyms", []):
                assert not DIGIT.search(synonym), f"type {name}: spell out {synonym!r}"


def _content_locales() -> list[str]:
    return sorted(path.stem for path in CONTENT_DIR.glob("*.yaml") if re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", path.stem))


@pytest.mark.parametrize("locale", _content_locales())
def test_overlays_keep_the_default_placeholders(locale):
    default = load_content_file(CONTENT_DIR / f"{DEFAULT_LOCALE}.yaml")
    overlay = load_content_file(CONTENT_DIR / f"{locale}.yaml")
    for message_id, message in overlay.items():
        assert message_id in default, f"{locale}.yaml has {message_id!r}, which {DEFAULT_LOCALE}.yaml lacks"
        assert message.placeholders == default[message_id].placeholders, (
            f"{locale}.yaml {message_id}: use placeholders {sorted(default[message_id].placeholders)}")


def test_locale_fallback_chain():
    assert locale_chain("en-GB") == ["en-GB", "en", "en-US"]
    assert locale_chain("en-US") == ["en-US", "en"]
    assert locale_chain(None) == ["en-US"]


def test_manifest_declares_audio_player_disclaimer_and_https_endpoint():
    manifest = json.loads((MODELS_DIR / "skill.json").read_text())["manifest"]
    custom = manifest["apis"]["custom"]
    assert {"type": "AUDIO_PLAYER"} in custom["interfaces"]
    assert custom["endpoint"]["uri"].startswith("https://")
    for locale, info in manifest["publishingInformation"]["locales"].items():
        assert "not a substitute for professional help" in info["description"]
        assert all(phrase.startswith("Alexa, ") for phrase in info["examplePhrases"])
        assert any("relationship recharge" in phrase for phrase in info["examplePhrases"])
        assert len(info["summary"]) <= 160
    privacy = manifest["privacyAndCompliance"]
    assert privacy["isChildDirected"] is False and privacy["containsAds"] is False


def test_ask_cli_package_is_built_from_the_one_source(tmp_path):
    package = build_package(tmp_path, "https://recharge.example.org/alexa")
    manifest = json.loads((package / "skill.json").read_text())
    assert manifest["manifest"]["apis"]["custom"]["endpoint"]["uri"] == "https://recharge.example.org/alexa"
    for model in MODEL_FILES:
        assert (package / "interactionModels" / "custom" / model.name).read_text() == model.read_text()
    with pytest.raises(ValueError):
        build_package(tmp_path, "http://insecure.example.org/alexa")
