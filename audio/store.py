"""On-disk state of a build: atomic writes, content hashes and the synthesised-cue cache."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

from typing import TYPE_CHECKING

from audio.engines import EngineInfo

if TYPE_CHECKING:
    import numpy as np

CACHE_DIR = ".cache"
FILE_MODE = 0o644
CUE_FORMAT = "cue-v1"


def digest(value: Any) -> str:
    """sha256 of a JSON-able value in canonical form."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tmp_dir(out: Path) -> Path:
    return out / CACHE_DIR / "tmp"


def stage_dir(out: Path) -> Path:
    """Finished files wait here (unserved) until the whole build succeeds."""
    return out / CACHE_DIR / "stage"


def clean_tmp(out: Path) -> None:
    """Remove temp and staged files a killed build left behind (never in the served folder itself)."""
    for folder in (tmp_dir(out), stage_dir(out)):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink(missing_ok=True)


@contextmanager
def temp_file(out: Path, label: str) -> Iterator[Path]:
    """A temp path on the same disk as the output; removed unless it was renamed into place."""
    fd, name = tempfile.mkstemp(prefix=label + ".", suffix=".part", dir=tmp_dir(out))
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def publish(tmp: Path, path: Path, durable: bool = True) -> None:
    """Flush a finished temp file to disk and rename it over its final name in one step."""
    if durable:
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, path)


def atomic_write(path: Path, write: Callable[[Path], None], out: Path, durable: bool = True) -> None:
    """write() fills a temp file; only a complete file is renamed into place."""
    with temp_file(out, path.name) as tmp:
        write(tmp)
        publish(tmp, path, durable)


def atomic_write_text(path: Path, text: str, out: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), out)


@functools.lru_cache(maxsize=4096)
def cue_key(text: str, info: EngineInfo, count: bool = False) -> str:
    """Every input that changes a cue's audio: text, engine, voice, speed, locale, engine version."""
    from audio.engines import COUNT_SPEED

    extra = {"count_speed": COUNT_SPEED} if count else {}
    return digest({"format": CUE_FORMAT, "text": text, "engine": asdict(info), **extra})


class CueCache:
    """Synthesised cues as float32 .npy files keyed by cue_key."""

    def __init__(self, out: Path):
        self.out = out
        self.root = out / CACHE_DIR / "cues"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> np.ndarray:
        import numpy as np

        return np.load(self.path(key), allow_pickle=False)

    def store(self, key: str, pcm: np.ndarray) -> None:
        import numpy as np

        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.save(f, pcm.astype(np.float32), allow_pickle=False)

        atomic_write(target, write, self.out, durable=False)  # a cache: a lost entry is synthesised again
