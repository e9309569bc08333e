"""The companion's own words, by message id, from skill/web/content/<locale>.yaml (en-US fills the gaps)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from skill.speech import Message, load_content_file, locale_chain

CONTENT_DIR = Path(__file__).parent / "content"


@lru_cache(maxsize=8)
def messages(locale: str) -> Mapping[str, Message]:
    merged: dict[str, Message] = {}
    for name in reversed(locale_chain(locale)):
        path = CONTENT_DIR / f"{name}.yaml"
        if path.exists():
            merged.update(load_content_file(path))
    return merged


def text(locale: str, message_id: str, **params: Any) -> str:
    """The first wording (pages are stable, not varied); a missing id is a programming error."""
    return messages(locale)[message_id].variants[0].format(**params)
