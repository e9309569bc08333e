"""What the conversation needs from outside (history, catalogue, names, playback memory), as a typed port."""
from __future__ import annotations

from typing import Protocol, Sequence

from skill.checkin import Result
from skill.exercises import Catalogue
from skill.history import RECENT, CheckinRecord
from skill.playback import AudioHost, Names, Saved
from skill.together import Together


class Port(Protocol):
    """Implemented by the wiring for one request. Every method copes with its own failures: None or False, never raise."""

    @property
    def catalogue(self) -> Catalogue: ...

    @property
    def audio_host(self) -> AudioHost: ...

    def recent_checkins(self, limit: int = RECENT) -> Sequence[CheckinRecord] | None:
        """Newest first; None (not an empty list) when history cannot be reached."""

    def save_checkin(self, result: Result) -> bool: ...

    def erase_data(self) -> bool:
        """The speaking person's data only."""

    def erase_account(self) -> bool:
        """Everyone's data on the account ("delete all our data")."""

    @property
    def recognised(self) -> bool:
        """Alexa recognised the speaker's voice profile, so history is theirs without asking."""

    def people_on_account(self) -> int | None:
        """How many people have check-ins on this account; None when the store cannot be reached."""

    def as_speaker(self, who: str) -> Port:
        """The port for an unrecognised voice that said who it is ("holder" or "partner")."""

    def together(self) -> Together | None:
        """For a recognised voice: its check-ins beside its partner's, as far as sharing allows; None if unreachable."""

    def set_sharing(self, sharing: bool) -> bool: ...

    def remembered_names(self) -> Names | None: ...

    def remember_names(self, names: Names) -> bool: ...

    def playback_position(self) -> Saved | None: ...

    def save_position(self, token: str, offset_ms: int) -> None: ...

    def clear_position(self) -> None: ...


class Detached:
    """The port when nothing is wired (no database, no hosted audio): the conversation still answers."""

    catalogue = Catalogue()
    audio_host = AudioHost(None)

    def recent_checkins(self, limit: int = RECENT) -> Sequence[CheckinRecord] | None:
        return None

    def save_checkin(self, result: Result) -> bool:
        return False

    def erase_data(self) -> bool:
        return False

    def erase_account(self) -> bool:
        return False

    recognised = False

    def people_on_account(self) -> int | None:
        return None

    def as_speaker(self, who: str) -> Port:
        return self

    def together(self) -> Together | None:
        return None

    def set_sharing(self, sharing: bool) -> bool:
        return False

    def remembered_names(self) -> Names | None:
        return None

    def remember_names(self, names: Names) -> bool:
        return False

    def playback_position(self) -> Saved | None:
        return None

    def save_position(self, token: str, offset_ms: int) -> None:
        return None

    def clear_position(self) -> None:
        return None
