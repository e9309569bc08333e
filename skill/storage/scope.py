"""A store seen from one account: writes are linked to that account, and account-wide calls need no key."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skill.storage.base import CheckinRecord, Person, PlaybackState, Store


class AccountScope:
    """Forwards to the store; check-ins, playback and attributes written through it belong to `account`."""

    def __init__(self, store: Store, account: str) -> None:
        self.store = store
        self.account = account

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def record_checkin(self, key: str, score: int, max_score: int, band: str,
                       taken_at: datetime | None = None) -> CheckinRecord:
        return self.store.record_checkin(key, score, max_score, band, taken_at, account=self.account)

    def save_playback(self, key: str, token: str, offset_ms: int) -> PlaybackState:
        return self.store.save_playback(key, token, offset_ms, account=self.account)

    def put_attributes(self, key: str, data: Mapping[str, Any]) -> None:
        self.store.put_attributes(key, data, account=self.account)

    def persons(self) -> list[Person]:
        """Everyone with check-ins on this account (hashed): two entries means two people use this speaker."""
        return self.store.persons(self.account)

    def set_sharing(self, key: str, sharing: bool) -> None:
        self.store.set_sharing(self.account, key, sharing)

    def delete_account(self) -> int:
        return self.store.delete_account(self.account)
