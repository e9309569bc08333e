"""The local stand-in for Alexa's NLU: exact samples first (strict mode), else the nearest sample by fuzzy score."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, Iterable, Mapping

from rapidfuzz import fuzz, process

from skill import safety
from skill.understanding.answers import is_name
from skill.understanding.normalise import normalise, spell_number, words_to_number
from skill.understanding.source import LOCALES, MODELS_DIR, load_source
from skill.understanding.templates import expand

FALLBACK = "AMAZON.FallbackIntent"
GLUE_WORDS = frozenset({"and", "with", "for", "the", "a", "our", "us", "me", "to", "of", "please"})
LAUNCH_WORDS = ("open", "launch")  # alone, or before the invocation name (as are "start" and "ask")
FLOOR = 0.74  # below this the stand-in answers FallbackIntent, as Alexa does for out-of-domain speech
CARRIER_INTENTS = frozenset({"ShareFeelingIntent"})  # free text rides in; understand() routes it
OPEN_TYPES = {"AMAZON.NUMBER": tuple(spell_number(n) for n in (1, 2, 3, 5, 10, 15, 20)),
              "AMAZON.FirstName": ("sam", "alex"), "AMAZON.SearchQuery": ()}
MAX_COMBINATIONS = 600  # per sample with two custom slots: enough variety, a bounded index
SHORTLIST = 25  # candidates per C scorer before the blended re-rank
CANDIDATES = 8  # ranked candidates tried in turn (names must be names, danger must be danger)
SAFETY = "SafetyIntent"
SAFETY_CONFIRM = 0.9  # a fuzzy SafetyIntent below this needs the scanner to agree
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Slot:
    """What was heard for a slot and the value id it resolved to (None when it did not resolve)."""
    text: str
    value_id: str | None = None


@dataclass(frozen=True)
class Match:
    intent: str
    confidence: float  # 1.0 for an exact sample, else the fuzzy score 0..1
    slots: Mapping[str, Slot] = field(default_factory=dict)
    nearest: str = ""  # the sample it resembled, for the console; never what the person said

    @property
    def is_fallback(self) -> bool:
        return self.intent == FALLBACK

    def value(self, slot: str) -> str | None:
        heard = self.slots.get(slot)
        return heard.value_id if heard else None


@dataclass(frozen=True)
class _Pattern:
    intent: str
    regex: re.Pattern[str]
    slot_types: tuple[tuple[str, str], ...]
    literal: int
    text: str


@dataclass(frozen=True)
class _Entry:
    intent: str
    slots: tuple[tuple[str, str, str | None], ...]  # (slot, heard, value id)
    sample: str


def _value_phrases(types: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for slot_type in types:
        pairs = []
        for value in slot_type.get("values", []):
            for phrase in (value["name"]["value"], *value["name"].get("synonyms", ())):
                pairs.append((normalise(phrase), value.get("id") or value["name"]["value"]))
        out[slot_type["name"]] = list(dict.fromkeys(pairs))
    return out


class Matcher:
    """Built once per locale (see matcher_for); match() is pure and takes a few milliseconds."""

    def __init__(self, model: Mapping[str, Any], local: Mapping[str, Iterable[str]] | None = None) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation = language["invocationName"]
        self.values = _value_phrases(language.get("types", []))
        self._lookup = {kind: dict(pairs) for kind, pairs in self.values.items()}
        self.patterns: list[_Pattern] = []
        texts: list[str] = []
        self.entries: list[_Entry] = []
        for intent in language["intents"]:
            slot_types = tuple((s["name"], s["type"]) for s in intent.get("slots", []))
            for sample in [*intent.get("samples", []), *(local or {}).get(intent["name"], ())]:
                self.patterns.append(self._compile(intent["name"], sample, slot_types))
                for text, entry in self._concrete(intent["name"], sample, dict(slot_types)):
                    texts.append(text)
                    self.entries.append(entry)
        self._pattern_of = {(p.intent, p.text): p for p in self.patterns}
        # Intents that are nothing but names ("Sam and Alex"); others (the reconnect) still stand without them.
        first_names = {(p.intent, name) for p in self.patterns for name, kind in p.slot_types if kind == "AMAZON.FirstName"}
        self._names_only = frozenset(p.intent for p in self.patterns) - frozenset(
            p.intent for p in self.patterns if not any(f"{{{name}}}" in p.text for i, name in first_names if i == p.intent))
        unique: dict[str, int] = {}
        for index, text in enumerate(texts):
            unique.setdefault(text, index)
        self.texts = list(unique)
        self.entries = [self.entries[index] for index in unique.values()]
        self.sorted_texts = [" ".join(sorted(text.split())) for text in self.texts]
        self._masks: dict[frozenset[str], tuple[list[str], list[str], list[int]]] = {}

    # exact --------------------------------------------------------------------------------------
    def _compile(self, intent: str, sample: str, slot_types: tuple[tuple[str, str], ...]) -> _Pattern:
        kinds, parts, literal = dict(slot_types), [], 0
        for token in sample.split():
            slot = _SLOT.fullmatch(token)
            if slot:
                kind = kinds.get(slot.group(1), "")
                if kind in self.values:  # a custom slot holds only its listed values, as on a device
                    phrases = sorted({phrase for phrase, _ in self.values[kind] if phrase}, key=len, reverse=True)
                    parts.append(f"(?P<{slot.group(1)}>{'|'.join(map(re.escape, phrases))})")
                elif kind == "AMAZON.FirstName":
                    parts.append(f"(?P<{slot.group(1)}>[a-z]+(?: [a-z]+)?)")
                else:
                    parts.append(f"(?P<{slot.group(1)}>.+?)")
            elif normalise(token):
                parts.append(re.escape(normalise(token)))
                literal += len(normalise(token))
        return _Pattern(intent, re.compile("^" + " ".join(parts) + "$"), slot_types, literal, sample)

    def _resolve(self, slot_type: str, heard: str) -> str | None:
        return self._lookup.get(slot_type, {}).get(heard)

    def exact(self, spoken: str) -> Match | None:
        """Alexa-style exact match: custom slots must hold a listed value; most literal words win."""
        best: tuple[tuple[int, int], Match] | None = None
        for pattern in self.patterns:
            found = pattern.regex.match(spoken)
            if not found:
                continue
            kinds, slots, open_slots = dict(pattern.slot_types), {}, 0
            for name, heard in found.groupdict().items():
                kind = kinds.get(name, "")
                value_id = self._resolve(kind, heard)
                if kind in self.values and value_id is None:
                    break
                if kind == "AMAZON.FirstName" and not is_name(heard):
                    break
                if kind == "AMAZON.NUMBER":
                    number = words_to_number(heard)
                    if number is None:
                        break
                    value_id = str(number)
                open_slots += kind not in self.values
                slots[name] = Slot(heard, value_id)
            else:
                rank = (-open_slots, pattern.literal)
                if best is None or rank > best[0]:
                    best = (rank, Match(pattern.intent, 1.0, slots, pattern.text))
        return best[1] if best else None

    # fuzzy --------------------------------------------------------------------------------------
    def _concrete(self, intent: str, sample: str, kinds: Mapping[str, str]) -> Iterable[tuple[str, _Entry]]:
        names = _SLOT.findall(sample)
        options: list[list[tuple[str, str | None]]] = []
        for name in names:
            kind = kinds.get(name, "")
            if kind in self.values:
                pairs = self.values[kind]
                if len(names) > 1:
                    per_value: dict[str, list[tuple[str, str]]] = {}
                    for phrase, value_id in pairs:
                        per_value.setdefault(value_id, []).append((phrase, value_id))
                    pairs = [pair for group in per_value.values() for pair in group[:4]]
                options.append(list(pairs))
            else:
                options.append([(word, None) for word in OPEN_TYPES.get(kind, ())])
        if any(not choice for choice in options):
            return
        for count, combination in enumerate(product(*options)):
            if count >= MAX_COMBINATIONS:
                break
            text = sample
            for name, (phrase, _) in zip(names, combination):
                text = text.replace(f"{{{name}}}", phrase, 1)
            slots = tuple((name, phrase, value_id) for name, (phrase, value_id) in zip(names, combination))
            yield normalise(text), _Entry(intent, slots, sample)

    def _choices(self, allowed: frozenset[str] | None) -> tuple[list[str], list[str], list[int] | None]:
        if allowed is None:
            return self.texts, self.sorted_texts, None
        if allowed not in self._masks:
            mask = [i for i, entry in enumerate(self.entries) if entry.intent in allowed]
            self._masks[allowed] = ([self.texts[i] for i in mask], [self.sorted_texts[i] for i in mask], mask)
        return self._masks[allowed]

    def nearest(self, spoken: str, allowed: frozenset[str] | None = None, limit: int = 1) -> list[tuple[_Entry, float]]:
        """Shortlist by character ratio on the words as said and sorted, then rank the shortlist by _blend."""
        if not spoken:
            return []
        choices, sorted_choices, mask = self._choices(allowed)
        shortlist: set[int] = set()
        for query, pool in ((spoken, choices), (" ".join(sorted(spoken.split())), sorted_choices)):
            shortlist.update(i for _, _, i in process.extract(query, pool, scorer=fuzz.ratio,
                                                              limit=SHORTLIST, processor=None))
        ranked = sorted(((_blend(spoken, choices[i]), i) for i in shortlist), key=lambda pair: (-pair[0], pair[1]))
        return [(self.entries[i if mask is None else mask[i]], score / 100.0) for score, i in ranked[:limit]]

    def _fill_open(self, entry: _Entry, spoken: str) -> dict[str, Slot]:
        slots = {name: Slot(heard, value_id) for name, heard, value_id in entry.slots}
        open_names = [name for name, _, value_id in entry.slots if value_id is None]
        if open_names:
            pattern = self._pattern_of.get((entry.intent, entry.sample))
            found = pattern.regex.match(spoken) if pattern else None
            for name in open_names:
                heard = found.group(name) if found else None
                if heard is None:
                    slots.pop(name)
                    continue
                number = words_to_number(heard)
                slots[name] = Slot(heard, str(number) if number is not None else None)
        if "minutes" in open_names and "minutes" not in slots:
            number = next((words_to_number(w) for w in spoken.split() if words_to_number(w)), None)
            if number:
                slots["minutes"] = Slot(spell_number(number), str(number))
        return slots

    # the one entry point -----------------------------------------------------------------------
    def is_launch(self, text: object) -> bool:
        """"open", or a launch word before the invocation name: what Alexa turns into a LaunchRequest."""
        spoken = normalise(text)
        return spoken in LAUNCH_WORDS or spoken in {f"{verb} {self.invocation}" for verb in (*LAUNCH_WORDS, "start", "ask")}

    def match(self, text: object, strict: bool = False, allowed: frozenset[str] | None = None,
              floor: float = FLOOR) -> Match:
        spoken = normalise(text)
        exact = self.exact(spoken)
        if exact and (allowed is None or exact.intent in allowed):
            return exact
        if strict or not spoken:
            return Match(FALLBACK, 0.0)
        for entry, score in self.nearest(spoken, allowed, limit=CANDIDATES):
            if score < floor:
                break
            slots = self._fill_open(entry, spoken)
            if any(kind == "AMAZON.FirstName" and name not in slots for name, kind in self._kinds(entry)):
                carrier = {w for w in entry.sample.split() if not w.startswith("{")} - GLUE_WORDS
                if entry.intent in self._names_only or not carrier & set(spoken.split()):
                    continue  # "X and Y" is names only when X and Y are names, and never a request by itself
                names = {name for name, kind in self._kinds(entry) if kind == "AMAZON.FirstName"}
                slots = {name: slot for name, slot in slots.items() if name not in names}
            if entry.intent == SAFETY and score < SAFETY_CONFIRM and not self.confirm_safety(spoken):
                continue  # near a danger sample but no danger words: let the next candidate speak
            return Match(entry.intent, round(score, 3), slots, entry.sample)
        return Match(FALLBACK, 0.0)

    def _kinds(self, entry: _Entry) -> tuple[tuple[str, str], ...]:
        pattern = self._pattern_of.get((entry.intent, entry.sample))
        return pattern.slot_types if pattern else ()

    @staticmethod
    def confirm_safety(spoken: str) -> bool:
        return safety.is_alarming(spoken)  # the scanner is the authority on danger words


def _blend(query: str, choice: str) -> float:
    """Character similarity, tempered by word overlap so a shared long word cannot carry a match alone."""
    return 0.5 * fuzz.ratio(query, choice) + 0.5 * fuzz.token_set_ratio(query, choice)


def load_model(locale: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    return json.loads((models_dir / f"{locale}.json").read_text(encoding="utf-8"))


def local_phrases(locale: str) -> dict[str, list[str]]:
    """Phrases Alexa trains itself for built-in intents, expanded for the stand-in."""
    source = load_source()
    words = source.words[locale]
    return {intent.name: [s for t in intent.local for s in expand(t, words)] for intent in source.intents}


@lru_cache(maxsize=len(LOCALES))
def matcher_for(locale: str | None) -> Matcher:
    """One index per locale, built on first use and cached for the life of the process."""
    chosen = locale if locale in LOCALES else "en-US"
    return Matcher(load_model(chosen), local_phrases(chosen))


def warm_up(locales: Iterable[str] = LOCALES) -> None:
    """Builds every locale's index now (a server does this at start, so no request waits for it)."""
    for locale in locales:
        matcher_for(locale)
