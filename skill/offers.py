"""A pending offer ("would you like ...?") kept in the session, so a later Yes or No knows what it answers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from skill.turns import Line, line

# Which session field names the offer's target, per kind; "exercise" matches what the exercise player will read.
TARGET_FIELD: Mapping[str, str] = {"strategy": "topic", "exercise": "need", "check": "check", "delete_data": "scope",
                                   "play": "id", "reconnect": "step"}
# Kinds whose target is data (an exercise id), so the question is one message for all targets.
GENERIC_QUESTION = frozenset({"play"})


@dataclass(frozen=True)
class Offer:
    kind: str
    target: str
    then: Offer | None = None  # offered next if this one is declined

    @property
    def question(self) -> Line:
        if self.kind in GENERIC_QUESTION:
            return line(f"offer.{self.kind}.any")
        return line(f"offer.{self.kind}.{self.target}")

    def to_session(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, TARGET_FIELD[self.kind]: self.target}
        if self.then is not None:
            data["then"] = self.then.to_session()
        return data


def from_session(raw: Any) -> Offer | None:
    if not isinstance(raw, Mapping) or raw.get("kind") not in TARGET_FIELD:
        return None
    target = raw.get(TARGET_FIELD[raw["kind"]])
    if not isinstance(target, str) or not target:
        return None
    return Offer(raw["kind"], target, from_session(raw.get("then")))


DELETE_DATA = Offer("delete_data", "all")
