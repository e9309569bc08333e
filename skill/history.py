"""Check-in history rules: scores and dates only, spoken as a trend (heavier or lighter) and only when asked."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol, Sequence

from skill.checkin import MAX_SCORE
from skill.turn import Line, line

RECENT = 5
# A change smaller than this on the 0..15 scale is spoken as "about the same": the check-in is not that precise.
MEANINGFUL_CHANGE = 2


class CheckinRecord(Protocol):
    """A stored check-in as the rules read it (the store's record has these fields, and more)."""

    @property
    def taken_at(self) -> datetime: ...

    @property
    def score(self) -> int: ...

    @property
    def max_score(self) -> int: ...

    @property
    def band(self) -> str: ...


def on_scale(record: CheckinRecord) -> int:
    return (2 * record.score * MAX_SCORE + record.max_score) // (2 * record.max_score)


def when(record: CheckinRecord, now: datetime | None = None) -> Line:
    days = ((now or datetime.now(timezone.utc)).date() - record.taken_at.astimezone(timezone.utc).date()).days
    if days <= 0:
        return line("history.when.today")
    if days == 1:
        return line("history.when.yesterday")
    return line("history.when.days", days=days)


def direction(before: int, after: int) -> str:
    """Lower means fewer signs of strain."""
    if after - before >= MEANINGFUL_CHANGE:
        return "higher"
    if before - after >= MEANINGFUL_CHANGE:
        return "lower"
    return "same"


def trend(records: Sequence[CheckinRecord], now: datetime | None = None) -> tuple[Line, ...]:
    """Newest against oldest of the recent check-ins, then the latest band: a direction, not a verdict."""
    if not records:
        return (line("history.trend.none"),)
    latest = records[0]
    latest_band = line(f"history.band.{latest.band}") if latest.band in {"okay", "strain", "strong"} else None
    if len(records) == 1:
        lines = (line("history.trend.single"), when(latest, now))
    else:
        change = direction(on_scale(records[-1]), on_scale(latest))
        lines = (line(f"history.trend.{change}", count=len(records)), when(latest, now))
    return (*lines, latest_band) if latest_band else lines
