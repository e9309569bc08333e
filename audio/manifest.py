"""manifest.json: the one file the skill reads to find, describe and speak the built exercises."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from audio.contract import MANIFEST, SCHEMA, SSML_AUDIO_LIMIT_MS, delivery
from audio.engines import EngineInfo
from audio.store import atomic_write_text, file_sha256

log = logging.getLogger(__name__)

__all__ = ["MANIFEST", "SCHEMA", "SSML_AUDIO_LIMIT_MS", "delivery", "read", "intact", "write", "collect_garbage"]
BUILT_FILE = re.compile(r"^[a-z0-9-]+\.[0-9a-f]{12}(?:\.seg\d+)?\.(?:mp3|vtt|txt)$")


def read(out: Path) -> dict[str, Any]:
    """The previous manifest, or an empty one when there is none or it cannot be read."""
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s (%s); everything will be rebuilt", path, exc)
        return {}
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else {}


def files_of(entry: dict[str, Any]) -> list[str]:
    return [entry["file"], entry["captions"], entry["transcript"], *(s["file"] for s in entry.get("segments", []))]


def intact(out: Path, entry: dict[str, Any] | None, build_key: str) -> bool:
    """A previous entry can be served again: same inputs, every file present, audio hash unchanged."""
    if not entry or entry.get("build_key") != build_key:
        return False
    if not all((out / name).is_file() for name in files_of(entry)):
        return False
    return file_sha256(out / entry["file"]) == entry["sha256"] and all(
        file_sha256(out / s["file"]) == s["sha256"] for s in entry.get("segments", [])
    )


def write(out: Path, info: EngineInfo, exercises: dict[str, dict[str, Any]]) -> dict[str, Any]:
    manifest = {
        "schema": SCHEMA,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "locale": info.locale,
        "engine": asdict(info),
        "exercises": dict(sorted(exercises.items())),
    }
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", out)
    return manifest


def collect_garbage(out: Path, *manifests: dict[str, Any]) -> int:
    """Delete built files no manifest refers to (the previous one's stay, for plays in flight)."""
    keep = {name for m in manifests for entry in m.get("exercises", {}).values() for name in files_of(entry)}
    removed = 0
    for path in out.iterdir():
        if path.is_file() and BUILT_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
