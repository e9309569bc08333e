"""Sleep and wind down choose what can be done lying down at night; the catalogue reads posture and suits tolerantly."""
from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType

from skill.conversation.events import Event, Slot
from skill.conversation.router import build_router
from skill.conversation.state import State
from skill.exercises import Catalogue, load_catalogue
from tests.conversation.world import CATALOGUE, FakePort

ROUTER = build_router()


def _entry(exercise_id: str, **extra) -> dict:
    return {"id": exercise_id, "title": exercise_id.title(), "kind": "regulation", "needs": ["calm", "sleep"],
            "duration_ms": 120_000, "file": f"{exercise_id}.mp3", "sha256": "b" * 64, "delivery": "ssml", **extra}


def test_posture_and_suits_are_read_and_missing_or_odd_values_are_tolerated(tmp_path):
    entries = {"old": _entry("old"), "lying": _entry("lying", posture="lying", suits="any"),
               "bed": _entry("bed", posture="sitting", suits="bedtime"), "odd": _entry("odd", posture=7, suits="noon")}
    (tmp_path / "manifest.json").write_text(json.dumps({"exercises": entries}))
    catalogue = load_catalogue(tmp_path)
    assert catalogue.source == "manifest"
    read = {e.id: (e.posture, e.suits, e.for_bedtime) for e in catalogue.exercises}
    assert read == {"old": ("either", "any", False), "lying": ("lying", "any", True),
                    "bed": ("sitting", "bedtime", True), "odd": ("either", "any", False)}


def test_the_scripts_say_which_exercises_suit_bedtime():
    from skill.exercises import load_scripts
    scripts = {e.id: e for e in load_scripts().exercises}
    assert scripts["muscle-relaxation"].for_bedtime and not scripts["box-breathing"].for_bedtime


class BedPort(FakePort):
    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self._catalogue = catalogue

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue


def _asked(need_heard: str, catalogue: Catalogue) -> str:
    event = Event("ExerciseForNeedIntent", MappingProxyType({"need": Slot(need_heard, "sleep")}))
    turn, _ = ROUTER.respond(event, State(), BedPort(catalogue))
    return " ".join(getattr(piece, "url", "") for piece in turn.say)


def test_sleep_and_wind_down_choose_a_bedtime_exercise_over_a_sitting_one():
    sitting = replace(CATALOGUE.get("box-breathing"), needs=("calm", "sleep"), posture="sitting", suits="any")
    bedtime = replace(CATALOGUE.get("extended-exhale"), needs=("calm", "sleep"), posture="either", suits="bedtime")
    catalogue = Catalogue((sitting, bedtime))
    for heard in ("sleep", "wind down"):
        played = _asked(heard, catalogue)
        assert "extended-exhale.mp3" in played and "box-breathing.mp3" not in played


def test_without_a_sleep_exercise_a_lying_down_one_is_chosen():
    sitting = replace(CATALOGUE.get("box-breathing"), posture="sitting")
    lying = replace(CATALOGUE.get("extended-exhale"), posture="lying")
    played = _asked("sleep", Catalogue((sitting, lying)))
    assert "extended-exhale.mp3" in played
