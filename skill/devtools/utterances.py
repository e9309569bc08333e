"""Turns typed phrases into intents and slots using an interaction model's own samples and values."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import skill

MODELS_DIR = Path(skill.__file__).resolve().parent.parent / "interaction_models"

# Alexa trains its built-in intents itself; these are the phrases the console accepts for them.
BUILT_IN_PHRASES: dict[str, tuple[str, ...]] = {
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "sure", "okay", "ok", "yes please", "please do"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you", "not now"),
    "AMAZON.StopIntent": ("stop", "quit", "exit", "shut up", "goodbye", "bye"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me"),
    "AMAZON.NavigateHomeIntent": ("go home", "home"),
    "AMAZON.NextIntent": ("next", "skip ahead", "the next one"),
    "AMAZON.PreviousIntent": ("previous", "go back", "back"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "repeat that"),
    "AMAZON.StartOverIntent": ("start over", "restart", "from the beginning"),
    "AMAZON.PauseIntent": ("pause", "hold on", "wait"),
    "AMAZON.ResumeIntent": ("resume", "continue", "carry on", "keep going"),
    "AMAZON.LoopOnIntent": ("loop on", "loop this"),
    "AMAZON.LoopOffIntent": ("loop off",),
    "AMAZON.ShuffleOnIntent": ("shuffle", "shuffle on"),
    "AMAZON.ShuffleOffIntent": ("shuffle off",),
}
LAUNCH_PHRASES = ("open relationship recharge", "launch relationship recharge",
                  "start relationship recharge", "open", "launch")
SLOT_PATTERN = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class SlotValue:
    id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    intent: str
    slots: dict[str, tuple[str, str | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Sample:
    intent: str
    pattern: re.Pattern[str]
    slot_types: dict[str, str]
    literal_chars: int


def normalise(text: str) -> str:
    """Lowercase words without punctuation; apostrophes go too, since people type "dont" for "don't"."""
    text = re.sub(r"[^\w\s]", " ", text.lower().replace("'", "").replace("\u2019", ""))
    return re.sub(r"\s+", " ", text).strip()


def load_model(locale: str = "en-US", models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    return json.loads((models_dir / f"{locale}.json").read_text(encoding="utf-8"))


class UtteranceMatcher:
    """The best sample wins: every slot resolved beats unresolved, a bare listed value beats free words, then the most literal words."""

    def __init__(self, model: dict[str, Any]) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation = language["invocationName"]
        self.types = {
            slot_type["name"]: tuple(
                SlotValue(value.get("id") or value["name"]["value"],
                          (value["name"]["value"], *value["name"].get("synonyms", ())))
                for value in slot_type.get("values", [])
            )
            for slot_type in language.get("types", [])
        }
        self.samples: list[_Sample] = []
        for intent in language["intents"]:
            slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            phrases = list(intent.get("samples", []))
            phrases += BUILT_IN_PHRASES.get(intent["name"], ())
            for phrase in phrases:
                self.samples.append(self._compile(intent["name"], phrase, slot_types))

    @staticmethod
    def _compile(intent: str, phrase: str, slot_types: dict[str, str]) -> _Sample:
        parts, literal = [], 0
        for token in phrase.split():
            slot = SLOT_PATTERN.fullmatch(token)
            if slot:
                parts.append(f"(?P<{slot.group(1)}>.+?)")
            elif normalise(token):
                parts.append(re.escape(normalise(token)))
                literal += len(token)
        return _Sample(intent, re.compile("^" + " ".join(parts) + "$"), slot_types, literal)

    def resolve(self, slot_type: str, heard: str) -> str | None:
        for value in self.types.get(slot_type, ()):
            if heard in (normalise(name) for name in value.names):
                return value.id
        return None

    def match(self, text: str) -> Match | None:
        spoken = normalise(text)
        best: tuple[tuple[int, int], Match] | None = None
        for sample in self.samples:
            found = sample.pattern.match(spoken)
            if not found:
                continue
            slots, resolved, listed = {}, 0, 0
            for name, heard in found.groupdict().items():
                slot_type = sample.slot_types.get(name, "")
                value_id = self.resolve(slot_type, heard)
                if slot_type in self.types and value_id is None:
                    resolved -= 1
                listed += value_id is not None
                slots[name] = (heard, value_id)
            if resolved < 0 and not sample.literal_chars:
                continue  # a bare custom slot matches only its own values, or everything would
            # A listed value said whole ("quiet gaze and hand on heart") beats free words around "and".
            rank = (resolved, listed if not sample.literal_chars else 0, sample.literal_chars)
            if best is None or rank > best[0]:
                best = (rank, Match(sample.intent, slots))
        return best[1] if best else None

    def is_launch(self, text: str) -> bool:
        spoken = normalise(text)
        return spoken in LAUNCH_PHRASES or spoken in {f"open {self.invocation}", f"ask {self.invocation}"}

