"""A small sentence-template expander: (a|b) alternatives, [optional] words, {slot} kept, <word> local words."""
from __future__ import annotations

import re
from itertools import product

_LOCAL_WORD = re.compile(r"<(\w+)>")


class TemplateError(ValueError):
    """A template cannot be expanded; the message quotes it."""


def _alternatives(text: str, start: int, closer: str | None) -> tuple[list[str], int]:
    """Parse from start until closer; returns the expansions and the index after the closer."""
    options: list[list[str]] = [[""]]
    index = start
    while index < len(text):
        char = text[index]
        if char in "([":
            inner, index = _alternatives(text, index + 1, ")" if char == "(" else "]")
            if char == "[":
                inner = [*inner, ""]
            options[-1] = [a + b for a, b in product(options[-1], inner)]
            continue
        if char == "|":
            if closer is None:
                raise TemplateError(f"'|' outside brackets in {text!r}")
            options.append([""])
        elif char == closer:
            return [item for group in options for item in group], index + 1
        elif char in ")]":
            raise TemplateError(f"unbalanced {char!r} in {text!r}")
        else:
            options[-1] = [item + char for item in options[-1]]
        index += 1
    if closer is not None:
        raise TemplateError(f"missing {closer!r} in {text!r}")
    return [item for group in options for item in group], index


def localise(template: str, words: dict[str, str]) -> str:
    def pick(found: re.Match[str]) -> str:
        if found.group(1) not in words:
            raise TemplateError(f"local word <{found.group(1)}> is not defined in 'words'")
        return words[found.group(1)]
    return _LOCAL_WORD.sub(pick, template)


def expand(template: str, words: dict[str, str] | None = None) -> list[str]:
    """Every sentence a template stands for, spaces tidied, in a stable order without repeats."""
    expansions, _ = _alternatives(localise(template, words or {}), 0, None)
    return list(dict.fromkeys(" ".join(item.split()) for item in expansions if item.strip()))
