"""Two partners side by side: when their check-ins may be shared, and the short, kind comparison itself."""
from __future__ import annotations

from dataclasses import dataclass

from skill.history import CheckinRecord, direction, on_scale
from skill.turn import Line, line


@dataclass(frozen=True)
class Together:
    """What "how are we both doing" may use: the speaker's check-ins, and their partner's only when both share."""

    mine: tuple[CheckinRecord, ...]
    sharing: bool  # the speaker's own choice
    partners: int  # other recognised voices on the account with check-ins
    partner_sharing: bool  # False when a partner has turned sharing off
    theirs: tuple[CheckinRecord, ...] = ()  # filled only for exactly one partner, when both share


MINE = {"okay": line("together.mine.okay"), "strain": line("together.mine.strain"),
        "strong": line("together.mine.strong")}
THEIRS = {"okay": line("together.theirs.okay"), "strain": line("together.theirs.strain"),
          "strong": line("together.theirs.strong")}
EASING = {"lower": line("together.trend.lower"), "higher": line("together.trend.higher"),
          "same": line("together.trend.same")}


def why_not(recognised: bool, together: Together | None) -> Line | None:
    """The kind reason a side by side cannot be given, or None when it can (after the offer says what it shares)."""
    if not recognised:
        return line("together.needs_voices")
    if together is None:
        return line("history.unavailable")
    if together.partners > 1:
        return line("together.more_than_two")
    if not together.mine:
        return line("together.you_first")
    if together.partners == 0:
        return line("together.no_partner")
    if not together.sharing:
        return line("together.you_turned_off")
    if not together.partner_sharing or not together.theirs:
        return line("together.sharing_off")
    return None


def _trend(records: tuple[CheckinRecord, ...]) -> tuple[Line, ...]:
    if len(records) < 2:
        return ()
    return (EASING[direction(on_scale(records[-1]), on_scale(records[0]))],)


def side_by_side(together: Together) -> tuple[Line, ...]:
    """Each partner's latest reading and direction, never their answers, then one line for both."""
    mine = MINE.get(together.mine[0].band, line("together.mine.checked_in"))
    theirs = THEIRS.get(together.theirs[0].band, line("together.theirs.checked_in"))
    return (line("together.intro"), mine, *_trend(together.mine), theirs, *_trend(together.theirs),
            line("together.close"))
