"""The exercise scripts: the packaged catalogue and the validation of malformed files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from audio.catalogue import CatalogueError, load_catalogue

from .conftest import TINY_SEQUENCE

EXPECTED_IDS = {
    "cyclic-sighing-1min", "cyclic-sighing-2min", "cyclic-sighing-5min", "extended-exhale",
    "resonance-breathing", "box-breathing", "four-seven-eight", "grounding-54321", "body-scan",
    "muscle-relaxation", "shared-breathing", "gaze-and-heart", "reconnect-2min",
}


def test_packaged_catalogue_has_every_exercise():
    catalogue = load_catalogue()
    assert {ex.id for ex in catalogue} == EXPECTED_IDS
    assert all(ex.summary and ex.title and ex.speech for ex in catalogue)


def test_synonyms_are_spoken_words_and_unique():
    synonyms = [s for ex in load_catalogue() for s in ex.synonyms]
    assert len(synonyms) == len(set(synonyms))
    assert all(re.fullmatch(r"[a-z' ]+", s) for s in synonyms)
    for spoken in ("box breathing", "square breathing", "four seven eight", "five four three two one"):
        assert spoken in synonyms


def test_reconnect_routine_takes_turns_in_exactly_two_minutes():
    routine = {ex.id: ex for ex in load_catalogue()}["reconnect-2min"]
    starts = [e for e in routine.events if e.segment]
    assert routine.kind == "couple" and routine.length_ms == 120_000
    assert [e.speaker for e in starts] == ["both", "one", "two", "both"]
    assert all(e.kind == "tone" for e in starts) and routine.events[0].segment


def test_four_seven_eight_is_four_cycles_sitting_down():
    ex = {ex.id: ex for ex in load_catalogue()}["four-seven-eight"]
    assert sum(e.text == "Hold." for e in ex.events) == 4
    assert any("sitting down" in e.text for e in ex.speech)


BROKEN = [
    (TINY_SEQUENCE.replace("kind: regulation", "kind: sleepy"), "kind"),
    (TINY_SEQUENCE.replace("length: 16", "length: ten"), "length"),
    (TINY_SEQUENCE.replace("id: tiny-sequence", "id: Tiny Sequence"), "id"),
    (TINY_SEQUENCE.replace("id: tiny-sequence", "id: other-name"), "id"),
    (TINY_SEQUENCE.replace("synonyms: [tiny sequence]", "synonyms: [Tiny 4]"), "synonyms[0]"),
    (TINY_SEQUENCE.replace("    at: 13.25", "    at: 1"), "timeline[4].at"),
    (TINY_SEQUENCE.replace("  - say: Settle in.", "  - say: Settle in.\n    speaker: three"), "timeline[2].speaker"),
    (TINY_SEQUENCE.replace("  - pause: 0.5", "  - pause: 0.5\n    volume: 3"), "timeline[1]"),
    (TINY_SEQUENCE.replace("    every: 4", "    every: 0"), "timeline[3].every"),
    (TINY_SEQUENCE.replace("        at: 2", "        at: 5"), "timeline[3].events[1].at"),
    (TINY_SEQUENCE.replace("  - tone: chime", "  - tone: gong"), "timeline[0].tone"),
    (TINY_SEQUENCE.replace("summary: A short test script.\n", ""), "summary"),
    (TINY_SEQUENCE + "  - [unclosed\n", "not valid YAML"),
]


@pytest.mark.parametrize("text, field", BROKEN)
def test_malformed_file_names_file_and_field(tmp_path: Path, text: str, field: str):
    (tmp_path / "tiny-sequence.yaml").write_text(text)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert str(caught.value).startswith("tiny-sequence.yaml: ")
    assert field in str(caught.value)


def test_synonym_used_twice_across_files(tmp_path: Path):
    (tmp_path / "tiny-sequence.yaml").write_text(TINY_SEQUENCE)
    (tmp_path / "tiny-twin.yaml").write_text(TINY_SEQUENCE.replace("id: tiny-sequence", "id: tiny-twin"))
    with pytest.raises(CatalogueError, match="tiny-twin.yaml: synonyms: 'tiny sequence' is already used"):
        load_catalogue(tmp_path)
