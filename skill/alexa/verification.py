"""Alexa request verification: cert URL, signing certificate, Signature-256, timestamp, skill id."""
from __future__ import annotations

import base64
import binascii
import http.client
import json
import logging
import re
import socket
import ssl
import threading
import time
import warnings
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as ChainVerificationError

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_ROOT = "echo.api"
ECHO_API_DOMAIN = "echo-api.amazon.com"
MAX_CERT_CHAIN_BYTES = 64 * 1024
MAX_CERT_URL_CHARS = 512
_FETCH_LOCK_STRIPES = 16

# RFC 3986 pchar without pct-encoded: a path may hold only these, so what we check is what S3 serves.
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")
_PERCENT_HEX = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

Fetch = Callable[[str, float], bytes]
Clock = Callable[[], datetime]


class VerificationError(Exception):
    """A request failed one of Amazon's checks; `reason` is short and safe to return or log.

    `detail` is extra context for debug logs (never secrets, user ids or request bodies).
    """

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class VerifierConfig:
    """Verification knobs; the defaults follow Amazon's hosting requirements.

    Skill events (AlexaSkillEvent.*) may be delivered up to an hour late, so past timestamps of
    those get max_skill_event_skew_s, as Amazon's own SDKs do; future ones still get max_clock_skew_s.
    skill_id=None skips the application-id check (settings refuses that while verification is on;
    it exists for local tools and benchmarks). Downloaded chains are cached for at most
    cache_ttl_s and never past the earliest not_valid_after in the verified chain.
    """

    skill_id: str | None
    max_clock_skew_s: int = 150
    max_skill_event_skew_s: int = 3600
    download_timeout_s: float = 3.0
    cache_size: int = 32
    cache_ttl_s: int = 3600
    max_cert_chain_bytes: int = MAX_CERT_CHAIN_BYTES
    failure_ttl_s: float = 60.0
    failure_cache_size: int = 1024
    max_concurrent_downloads: int = 4
    download_queue_wait_s: float = 0.5

    def __post_init__(self) -> None:
        if self.max_clock_skew_s < 0 or self.max_skill_event_skew_s < 0:
            raise ValueError("max_clock_skew_s and max_skill_event_skew_s must be >= 0")
        if self.download_timeout_s <= 0:
            raise ValueError("download_timeout_s must be > 0")
        if self.cache_size < 0:
            raise ValueError("cache_size must be >= 0 (0 disables caching)")
        if self.cache_ttl_s <= 0:
            raise ValueError("cache_ttl_s must be > 0")
        if self.max_cert_chain_bytes <= 0:
            raise ValueError("max_cert_chain_bytes must be > 0")
        if self.failure_ttl_s < 0 or self.failure_cache_size < 0:
            raise ValueError("failure_ttl_s and failure_cache_size must be >= 0")
        if self.max_concurrent_downloads < 1 or self.download_queue_wait_s < 0:
            raise ValueError("max_concurrent_downloads must be >= 1 and download_queue_wait_s >= 0")


def canonical_cert_chain_url(url: str) -> str:
    """Check a SignatureCertChainUrl and return the normalised URL that is safe to download.

    Percent-encoded unreserved characters are decoded and dot segments removed first, the way
    requests/urllib3 would before sending, so `%2e%2e` cannot climb out of /echo.api/.
    Query and fragment are dropped: only the validated path is ever fetched.
    """
    if len(url) > MAX_CERT_URL_CHARS:
        raise VerificationError("cert_url_too_long")
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise VerificationError("cert_url_invalid") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("cert_url_scheme")
    if "@" in parts.netloc or (parts.hostname or "").lower() != CERT_URL_HOST:
        raise VerificationError("cert_url_host")
    try:
        port = parts.port
    except ValueError:
        raise VerificationError("cert_url_port") from None
    if port is not None and port != 443:
        raise VerificationError("cert_url_port")
    segments = _normalised_path_segments(parts.path)
    if len(segments) < 2 or segments[0] != CERT_URL_PATH_ROOT or not segments[-1]:
        raise VerificationError("cert_url_path")
    return f"https://{CERT_URL_HOST}/" + "/".join(segments)


def validate_cert_chain_url(url: str) -> None:
    """Raise VerificationError unless `url` is an allowed Amazon cert-chain location."""
    canonical_cert_chain_url(url)


def _normalised_path_segments(path: str) -> list[str]:
    decoded = _PERCENT_HEX.sub(
        lambda m: chr(int(m.group(1), 16)) if chr(int(m.group(1), 16)) in _UNRESERVED else m.group(0),
        path,
    )
    if not decoded.startswith("/") or not _SAFE_PATH.match(decoded):
        raise VerificationError("cert_url_path")
    out: list[str] = []
    for segment in decoded.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return out


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def fetch_cert_chain(url: str, timeout_s: float, max_bytes: int = MAX_CERT_CHAIN_BYTES) -> bytes:
    """Download a PEM chain within one total deadline (connect, headers and body), no redirects, size-capped.

    Socket timeouts are per operation, so a server dripping a declared Content-Length one byte at a
    time would never trip them; a watchdog shuts the socket down when the deadline passes.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port or 443, timeout=timeout_s, context=_tls_context())
    elif parts.scheme == "http":  # local test servers; the verifier only ever passes https URLs
        connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
    else:
        raise OSError(f"unsupported scheme {parts.scheme!r}")
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(timeout_s, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("GET", path, headers={"Accept": "*/*", "Connection": "close"})
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"http status {response.status}")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = response.read1(8192)
            if expired.is_set():
                raise TimeoutError("certificate chain download exceeded its deadline")
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise OSError("certificate chain too large")
            chunks.append(chunk)
        return b"".join(chunks)
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError("certificate chain download exceeded its deadline") from None
        raise
    finally:
        watchdog.cancel()
        connection.close()


@lru_cache(maxsize=1)
def _certifi_store() -> Store:
    """The default trust store, parsed once per process (the bundle holds ~100 roots)."""
    with open(certifi.where(), "rb") as handle:
        pem = handle.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few legacy roots carry non-positive serials
        roots = x509.load_pem_x509_certificates(pem)
    return Store(roots)


@dataclass(frozen=True)
class _CachedChain:
    leaf: x509.Certificate
    public_key: rsa.RSAPublicKey
    expires_at: datetime


class _ChainCache:
    """Thread-safe LRU of verified chains, keyed by canonical URL, with per-entry expiry."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, _CachedChain] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, now: datetime) -> _CachedChain | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if now > entry.expires_at:  # inclusive, like the certificate's own validity
                del self._entries[url]
                return None
            self._entries.move_to_end(url)
            return entry

    def put(self, url: str, entry: _CachedChain) -> None:
        if self._max_entries == 0:
            return
        with self._lock:
            self._entries[url] = entry
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, url: object) -> bool:
        with self._lock:
            return url in self._entries


class _FailureCache:
    """URLs whose chain recently failed, so a flood of junk requests cannot make us download again."""

    def __init__(self, max_entries: int, ttl_s: float, monotonic: Callable[[], float]) -> None:
        self._max_entries = max_entries
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def reason(self, url: str) -> str | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if self._monotonic() >= entry[0]:
                del self._entries[url]
                return None
            return entry[1]

    def put(self, url: str, reason: str) -> None:
        if self._max_entries == 0 or self._ttl_s == 0:
            return
        with self._lock:
            self._entries[url] = (self._monotonic() + self._ttl_s, reason)
            self._entries.move_to_end(url)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


class RequestVerifier:
    """Applies every check Amazon requires of a self-hosted skill endpoint to one request.

    Cheap checks (URL, header shape, timestamp, skill id) run before any download so junk
    requests cannot make us fetch from S3; the signature is checked last, over the raw body.
    """

    def __init__(
        self,
        config: VerifierConfig,
        *,
        trust_roots: list[x509.Certificate] | None = None,
        fetch: Fetch | None = None,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._store = _certifi_store() if trust_roots is None else Store(list(trust_roots))
        self._fetch = fetch or fetch_cert_chain
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._cache = _ChainCache(config.cache_size)
        self._fetch_locks = [threading.Lock() for _ in range(_FETCH_LOCK_STRIPES)]
        self._failures = _FailureCache(config.failure_cache_size, config.failure_ttl_s, monotonic)
        self._downloads = threading.BoundedSemaphore(config.max_concurrent_downloads)
        if config.skill_id is None:
            log.warning("Alexa skill id not configured: application id check is disabled")

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: Mapping[str, Any] | None) -> None:
        """Raise VerificationError unless the request provably comes from Alexa for this skill.

        `envelope` is the parsed JSON body; pass None to have it parsed from `body` here.
        """
        now = self._now()
        cert_url = _header(headers, CERT_URL_HEADER)
        if not cert_url:
            raise VerificationError("cert_url_missing")
        cert_url = canonical_cert_chain_url(cert_url)
        signature = _decode_signature(_header(headers, SIGNATURE_HEADER))
        envelope = _envelope(body, envelope)
        self._check_timestamp(envelope, now)
        self._check_application_id(envelope)
        public_key = self._signing_key(cert_url, now)
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise VerificationError("signature_invalid") from None

    def cached_urls(self) -> int:
        """How many cert chains are cached (for tests and health output)."""
        return len(self._cache)

    def _now(self) -> datetime:
        now = self._clock()
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)

    def _check_timestamp(self, envelope: Mapping[str, Any], now: datetime) -> None:
        request = envelope.get("request")
        raw = request.get("timestamp") if isinstance(request, Mapping) else None
        if not isinstance(raw, str) or not raw.strip():
            raise VerificationError("timestamp_invalid")
        try:
            sent = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise VerificationError("timestamp_invalid") from None
        if sent.tzinfo is None:
            sent = sent.replace(tzinfo=timezone.utc)
        skew = (now - sent).total_seconds()
        limit = self.config.max_clock_skew_s
        if skew > 0 and str(request.get("type", "")).startswith("AlexaSkillEvent."):
            limit = max(limit, self.config.max_skill_event_skew_s)
        if abs(skew) > limit:
            raise VerificationError("timestamp_stale", detail=f"skew {skew:.0f}s")

    def _check_application_id(self, envelope: Mapping[str, Any]) -> None:
        if self.config.skill_id is None:
            return
        app_id = _dig(envelope, "context", "System", "application", "applicationId")
        if app_id is None:
            app_id = _dig(envelope, "session", "application", "applicationId")
        if app_id != self.config.skill_id:
            raise VerificationError("application_id_mismatch")

    def _signing_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        entry = self._cache.get(url, now)
        if entry is None:
            failed = self._failures.reason(url)
            if failed is not None:
                raise VerificationError(failed, detail="failed recently; not downloading again yet")
            lock = self._fetch_locks[zlib.crc32(url.encode()) % _FETCH_LOCK_STRIPES]
            with lock:
                entry = self._cache.get(url, now)  # another thread may have filled it meanwhile
                if entry is None:
                    failed = self._failures.reason(url)
                    if failed is not None:
                        raise VerificationError(failed, detail="failed recently; not downloading again yet")
                    try:
                        entry = self._load_chain(url, now)
                    except VerificationError as error:
                        if error.reason != "cert_downloads_busy":
                            self._failures.put(url, error.reason)
                        raise
                    self._cache.put(url, entry)
        _check_validity(entry.leaf, now)
        return entry.public_key

    def _load_chain(self, url: str, now: datetime) -> _CachedChain:
        pem = self._download(url)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                certs = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationError("cert_parse_failed") from None
        leaf, intermediates = certs[0], certs[1:]
        _check_validity(leaf, now)
        _check_san(leaf)
        try:
            public_key = leaf.public_key()
        except (ValueError, UnsupportedAlgorithm):
            raise VerificationError("cert_key_unsupported") from None
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("cert_key_unsupported")
        verifier = PolicyBuilder().store(self._store).time(now).build_server_verifier(
            x509.DNSName(ECHO_API_DOMAIN)
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except (ChainVerificationError, ValueError) as exc:
            raise VerificationError("cert_chain_untrusted", detail=str(exc)[:200]) from None
        expires_at = min(
            [now + timedelta(seconds=self.config.cache_ttl_s)] + [c.not_valid_after_utc for c in chain]
        )
        log.info("Alexa cert chain fetched and verified: %s (cached until %s)", url, expires_at.isoformat())
        return _CachedChain(leaf=leaf, public_key=public_key, expires_at=expires_at)

    def _download(self, url: str) -> bytes:
        if not self._downloads.acquire(timeout=self.config.download_queue_wait_s):
            log.warning("Alexa cert chain download refused: %d downloads already running",
                        self.config.max_concurrent_downloads)
            raise VerificationError("cert_downloads_busy")
        try:
            data = self._fetch(url, self.config.download_timeout_s)
        except VerificationError:
            raise
        except Exception as exc:  # any transport failure means the same thing to Alexa: 400
            log.warning("Alexa cert chain download failed: %s (%s)", url, type(exc).__name__)
            raise VerificationError("cert_download_failed", detail=type(exc).__name__) from None
        finally:
            self._downloads.release()
        if not isinstance(data, bytes) or not data:
            raise VerificationError("cert_download_failed", detail="empty response")
        if len(data) > self.config.max_cert_chain_bytes:
            raise VerificationError("cert_download_failed", detail="response too large")
        return data


def _check_validity(cert: x509.Certificate, now: datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise VerificationError("cert_not_yet_valid")
    if now > cert.not_valid_after_utc:
        raise VerificationError("cert_expired")


def _check_san(cert: x509.Certificate) -> None:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        raise VerificationError("cert_san") from None
    names = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
    if ECHO_API_DOMAIN not in names:
        raise VerificationError("cert_san")


def _decode_signature(raw: str | None) -> bytes:
    if raw is None or not raw.strip():
        raise VerificationError("signature_missing")
    try:
        signature = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("signature_malformed") from None
    if not signature:
        raise VerificationError("signature_malformed")
    return signature


def _envelope(body: bytes, envelope: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if envelope is None:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise VerificationError("body_not_json") from None
    if not isinstance(envelope, Mapping):
        raise VerificationError("body_not_json")
    return envelope


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup that works for Werkzeug headers and plain dicts alike."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return candidate
    return None


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data
