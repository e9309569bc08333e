"""Reads the template source (interaction_models/templates/*.yaml) into typed, validated definitions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MODELS_DIR = Path(__file__).resolve().parent.parent.parent / "interaction_models"
TEMPLATES_DIR = MODELS_DIR / "templates"
LOCALES: tuple[str, ...] = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")


class SourceError(ValueError):
    """The template source is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class IntentSource:
    name: str
    slots: tuple[tuple[str, str], ...]  # (slot name, slot type) in declaration order
    samples: tuple[str, ...]  # templates written to the Alexa model
    local: tuple[str, ...]  # templates the stand-in alone uses (Alexa trains built-ins itself)
    bare: str | None  # the one slot a sample may consist of alone


@dataclass(frozen=True)
class Source:
    invocation: str
    words: dict[str, dict[str, str]]  # locale -> local word -> spelling
    types: dict[str, dict[str, tuple[str, ...]]]  # type -> value id -> (value, synonyms...)
    intents: tuple[IntentSource, ...]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise SourceError(f"{where}: expected a list of phrases")
    return tuple(value)


@lru_cache(maxsize=2)
def load_source(folder: Path = TEMPLATES_DIR) -> Source:
    common = yaml.safe_load((folder / "_common.yaml").read_text(encoding="utf-8"))
    listed = yaml.safe_load((folder / "intents.yaml").read_text(encoding="utf-8"))
    words = common.get("locales") or {}
    if set(words) != set(LOCALES):
        raise SourceError(f"{folder}/_common.yaml locales: expected exactly {LOCALES}")
    types: dict[str, dict[str, tuple[str, ...]]] = {}
    for type_name, values in (common.get("types") or {}).items():
        if not isinstance(values, dict) or not values:
            raise SourceError(f"_common.yaml types.{type_name}: expected value ids with phrases")
        types[type_name] = {str(key): _strings(items, f"_common.yaml types.{type_name}.{key}")
                            for key, items in values.items()}
    intents = []
    for index, raw in enumerate(listed.get("intents") or []):
        where = f"intents.yaml intents[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise SourceError(f"{where}: needs a name")
        slots = tuple((str(k), str(v)) for k, v in (raw.get("slots") or {}).items())
        bare = raw.get("bare")
        if bare is not None and bare not in dict(slots):
            raise SourceError(f"{where} {raw['name']}: bare slot {bare!r} is not declared")
        intents.append(IntentSource(raw["name"], slots, _strings(raw.get("samples"), f"{where}.samples"),
                                    _strings(raw.get("local"), f"{where}.local"), bare))
    return Source(str(common["invocation"]), words, types, tuple(intents))
