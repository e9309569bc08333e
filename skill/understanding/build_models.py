"""Writes interaction_models/<locale>.json from the templates: `python -m skill.understanding.build_models [--check]`."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from skill.understanding.normalise import normalise
from skill.understanding.source import LOCALES, MODELS_DIR, Source, load_source
from skill.understanding.templates import expand

COMMAND = "python -m skill.understanding.build_models"
SAMPLE_CHARACTERS = re.compile(r"^[a-zA-Z' .{}_]+$")
SLOT = re.compile(r"\{(\w+)\}")
MAX_SAMPLE_CHARS = 200  # Alexa's limit per sample utterance
MAX_SAMPLES_PER_INTENT = 1000  # a conservative cap of our own, well inside the model size limit


class ModelError(ValueError):
    """A generated sample breaks one of Alexa's rules; the message names intent, sample and fix."""


def _tidy(sample: str) -> str:
    """Lowercase, with the pronoun I capitalised, as Alexa's console shows samples."""
    return " ".join("I" if word == "i" else word for word in sample.lower().split())


def _check_sample(intent: str, sample: str, slots: dict[str, str], bare: str | None) -> None:
    where = f"{intent} sample {sample!r}"
    if not SAMPLE_CHARACTERS.match(sample) or len(sample) > MAX_SAMPLE_CHARS:
        raise ModelError(f"{where}: only letters, spaces, apostrophes and periods, at most {MAX_SAMPLE_CHARS}")
    used = SLOT.findall(sample)
    if set(used) - set(slots) or len(used) != len(set(used)):
        raise ModelError(f"{where}: declare each slot once on the intent")
    if SLOT.sub("", sample).strip() == "" and used != [bare] and not (used and used[0] == bare):
        raise ModelError(f"{where}: a bare-slot sample needs `bare: {used[0]}` on the intent, or carrier words")


def slot_type(name: str, values: dict[str, tuple[str, ...]], words: dict[str, str]) -> dict[str, Any]:
    """Values may use template syntax too; the first expansion of the first phrase is the value's name."""
    out = []
    for value_id, phrases in values.items():
        spoken = list(dict.fromkeys(" ".join(e.lower().replace("-", " ").split()) for p in phrases for e in expand(p, words)))
        out.append({"id": value_id, "name": {"value": spoken[0], "synonyms": spoken[1:]}})
    return {"name": name, "values": out}


def _exercise_type() -> dict[str, Any]:
    from audio.slot_type import exercise_slot_type  # the exercise scripts are the one source of names
    return exercise_slot_type()


def build_model(locale: str, source: Source | None = None, exercise_type: dict[str, Any] | None = None) -> dict[str, Any]:
    source = source or load_source()
    words = source.words[locale]
    seen: dict[str, str] = {}
    intents = []
    for intent in source.intents:
        slots = dict(intent.slots)
        samples: list[str] = []
        for template in intent.samples:
            for sample in expand(template, words):
                sample = _tidy(sample)
                _check_sample(intent.name, sample, slots, intent.bare)
                key = normalise(SLOT.sub(lambda m: f"slot{m.group(1)}", sample))
                if seen.get(key, intent.name) != intent.name:
                    raise ModelError(f"{locale} {intent.name} sample {sample!r} is also in {seen[key]}: "
                                     "remove it from one intent in interaction_models/templates")
                if key not in seen:
                    seen[key] = intent.name
                    samples.append(sample)
        if len(samples) > MAX_SAMPLES_PER_INTENT:
            raise ModelError(f"{intent.name}: {len(samples)} samples; keep under {MAX_SAMPLES_PER_INTENT}")
        entry: dict[str, Any] = {"name": intent.name}
        if slots:
            entry["slots"] = [{"name": name, "type": kind} for name, kind in intent.slots]
        entry["samples"] = samples
        intents.append(entry)
    types = [slot_type(name, values, words) for name, values in source.types.items()]
    types.append(exercise_type or _exercise_type())
    used_types = {slot["type"] for entry in intents for slot in entry.get("slots", [])}
    missing = {t for t in used_types if not t.startswith("AMAZON.")} - {t["name"] for t in types}
    if missing:
        raise ModelError(f"{locale}: declare slot type(s) {sorted(missing)} in templates/_common.yaml")
    return {"interactionModel": {"languageModel": {
        "invocationName": source.invocation,
        "intents": intents,
        "types": sorted(types, key=lambda t: t["name"]),
    }}}


def render(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a committed model differs")
    parser.add_argument("--models", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    exercise_type = _exercise_type()
    stale = []
    for locale in LOCALES:
        path = args.models / f"{locale}.json"
        try:
            text = render(build_model(locale, exercise_type=exercise_type))
        except ValueError as error:
            print(f"{COMMAND}: {error}", file=sys.stderr)
            return 2
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(text, encoding="utf-8")
        samples = sum(len(i["samples"]) for i in json.loads(text)["interactionModel"]["languageModel"]["intents"])
        print(f"{path.name}: {samples} samples, {'stale' if current != text and args.check else 'written' if current != text else 'up to date'}")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run {COMMAND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
