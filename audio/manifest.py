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
BUILT_FILE = re.compile(r"^[a-z0-9-]+\.[0-9a-f]{12}(?:\.seg\d+)?\.(?:mp3|vtt|txt|phases\.json)$")


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
    extra = [entry["phases"]] if "phases" in entry else []
    return [entry["file"], entry["captions"], entry["transcript"], *extra, *(s["file"] for s in entry.get("segments", []))]


HASHES = Path(".cache") / "hashes.json"


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _hash(out: Path, name: str, known: dict[str, Any]) -> str | None:
    """A file's sha256, re-read only when its size, mtime or inode changed since it was recorded."""
    stat = _stat(out / name)
    if stat is None:
        return None
    recorded = known.get(name)
    if isinstance(recorded, list) and len(recorded) == 2 and recorded[0] == stat:
        return recorded[1]
    return file_sha256(out / name)


def known_hashes(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / HASHES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_hashes(out: Path, current: dict[str, Any]) -> None:
    """Remember (size, mtime, inode) -> sha256 of the served audio, so a no-op rebuild need not re-read it."""
    rows = {}
    for entry in current.get("exercises", {}).values():
        for name, sha in [(entry["file"], entry["sha256"]), *((s["file"], s["sha256"]) for s in entry.get("segments", []))]:
            stat = _stat(out / name)
            if stat is not None:
                rows[name] = [stat, sha]
    atomic_write_text(out / HASHES, json.dumps(rows), out)


def intact(out: Path, entry: dict[str, Any] | None, build_key: str, known: dict[str, Any] | None = None) -> bool:
    """A previous entry can be served again: same inputs, every file present, audio hash unchanged."""
    if not entry or entry.get("build_key") != build_key:
        return False
    if not all((out / name).is_file() for name in files_of(entry)):
        return False
    known = known_hashes(out) if known is None else known
    return _hash(out, entry["file"], known) == entry["sha256"] and all(
        _hash(out, s["file"], known) == s["sha256"] for s in entry.get("segments", [])
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
