"""The conversation as data: each case in cases/*.yaml is a state and an event, and what the router must answer."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.conversation import checking, offers, playing, reading
from skill.conversation.router import build_router
from skill.conversation.state import from_session, to_session
from skill.turn import TARGET_FIELD
from tests.conversation.world import directive_text, effects, event_from, port_from, said

CASES_DIR = Path(__file__).parent / "cases"
ROUTER = build_router()
KEYS = {"name", "given", "event", "world", "says", "session", "directives", "ends", "port"}


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append((path.name, case))
    return cases


CASES = load_cases()


def run(case: dict[str, Any]):
    state = from_session(case.get("given") or {})
    event = event_from(case["event"])
    port = port_from(case.get("world") or {})
    turn, after = ROUTER.respond(event, state, port)
    return event, state, port, turn, after


@pytest.mark.parametrize("file, case", CASES, ids=[f"{file}::{case.get('name')}" for file, case in CASES])
def test_case(file, case):
    where = f"fix tests/conversation/cases/{file}, case {case.get('name')!r}"
    assert set(case) <= KEYS and {"name", "event", "says"} <= set(case), f"{where}: keys are {sorted(KEYS)}"
    event, state, port, turn, after = run(case)
    assert said(turn) == case["says"], f"{where}: says"
    written = {key: value for key, value in to_session(after).items() if key != "last"}
    assert written == (case.get("session") or {}), f"{where}: session (the attributes written back, 'last' aside)"
    assert [directive_text(d) for d in turn.directives] == case.get("directives", []), f"{where}: directives"
    if "ends" in case:
        assert turn.end_session == case["ends"], f"{where}: ends"
    else:
        assert turn.end_session is False, f"{where}: the session ends (or is left to the device); say so with ends:"
    assert effects(port, case.get("world") or {}) == (case.get("port") or {}), f"{where}: port (history, names, position)"


def covered() -> set[tuple[str, str]]:
    """(state, intent) pairs the cases exercise, with the state the router saw."""
    pairs = set()
    for _, case in CASES:
        state, event = from_session(case.get("given") or {}), event_from(case["event"])
        pairs.add((state.mode(event), event.name))
    return pairs


@pytest.mark.parametrize("mode, table, file", [
    ("checking", checking.TABLE, "checking.yaml"), ("reading", reading.TABLE, "reading.yaml"),
    ("playing", playing.TABLE, "playing.yaml"), ("idle", ROUTER.everywhere, "idle.yaml"),
])
def test_every_entry_of_every_state_table_has_a_case(mode, table, file):
    missing = sorted(name for name in table if (mode, name) not in covered())
    assert not missing, f"add cases to tests/conversation/cases/{file} for: {missing}"


def test_every_player_control_has_a_case():
    names = {name for _, name in covered()}
    missing = sorted(name for name in playing.CONTROLS if name not in names)
    assert not missing, f"add cases to tests/conversation/cases/playing.yaml for: {missing}"


def test_every_offer_kind_has_a_row_and_a_yes_and_no_case():
    assert set(offers.KINDS) == set(TARGET_FIELD), "every kind of offer needs a row in offers.KINDS and a field in turn.py"
    answered = {(from_session(case.get("given") or {}).offer.kind, event_from(case["event"]).name)
                for _, case in CASES if from_session(case.get("given") or {}).offer is not None}
    missing = sorted((kind, answer) for kind in offers.KINDS for answer in ("AMAZON.YesIntent", "AMAZON.NoIntent")
                     if (kind, answer) not in answered)
    assert not missing, f"add cases to tests/conversation/cases/offers.yaml for: {missing}"
