"""What the ASK side hands the conversation: an Event with its slots and the device's player."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

LAUNCH = "LaunchRequest"
FALLBACK = "AMAZON.FallbackIntent"
EVENT_PREFIXES = ("AudioPlayer.", "PlaybackController.")
ENGAGED = frozenset({"PLAYING", "PAUSED", "STOPPED", "BUFFER_UNDERRUN"})
_SMALL_NUMBER = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Slot:
    """A slot as Alexa filled it: what was heard, and the canonical value id if it resolved."""

    heard: str | None = None
    value_id: str | None = None

    @property
    def filled(self) -> bool:
        return bool(self.heard or self.value_id)

    @property
    def number(self) -> int | None:
        """ASCII digits only: "²" or a thousand-digit number is no number, never an error."""
        heard = (self.heard or "").strip()
        return int(heard) if _SMALL_NUMBER.fullmatch(heard) else None


@dataclass(frozen=True)
class Player:
    """What the device's AudioPlayer reports: the token it holds, where it is, and what it is doing."""

    token: str | None = None
    offset_ms: int = 0
    activity: str = "IDLE"

    @property
    def engaged(self) -> bool:
        return bool(self.token) and self.activity in ENGAGED

    @property
    def playing(self) -> bool:
        return self.activity in {"PLAYING", "BUFFER_UNDERRUN"}


@dataclass(frozen=True)
class Event:
    """A user's request (or a player's report), reduced to what the conversation needs."""

    name: str
    slots: Mapping[str, Slot] = field(default_factory=lambda: MappingProxyType({}))
    locale: str = "en-US"
    player: Player = field(default_factory=Player)
    has_session: bool = True
    audio_player_supported: bool = True

    def slot(self, name: str) -> Slot:
        return self.slots.get(name) or Slot()

    def heard_text(self) -> str:
        """Everything heard in the slots, free text from a SearchQuery slot included."""
        return " ".join(slot.heard for slot in self.slots.values() if slot.heard)

    @property
    def is_player_event(self) -> bool:
        return self.name.startswith(EVENT_PREFIXES)
