"""What keeps the talk route safe to expose: a per-browser id, CSRF tokens, a signed state cookie, a rate limit."""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from skill.storage import user_key

log = logging.getLogger(__name__)
ID_COOKIE = "rr_id"
STATE_COOKIE = "rr_talk"
ID_MAX_AGE_S = 365 * 24 * 3600
KEY_FILE = "web-secret.key"
ID_BYTES = 24
USER_PREFIX = "web:"


def load_secret(data_dir: Path) -> bytes:
    """A secret shared by every worker: created once in the data folder (mode 0600), random if that fails."""
    path = data_dir / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    secret = secrets.token_bytes(32)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secret.hex())
        try:
            os.link(temp, path)  # first writer wins; others read what it wrote
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as error:
        log.warning("could not keep the web secret in the data folder (%s); talk forms reset on restart",
                    type(error).__name__)
        return secret


@dataclass(frozen=True)
class Guard:
    secret: bytes
    user_key_secret: str = ""

    @staticmethod
    def new_browser_id() -> str:
        return secrets.token_urlsafe(ID_BYTES)

    @staticmethod
    def valid_browser_id(value: str | None) -> bool:
        return bool(value) and 20 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)

    def store_key(self, browser_id: str) -> str:
        """The only form of the browser id that reaches the database: a keyed hash, like Alexa user ids."""
        return user_key(USER_PREFIX + browser_id, self.user_key_secret)

    def csrf_token(self, browser_id: str) -> str:
        return hmac.new(self.secret, b"csrf:" + browser_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, browser_id: str | None, token: str | None) -> bool:
        if not browser_id or not token:
            return False
        return hmac.compare_digest(self.csrf_token(browser_id), token)

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt="talk-state")

    def seal(self, data: dict[str, Any]) -> str:
        return self._serializer().dumps(data)

    def unseal(self, value: str | None) -> Any:
        if not value:
            return None
        try:
            return self._serializer().loads(value)
        except BadSignature:
            return None


class RateLimiter:
    """A token bucket per client address: `burst` requests at once, refilled at `per_minute`."""

    def __init__(self, per_minute: int = 30, burst: int = 10, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return allowed
