"""Writes the EXERCISE slot type into the interaction models from the exercise scripts (their one source)."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from audio.catalogue import load_catalogue

MODELS_DIR = Path(__file__).resolve().parent.parent / "interaction_models"
SLOT_TYPE = "EXERCISE"


def spoken(text: str) -> str:
    """A slot value Alexa accepts: lowercase letters, spaces and apostrophes."""
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def exercise_slot_type(folder: Path | None = None) -> dict[str, Any]:
    values = []
    for exercise in sorted(load_catalogue(folder), key=lambda e: e.id):
        name = spoken(exercise.title)
        said = (exercise.spoken_title, *exercise.synonyms) if exercise.spoken_title else exercise.synonyms
        synonyms = [s for s in dict.fromkeys(spoken(s) for s in said) if s != name]
        values.append({"id": exercise.id, "name": {"value": name, "synonyms": synonyms}})
    return {"name": SLOT_TYPE, "values": values}


def sync_model(path: Path, folder: Path | None = None) -> bool:
    """Replace the slot type in one model file; True when the file changed."""
    model = json.loads(path.read_text(encoding="utf-8"))
    types = model["interactionModel"]["languageModel"].setdefault("types", [])
    fresh = exercise_slot_type(folder)
    others = [t for t in types if t["name"] != SLOT_TYPE]
    updated = sorted([*others, fresh], key=lambda t: t["name"])
    if updated == types:
        return False
    model["interactionModel"]["languageModel"]["types"] = updated
    path.write_text(json.dumps(model, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audio.slot_type", description=__doc__)
    parser.add_argument("--models", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    for path in sorted(args.models.glob("*-*.json")):
        print(f"{path.name}: {'updated' if sync_model(path) else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
