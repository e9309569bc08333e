"""The safety net: crisis words in any request get the locale's help resources first, and nothing is kept."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import yaml

from skill.turn import Turn, ask, line

PHRASES_FILE = Path(__file__).parent / "content" / "safety_phrases.yaml"
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, apostrophes dropped, so "I'm" and "im" match alike."""
    text = text.lower().replace("\u2019", "").replace("'", "")
    return f" {_NOT_WORD.sub(' ', text).strip()} "


@lru_cache(maxsize=4)
def phrases(path: Path = PHRASES_FILE, language: str = "en") -> frozenset[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = data.get(language) if isinstance(data, dict) else None
    if not isinstance(groups, dict) or not groups:
        raise ValueError(f"{path}: needs a '{language}' section of phrase groups")
    found: set[str] = set()
    for group, items in groups.items():
        if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
            raise ValueError(f"{path}: {language}.{group} must be a list of phrases")
        found.update(normalise(item) for item in items)
    return frozenset(found)


def is_alarming(text: str | None, locale: str | None = None, known: Iterable[str] | None = None) -> bool:
    """Asked with the request's locale; a language without its own phrases is checked with English ones."""
    if not text:
        return False
    heard = normalise(text)
    return any(phrase in heard for phrase in (known if known is not None else _phrases_for(locale)))


def _phrases_for(locale: str | None) -> frozenset[str]:
    language = (locale or "en").split("-")[0].lower()
    try:
        return phrases(language=language)
    except ValueError:
        return phrases()


def response() -> Turn:
    """Brief on purpose (a speaker is a shared device): no card, nothing stored; the reprompt repeats the numbers."""
    return ask(line("safety.opening"), line("safety.resources"), line("safety.closing"),
               reprompt=(line("safety.resources"),))
