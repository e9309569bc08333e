"""Settings read once from RECHARGE_* environment variables and validated at start-up."""
from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_DATA_DIR = "var"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_DOTTED_NUMBERS = re.compile(r"^[0-9.]+$")
SKILL_ID_PATTERN = re.compile(r"^amzn1\.ask\.skill\.[0-9a-fA-F-]{36}$")
TRUE_WORDS = {"1", "true", "yes", "on"}
# Hosts a development server can be reached on at 127.0.0.1 from the same machine.
LOCAL_BIND_HOSTS = frozenset({"127.0.0.1", "localhost", "0.0.0.0", "::", "::1"})
FALSE_WORDS = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    """A setting has a value the server cannot start with; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    skill_id: str | None = None
    verify_signatures: bool = True
    host: str = "127.0.0.1"
    port: int = 5000
    audio_base_url: str | None = None
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str | None = None
    max_body_bytes: int = 256 * 1024
    user_key_secret: str = ""
    log_level: str = "INFO"
    trust_proxy: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are believed (0: none)

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def local_audio_url(self) -> str | None:
        """Development only (verification off, no public address): this server's own /audio/, for the console.
        Alexa itself is only ever given RECHARGE_AUDIO_BASE_URL, which must be https."""
        if self.verify_signatures or self.audio_base_url or self.host not in LOCAL_BIND_HOSTS:
            return None
        return f"http://127.0.0.1:{self.port}/audio"

    @property
    def database_path(self) -> Path:
        """The SQLite file: RECHARGE_DATABASE_URL (sqlite:///path) or data_dir/recharge.sqlite3."""
        if self.database_url and self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "recharge.sqlite3"

    @property
    def database_display(self) -> str:
        """The database setting as it may be logged: a PostgreSQL password is never shown."""
        return redact_url(self.database_url) if self.database_url else f"sqlite:///{self.database_path}"


def data_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder both the server and the audio build use."""
    env = os.environ if environ is None else environ
    return Path(env.get("RECHARGE_DATA_DIR") or DEFAULT_DATA_DIR)


def _parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be one of true/false, yes/no, on/off, 1/0; got {raw!r}")


def _parse_port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"RECHARGE_PORT must be a whole number; got {raw!r}") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"RECHARGE_PORT must be between 1 and 65535; got {port}")
    return port


def _parse_host(raw: str) -> str:
    host = raw.strip() or "127.0.0.1"
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    if _DOTTED_NUMBERS.match(host) or not _HOSTNAME.match(host):
        raise SettingsError(
            f"RECHARGE_HOST must be an IP address (such as 127.0.0.1 or 0.0.0.0) or a host name; got {raw!r}"
        )
    return host


def data_dir_problem(data_dir: Path) -> str | None:
    """Why the server could not keep its database and audio in data_dir, or None when it can."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        return (f"RECHARGE_DATA_DIR {str(data_dir)!r} is not a folder the server can write "
                f"({error.strerror or type(error).__name__}); history and audio need it")
    return None


def warn_about(settings: "Settings") -> list[str]:
    """Settings that work but deserve a start-up warning."""
    warnings: list[str] = []
    if not settings.user_key_secret.strip():
        warnings.append("RECHARGE_USER_KEY_SECRET is empty: stored user keys are plain hashes of Alexa "
                        "user ids; set a long random secret in production")
    return warnings


MAX_PROXIES = 5


def _parse_trust_proxy(raw: str) -> int:
    """0/false (default): the peer address is the client; true is one proxy; a number is that many hops."""
    word = raw.strip().lower() or "0"
    if word in TRUE_WORDS - {"1"}:
        return 1
    if word in FALSE_WORDS - {"0"}:
        return 0
    if word.isdigit() and int(word) <= MAX_PROXIES:
        return int(word)
    raise SettingsError(f"RECHARGE_TRUST_PROXY must be false, true, or the number of proxies in front "
                        f"(0 to {MAX_PROXIES}); got {raw!r}")


def _parse_audio_base_url(raw: str) -> str | None:
    url = raw.strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise SettingsError(
            "RECHARGE_AUDIO_BASE_URL must be a public https:// address (Alexa plays only HTTPS "
            f"audio); got {raw!r}"
        )
    return url


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs; works on malformed URLs too."""
    masked = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*:)[^?#]*@", r"\1***@", url)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", masked)


def _parse_database_url(raw: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    if url.startswith("sqlite:///") and url != "sqlite:///":
        return url
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme in {"postgresql", "postgres"}:
        try:
            urlsplit(url).port
        except ValueError:
            raise SettingsError(
                f"RECHARGE_DATABASE_URL has a bad port; got {redact_url(url)!r}"
            ) from None
        return url
    raise SettingsError(
        "RECHARGE_DATABASE_URL must look like sqlite:///path/to/file.sqlite3 or "
        f"postgresql://user:password@host:5432/dbname; got {redact_url(url)!r}"
    )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment, raising SettingsError naming the first bad variable."""
    env = os.environ if environ is None else environ
    skill_id = env.get("RECHARGE_SKILL_ID", "").strip() or None
    if skill_id and not SKILL_ID_PATTERN.match(skill_id):
        raise SettingsError(
            f"RECHARGE_SKILL_ID must look like amzn1.ask.skill.<uuid>; got {skill_id!r}"
        )
    verify = _parse_bool("RECHARGE_VERIFY_SIGNATURES", env.get("RECHARGE_VERIFY_SIGNATURES", "true"))
    if verify and not skill_id:
        raise SettingsError(
            "RECHARGE_SKILL_ID is required while RECHARGE_VERIFY_SIGNATURES is on; set it to "
            "your skill's id, or set RECHARGE_VERIFY_SIGNATURES=false for local development"
        )
    host = _parse_host(env.get("RECHARGE_HOST", "127.0.0.1"))
    port = _parse_port(env.get("RECHARGE_PORT", "5000"))
    log_level = env.get("RECHARGE_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"RECHARGE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR; got {log_level!r}")
    return Settings(
        skill_id=skill_id,
        verify_signatures=verify,
        host=host,
        port=port,
        audio_base_url=_parse_audio_base_url(env.get("RECHARGE_AUDIO_BASE_URL", "")),
        data_dir=data_dir_from_env(env),
        database_url=_parse_database_url(env.get("RECHARGE_DATABASE_URL", "")),
        user_key_secret=env.get("RECHARGE_USER_KEY_SECRET", ""),
        log_level=log_level,
        trust_proxy=_parse_trust_proxy(env.get("RECHARGE_TRUST_PROXY", "")),
    )
