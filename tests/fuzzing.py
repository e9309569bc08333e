"""Request envelopes to fuzz from and awkward values to put in them: shared by tests/test_fuzz.py and bench/fuzz_server.py."""
from __future__ import annotations

import copy
import json
import random
from typing import Any, Iterator

from skill.understanding.matcher import load_model
from tests.envelopes import Conversation

AWKWARD_TEXT = (
    "", " ", "²", "½", "٣", "1e400", "-1", "NaN", "99999999999999999999999", "\ud800", "\udfff", "a\ud83dz",
    "\x00", "../../audio/exercises/box-breathing", "e" * 300, "x" * 5000, "<speak>", "&amp;", "💔",
    "amzn1.ask.skill.00000000-0000-4000-8000-000000000000", "ER_SUCCESS_MATCH", "box-breathing@zzz", "@",
)
AWKWARD_NUMBERS = (0, -1, 1, 2**31 - 1, 2**31, 2**53, 2**63, -(2**63), 10**30, 1.5, -0.0, 1e308)
AWKWARD_VALUES: tuple[Any, ...] = (None, True, False, [], {}, [None], {"": None}, *AWKWARD_TEXT, *AWKWARD_NUMBERS)
EVENT_TYPES = (
    "AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackStopped", "AudioPlayer.PlaybackFinished",
    "AudioPlayer.PlaybackNearlyFinished", "AudioPlayer.PlaybackFailed", "PlaybackController.PlayCommandIssued",
    "PlaybackController.PauseCommandIssued", "PlaybackController.NextCommandIssued",
    "PlaybackController.PreviousCommandIssued", "System.ExceptionEncountered",
)


def intents_with_slots() -> list[tuple[str, tuple[str, ...]]]:
    model = load_model("en-US")["interactionModel"]["languageModel"]
    return [(intent["name"], tuple(slot["name"] for slot in intent.get("slots", [])))
            for intent in model["intents"]]


def base_envelopes() -> list[dict[str, Any]]:
    """One valid envelope of every request type the skill reads, slots filled with ordinary words."""
    conversation = Conversation()
    envelopes = [conversation.launch(), conversation.session_ended(), conversation.session_ended("ERROR")]
    for name, slots in intents_with_slots():
        envelopes.append(conversation.intent(name, **{slot: ("one", "one") for slot in slots}))
    for request_type in EVENT_TYPES:
        envelopes.append(conversation.event(request_type, token="box-breathing@0123456789ab", offsetInMilliseconds=1000))
    return envelopes


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key/index path inside an envelope, the root excluded."""
    if isinstance(node, dict):
        for key, child in node.items():
            yield prefix + (key,)
            yield from paths(child, prefix + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield prefix + (index,)
            yield from paths(child, prefix + (index,))


def set_path(envelope: dict[str, Any], path: tuple, value: Any, delete: bool = False) -> None:
    node: Any = envelope
    for key in path[:-1]:
        node = node[key]
    if delete and isinstance(node, dict):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        # a copy: the shared [] and {} must never be mutated in place (a later mutation could nest one in itself)
        return copy.deepcopy(rng.choice(AWKWARD_VALUES)) if rng.random() < 0.7 else rng.choice(
            [rng.randint(-(2**70), 2**70), "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(0, 8)))])
    if roll < 0.8:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(("type", "value", "name", "token", "id", "x")): random_json(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def encode(envelope: Any) -> bytes:
    return json.dumps(envelope).encode("utf-8")


def raw_mutation(rng: random.Random, body: bytes) -> bytes:
    """Byte-level damage a JSON encoder cannot produce: truncation, deep nesting, huge literals, bad UTF-8."""
    choice = rng.randrange(6)
    if choice == 0:
        return body[: rng.randrange(len(body) + 1)]
    if choice == 1:
        depth = rng.choice((50, 900, 2000, 20000))
        return b'{"request":' + b"[" * depth + b"]" * depth + b"}"
    if choice == 2:
        return body.replace(b'"version": "1.0"', b'"version": "1.0", "n": ' + b"7" * rng.choice((30, 4301, 20000)), 1)
    if choice == 3:
        position = rng.randrange(len(body) + 1)
        return body[:position] + bytes([rng.randrange(256)]) + body[position:]
    if choice == 4:
        return body.replace(b"1000", b"1e999", 1).replace(b"true", b"NaN", 1)
    return b"\xff\xfe" + body


def awkward_slots(rng: random.Random, bases: list[dict[str, Any]]) -> bytes:
    """A well-formed intent whose slot values are awkward text, resolved or not: reaches the conversation."""
    with_slots = [b for b in bases if (b["request"].get("intent") or {}).get("slots")]
    envelope = copy.deepcopy(rng.choice(with_slots))
    for slot in envelope["request"]["intent"]["slots"].values():
        value = rng.choice([v for v in AWKWARD_VALUES if isinstance(v, str)] + ["five", "10", "yes", "my partner"])
        slot["value"] = value
        if rng.random() < 0.5:
            slot.pop("resolutions", None)
        else:
            slot["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"] = {"name": value, "id": value}
    envelope["session"]["new"] = rng.random() < 0.5
    return encode(envelope)


def mutate(rng: random.Random, bases: list[dict[str, Any]]) -> bytes:
    """One mutated envelope: awkward slot values, or a few fields replaced or removed, sometimes byte damage."""
    if rng.random() < 0.3:
        return awkward_slots(rng, bases)
    envelope = copy.deepcopy(rng.choice(bases))
    candidates = list(paths(envelope))
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(candidates)
        try:
            set_path(envelope, path, random_json(rng), delete=rng.random() < 0.2)
        except (KeyError, IndexError, TypeError):
            pass
        candidates = list(paths(envelope)) or candidates
    body = encode(envelope)
    return raw_mutation(rng, body) if rng.random() < 0.15 else body
