"""Every spoken word comes from content/<locale>.yaml by message id; SSML is assembled safely here."""
from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping
from xml.sax.saxutils import escape

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
DEFAULT_LOCALE = "en-US"
# The locales the skill ships (one interaction model each); any other request locale speaks en-US.
SUPPORTED_LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
_BY_LOWER = {name.lower(): name for name in SUPPORTED_LOCALES}
MESSAGE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
MAX_BREAK_MS = 10_000
_FORMATTER = string.Formatter()


class ContentError(ValueError):
    """A content file is malformed; the message names the file and the message id."""


@dataclass(frozen=True)
class Message:
    id: str
    variants: tuple[str, ...]
    placeholders: frozenset[str]


def _placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(text) if name)


def _flatten(node: Any, prefix: str, source: Path) -> Iterable[Message]:
    if isinstance(node, str):
        node = [node]
    if isinstance(node, list):
        if not node or not all(isinstance(v, str) and v.strip() for v in node):
            raise ContentError(f"{source}: {prefix}: variants must be non-empty strings")
        names = {_placeholders(v) for v in node}
        if len(names) != 1:
            raise ContentError(f"{source}: {prefix}: every variant needs the same placeholders")
        yield Message(prefix, tuple(v.strip() for v in node), names.pop())
        return
    if isinstance(node, dict):
        for key, child in node.items():
            if not re.fullmatch(r"[a-z0-9_]+", str(key)):
                raise ContentError(f"{source}: {prefix}.{key}: keys are lowercase letters, digits, _")
            yield from _flatten(child, f"{prefix}.{key}" if prefix else str(key), source)
        return
    raise ContentError(f"{source}: {prefix}: expected text, a list of variants or a section")


def load_content_file(path: Path) -> dict[str, Message]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path}: the top level must be a mapping of sections")
    return {message.id: message for message in _flatten(data, "", path)}


def supported_locale(locale: object) -> str:
    """The shipped locale a request's locale names (case and _ forgiven), else the documented fallback, en-US."""
    if isinstance(locale, str) and len(locale) <= 32:
        return _BY_LOWER.get(locale.replace("_", "-").lower(), DEFAULT_LOCALE)
    return DEFAULT_LOCALE


def locale_chain(locale: str | None) -> list[str]:
    """en-GB -> [en-GB, en, en-US]: the most specific file wins, the default fills the gaps."""
    chain: list[str] = []
    if locale:
        chain.append(locale)
        language = locale.split("-")[0]
        if language != locale:
            chain.append(language)
    if DEFAULT_LOCALE not in chain:
        chain.append(DEFAULT_LOCALE)
    return chain


@lru_cache(maxsize=4 * len(SUPPORTED_LOCALES))
def _merged_messages(content_dir: Path, locale: str) -> Mapping[str, Message]:
    """Only ever called with a shipped locale, so no request value reaches a file path."""
    if locale not in SUPPORTED_LOCALES:
        raise ContentError(f"{locale!r} is not one of the shipped locales {SUPPORTED_LOCALES}")
    merged: dict[str, Message] = {}
    for name in reversed(locale_chain(locale)):
        path = content_dir / f"{name}.yaml"
        if path.exists():
            merged.update(load_content_file(path))
    if not merged:
        raise ContentError(f"{content_dir}: no content file for {locale} or {DEFAULT_LOCALE}")
    return merged


@dataclass
class Phrasebook:
    """The messages for one locale plus the random source that picks among variants."""

    locale: str
    messages: Mapping[str, Message]
    rng: random.Random = field(default_factory=random.Random)

    def has(self, message_id: str) -> bool:
        return message_id in self.messages

    def text(self, message_id: str, **params: Any) -> str:
        message = self.messages.get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id!r} for locale {self.locale}")
        missing = message.placeholders - params.keys()
        if missing:
            raise KeyError(f"message {message_id!r} needs {sorted(missing)}")
        return self.rng.choice(message.variants).format(**params)


def phrasebook(locale: str | None, rng: random.Random | None = None,
               content_dir: Path = CONTENT_DIR) -> Phrasebook:
    chosen = supported_locale(locale)
    return Phrasebook(chosen, _merged_messages(content_dir, chosen), rng or random.Random())


def preload_content(content_dir: Path = CONTENT_DIR) -> None:
    """Parse every shipped locale (with whatever overlay files exist) once, at start-up."""
    for locale in SUPPORTED_LOCALES:
        _merged_messages(content_dir, locale)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def fetchable(url: str) -> bool:
    """An audio address the skill may hand out: https, or (development, for the console) this machine's own http."""
    if url.startswith("https://"):
        return True
    host = url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)[0] if url.startswith("http://") else ""
    return host in LOOPBACK_HOSTS


class Ssml:
    """An SSML body under construction: text is always escaped, pauses and audio are bounded."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def text(self, words: str) -> "Ssml":
        if words:
            self._parts.append(escape(words, {'"': "&quot;"}))
        return self

    def pause(self, milliseconds: int) -> "Ssml":
        remaining = max(0, int(milliseconds))
        while remaining > 0:
            chunk = min(remaining, MAX_BREAK_MS)
            self._parts.append(f'<break time="{chunk}ms"/>')
            remaining -= chunk
        return self

    def audio(self, url: str) -> "Ssml":
        if not fetchable(url):
            raise ValueError("Alexa plays only https audio")
        self._parts.append(f'<audio src="{escape(url, {chr(34): "&quot;"})}"/>')
        return self

    def __bool__(self) -> bool:
        return bool(self._parts)

    def body(self) -> str:
        return " ".join(self._parts)


_TAG = re.compile(r"<[^>]+>")


def plain_text(ssml: str) -> str:
    """What a listener hears, without markup: for cards, logs of our own words and the console."""
    from html import unescape

    return re.sub(r"\s+", " ", unescape(_TAG.sub(" ", ssml))).strip()
