"""The safety net: a pattern scanner for crisis and danger language, the locale's help lines, nothing kept."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from skill.turn import Turn, ask, line
from skill.understanding.normalise import normalise

PATTERNS_FILE = Path(__file__).parent / "content" / "safety_patterns.yaml"
RESOURCES_ID = "safety.resources"
_TERM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Finding:
    """What the scan found: the kind of danger (never the words) and where the help lines live."""
    kind: str
    locale: str
    resources_id: str = RESOURCES_ID


@dataclass(frozen=True)
class Scanner:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def kind(self, text: object) -> str | None:
        heard = normalise(text)
        if not heard:
            return None
        for kind, pattern in self.patterns:
            if pattern.search(heard):
                return kind
        return None


def _fill(text: str, terms: Mapping[str, str], where: str, depth: int = 0) -> str:
    if depth > 5:
        raise ValueError(f"{where}: terms refer to each other in a loop")

    def term(found: re.Match[str]) -> str:
        if found.group(1) not in terms:
            raise ValueError(f"{where}: unknown term {{{found.group(1)}}}; add it under 'terms'")
        return _fill(terms[found.group(1)], terms, where, depth + 1)
    return _TERM.sub(term, text)


@lru_cache(maxsize=4)
def scanner(path: Path = PATTERNS_FILE) -> Scanner:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms, groups = data.get("terms") or {}, data.get("patterns") or {}
    if not isinstance(groups, dict) or not groups:
        raise ValueError(f"{path}: needs 'patterns', kinds of danger with lists of expressions")
    compiled = []
    for kind, items in groups.items():
        if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
            raise ValueError(f"{path}: patterns.{kind} must be a list of expressions")
        for index, item in enumerate(items):
            where = f"{path}: patterns.{kind}[{index}]"
            try:
                compiled.append((str(kind), re.compile(_fill(item, terms, where))))
            except re.error as error:
                raise ValueError(f"{where}: {error}") from None
    return Scanner(tuple(compiled))


def scan(text: object, locale: str | None = None) -> Finding | None:
    """A Finding when the text sounds like crisis or danger, else None. The text is never kept or logged."""
    kind = scanner().kind(text)
    return Finding(kind, locale or "en-US") if kind else None


def is_alarming(text: object, locale: str | None = None) -> bool:
    return scan(text, locale) is not None


def scan_slots(slot_values: Mapping[str, object], locale: str | None = None) -> Finding | None:
    """Scans every slot value Alexa heard (free text, names, unresolved values alike)."""
    for value in slot_values.values():
        found = scan(value, locale)
        if found:
            return found
    return None


def help_lines(locale: str | None) -> str:
    """The locale's own help lines, from its content file (overlays hold each country's numbers)."""
    from skill.speech import phrasebook
    return phrasebook(locale).text(RESOURCES_ID)


def response() -> Turn:
    """Brief on purpose (a speaker is a shared device): no card, nothing stored; the reprompt repeats the numbers."""
    return ask(line("safety.opening"), line("safety.resources"), line("safety.closing"),
               reprompt=(line("safety.resources"),))
