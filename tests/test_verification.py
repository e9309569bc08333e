"""Alexa request verification: every Amazon rule, its failure reason, and the chain cache."""
from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from skill.alexa import verification
from skill.alexa.verification import (
    RequestVerifier,
    VerificationError,
    VerifierConfig,
    canonical_cert_chain_url,
    fetch_cert_chain,
    validate_cert_chain_url,
)
from tests.certs_factory import (
    DEFAULT_CERT_URL,
    TEST_SKILL_ID,
    FakeFetch,
    chain_pem,
    default_pki,
    encode_envelope,
    make_ca,
    make_envelope,
    make_leaf,
    rsa_key,
    sign_body,
    signed_request,
)

NOW = datetime.now(timezone.utc).replace(microsecond=0)


class Clock:
    """A settable clock so cache expiry and timestamp windows are tested without sleeping."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Case:
    headers: dict[str, str]
    body: bytes
    envelope: dict[str, Any]
    fetch: FakeFetch


def make_case(
    *,
    at: datetime = NOW,
    cert_url: str = DEFAULT_CERT_URL,
    fetch: FakeFetch | None = None,
    **envelope_kw: Any,
) -> Case:
    envelope = make_envelope(timestamp=envelope_kw.pop("timestamp", at), **envelope_kw)
    body = encode_envelope(envelope)
    signed = signed_request(body, cert_url=cert_url, fetch=fetch)
    return Case(signed.headers, body, envelope, signed.fetch)


def make_verifier(
    fetch: FakeFetch, clock: Clock | None = None, *, skill_id: str | None = TEST_SKILL_ID, **config: Any
) -> RequestVerifier:
    return RequestVerifier(
        VerifierConfig(skill_id=skill_id, **config),
        trust_roots=[default_pki().root],
        fetch=fetch,
        clock=clock or Clock(),
    )


def reason_of(verifier: RequestVerifier, case: Case, envelope: Any = "same") -> str:
    with pytest.raises(VerificationError) as info:
        verifier.verify(case.headers, case.body, case.envelope if envelope == "same" else envelope)
    return info.value.reason


def test_valid_request_passes() -> None:
    case = make_case()
    make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)
    assert case.fetch.calls == [DEFAULT_CERT_URL]


def test_envelope_none_is_parsed_from_body() -> None:
    case = make_case()
    make_verifier(case.fetch).verify(case.headers, case.body, None)


@pytest.mark.parametrize("transform", [str.lower, str.upper], ids=["lower", "upper"])
def test_header_names_are_case_insensitive_for_plain_dicts(transform: Any) -> None:
    case = make_case()
    headers = {transform(k): v for k, v in case.headers.items()}
    make_verifier(case.fetch).verify(headers, case.body, case.envelope)


# --- SignatureCertChainUrl -------------------------------------------------------------------

GOOD_URLS = {
    "plain": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "port-443": "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "dotdot-back-in": "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    "dot-segment": "https://s3.amazonaws.com/echo.api/./echo-api-cert.pem",
    "upper-scheme": "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "upper-host": "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
    "mixed-all": "Https://S3.AmazonAWS.com:443/echo.api/echo-api-cert.pem",
    "encoded-unreserved": "https://s3.amazonaws.com/%65cho.api/echo-api-cert.pem",
}


@pytest.mark.parametrize("url", GOOD_URLS.values(), ids=GOOD_URLS.keys())
def test_good_cert_urls_pass(url: str) -> None:
    validate_cert_chain_url(url)
    assert canonical_cert_chain_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


BAD_URLS = [
    ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "cert_url_scheme", "http"),
    ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "cert_url_scheme", "ftp"),
    ("s3.amazonaws.com/echo.api/echo-api-cert.pem", "cert_url_scheme", "no-scheme"),
    ("", "cert_url_scheme", "empty"),
    ("https://notamazon.com/echo.api/echo-api-cert.pem", "cert_url_host", "other-host"),
    ("https://s3.amazonaws.com.evil.com/echo.api/echo-api-cert.pem", "cert_url_host", "suffix-host"),
    ("https://evil.s3.amazonaws.com/echo.api/echo-api-cert.pem", "cert_url_host", "subdomain"),
    ("https://s3.amazonaws.com@evil.com/echo.api/echo-api-cert.pem", "cert_url_host", "userinfo-trick"),
    ("https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem", "cert_url_host", "userinfo"),
    ("https://s3.amazonaws.com./echo.api/echo-api-cert.pem", "cert_url_host", "trailing-dot"),
    ("https:///echo.api/echo-api-cert.pem", "cert_url_host", "no-host"),
    ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "cert_url_port", "port-563"),
    ("https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem", "cert_url_port", "port-80"),
    ("https://s3.amazonaws.com:abc/echo.api/echo-api-cert.pem", "cert_url_port", "port-garbage"),
    ("https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem", "cert_url_port", "port-range"),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "cert_url_path", "path-case"),
    ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "cert_url_path", "invalid-path"),
    ("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem", "cert_url_path", "dotdot-out"),
    ("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/c.pem", "cert_url_path", "encoded-dotdot"),
    ("https://s3.amazonaws.com/echo.api/..%2finvalid.path/c.pem", "cert_url_path", "encoded-slash"),
    ("https://s3.amazonaws.com/echo.api\\..\\invalid.path/c.pem", "cert_url_path", "backslash"),
    ("https://s3.amazonaws.com/echo.api.evil/echo-api-cert.pem", "cert_url_path", "prefix-lookalike"),
    ("https://s3.amazonaws.com/echo.api", "cert_url_path", "no-file"),
    ("https://s3.amazonaws.com/echo.api/", "cert_url_path", "dir-only"),
    ("https://s3.amazonaws.com/echo.api/sub/..", "cert_url_path", "ends-in-dotdot"),
    ("https://s3.amazonaws.com", "cert_url_path", "no-path"),
    ("https://s3.amazonaws.com/echo.api/a b.pem", "cert_url_path", "space"),
]


@pytest.mark.parametrize(("url", "reason"), [c[:2] for c in BAD_URLS], ids=[c[2] for c in BAD_URLS])
def test_bad_cert_urls_fail(url: str, reason: str) -> None:
    with pytest.raises(VerificationError) as info:
        validate_cert_chain_url(url)
    assert info.value.reason == reason


def test_bad_cert_url_is_rejected_before_any_download() -> None:
    case = make_case()
    case.headers["SignatureCertChainUrl"] = "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem"
    assert reason_of(make_verifier(case.fetch), case) == "cert_url_path"
    assert case.fetch.calls == []


def test_missing_cert_url_header() -> None:
    case = make_case()
    del case.headers["SignatureCertChainUrl"]
    assert reason_of(make_verifier(case.fetch), case) == "cert_url_missing"


def test_download_uses_canonical_url_and_query_is_dropped() -> None:
    url = "https://S3.amazonaws.com:443/echo.api/x/../echo-api-cert-test.pem?versionId=1#frag"
    case = make_case()
    case.headers["SignatureCertChainUrl"] = url
    make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)
    assert case.fetch.calls == [DEFAULT_CERT_URL]


# --- Signature-256 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "signature_missing"),
        ("", "signature_missing"),
        ("   ", "signature_missing"),
        ("not base64 !!", "signature_malformed"),
        ("abc", "signature_malformed"),
        ("=", "signature_malformed"),
        ("AAAA", "signature_invalid"),
    ],
    ids=["missing", "empty", "blank", "not-base64", "bad-padding", "only-padding", "too-short"],
)
def test_bad_signature_header(value: str | None, reason: str) -> None:
    case = make_case()
    if value is None:
        del case.headers["Signature-256"]
    else:
        case.headers["Signature-256"] = value
    assert reason_of(make_verifier(case.fetch), case) == reason


def test_signature_from_another_key_fails() -> None:
    case = make_case()
    case.headers["Signature-256"] = sign_body(case.body, rsa_key("rogue"))
    assert reason_of(make_verifier(case.fetch), case) == "signature_invalid"


def test_tampered_body_fails() -> None:
    case = make_case()
    tampered = case.body.replace(b"LaunchRequest", b"LaunchRequesT")
    assert tampered != case.body
    with pytest.raises(VerificationError) as info:
        make_verifier(case.fetch).verify(case.headers, tampered, case.envelope)
    assert info.value.reason == "signature_invalid"


def test_reserialised_body_fails() -> None:
    """The signature covers the raw bytes, so re-encoding the same JSON must not verify."""
    case = make_case()
    pretty = encode_envelope(case.envelope).replace(b",", b", ")
    with pytest.raises(VerificationError) as info:
        make_verifier(case.fetch).verify(case.headers, pretty, case.envelope)
    assert info.value.reason == "signature_invalid"


def test_legacy_sha1_signature_header_alone_is_not_accepted() -> None:
    case = make_case()
    sha1 = default_pki().leaf_key.sign(case.body, padding.PKCS1v15(), hashes.SHA1())
    del case.headers["Signature-256"]
    case.headers["Signature"] = base64.b64encode(sha1).decode()
    assert reason_of(make_verifier(case.fetch), case) == "signature_missing"
    case.headers["Signature-256"] = case.headers.pop("Signature")
    assert reason_of(make_verifier(case.fetch), case) == "signature_invalid"


# --- signing certificate ---------------------------------------------------------------------


def verify_chain(pem: bytes, leaf_key: Any, *, trust_roots: list[Any] | None = None) -> None:
    case = make_case(fetch=FakeFetch(chains={DEFAULT_CERT_URL: pem}))
    case.headers["Signature-256"] = sign_body(case.body, leaf_key)
    RequestVerifier(
        VerifierConfig(skill_id=TEST_SKILL_ID),
        trust_roots=trust_roots if trust_roots is not None else [default_pki().root],
        fetch=case.fetch,
        clock=Clock(),
    ).verify(case.headers, case.body, case.envelope)


def leaf_chain(**leaf_kw: Any) -> bytes:
    pki = default_pki()
    leaf = make_leaf(pki.intermediate, pki.intermediate_key, pki.leaf_key, **leaf_kw)
    return chain_pem(leaf, pki.intermediate)


def test_leaf_with_extra_san_names_passes() -> None:
    verify_chain(leaf_chain(dns_names=("other.example.com", "ECHO-API.amazon.com")), default_pki().leaf_key)


def test_leaf_directly_under_root_passes() -> None:
    pki = default_pki()
    leaf = make_leaf(pki.root, rsa_key("root"), pki.leaf_key)
    verify_chain(chain_pem(leaf), pki.leaf_key)


@pytest.mark.parametrize(
    ("leaf_kw", "reason"),
    [
        ({"not_before": NOW - timedelta(days=30), "not_after": NOW - timedelta(seconds=1)}, "cert_expired"),
        (
            {"not_before": NOW + timedelta(seconds=60), "not_after": NOW + timedelta(days=30)},
            "cert_not_yet_valid",
        ),
        ({"dns_names": ("echo-api.amazon.com.evil.com",)}, "cert_san"),
        ({"dns_names": ("other.amazon.com",)}, "cert_san"),
        ({"dns_names": ()}, "cert_san"),
    ],
    ids=["expired", "not-yet-valid", "san-lookalike", "san-other", "no-san"],
)
def test_bad_leaf_fails(leaf_kw: dict[str, Any], reason: str) -> None:
    with pytest.raises(VerificationError) as info:
        verify_chain(leaf_chain(**leaf_kw), default_pki().leaf_key)
    assert info.value.reason == reason


def test_chain_from_untrusted_ca_fails() -> None:
    """A rogue CA with the same name as the trusted root must not be accepted."""
    rogue_key = rsa_key("rogue")
    rogue_root = make_ca("Recharge Test Root CA", rogue_key)
    rogue_int = make_ca(
        "Recharge Test Intermediate", rsa_key("intermediate"), issuer=rogue_root, issuer_key=rogue_key
    )
    leaf = make_leaf(rogue_int, rsa_key("intermediate"), default_pki().leaf_key)
    with pytest.raises(VerificationError) as info:
        verify_chain(chain_pem(leaf, rogue_int), default_pki().leaf_key)
    assert info.value.reason == "cert_chain_untrusted"


def test_self_signed_leaf_fails() -> None:
    key = default_pki().leaf_key
    issuer = make_ca("echo-api.amazon.com", key)
    leaf = make_leaf(issuer, key, key)
    with pytest.raises(VerificationError) as info:
        verify_chain(chain_pem(leaf), key)
    assert info.value.reason == "cert_chain_untrusted"


def test_missing_intermediate_fails() -> None:
    with pytest.raises(VerificationError) as info:
        verify_chain(chain_pem(default_pki().leaf), default_pki().leaf_key)
    assert info.value.reason == "cert_chain_untrusted"


def test_expired_intermediate_fails() -> None:
    pki = default_pki()
    old_int = make_ca(
        "Recharge Test Intermediate", pki.intermediate_key, issuer=pki.root, issuer_key=rsa_key("root"),
        not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=1),
    )
    leaf = make_leaf(old_int, pki.intermediate_key, pki.leaf_key)
    with pytest.raises(VerificationError) as info:
        verify_chain(chain_pem(leaf, old_int), pki.leaf_key)
    assert info.value.reason == "cert_chain_untrusted"


def test_default_trust_store_is_certifi_and_rejects_test_ca() -> None:
    case = make_case()
    verifier = RequestVerifier(VerifierConfig(skill_id=TEST_SKILL_ID), fetch=case.fetch, clock=Clock())
    assert reason_of(verifier, case) == "cert_chain_untrusted"


def test_non_rsa_leaf_key_fails() -> None:
    pki = default_pki()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    leaf = make_leaf(pki.intermediate, pki.intermediate_key, ec_key)  # type: ignore[arg-type]
    with pytest.raises(VerificationError) as info:
        verify_chain(chain_pem(leaf, pki.intermediate), pki.leaf_key)
    assert info.value.reason == "cert_key_unsupported"


@pytest.mark.parametrize(
    "pem",
    [b"not a pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
    ids=["garbage", "broken-pem"],
)
def test_unparseable_chain_fails(pem: bytes) -> None:
    with pytest.raises(VerificationError) as info:
        verify_chain(pem, default_pki().leaf_key)
    assert info.value.reason == "cert_parse_failed"


# --- download --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        requests.Timeout("read timed out"),
        requests.ConnectionError("refused"),
        OSError("404 Not Found"),
        TimeoutError(),
        RuntimeError("anything else"),
    ],
    ids=["timeout", "connection", "http-404", "deadline", "unexpected"],
)
def test_download_failure(error: BaseException) -> None:
    case = make_case()
    case.fetch.error = error
    assert reason_of(make_verifier(case.fetch), case) == "cert_download_failed"


@pytest.mark.parametrize(
    "payload", [b"", b"x" * (verification.MAX_CERT_CHAIN_BYTES + 1)], ids=["empty", "too-large"]
)
def test_download_bad_payload(payload: bytes) -> None:
    case = make_case(fetch=FakeFetch(chains={DEFAULT_CERT_URL: payload}))
    assert reason_of(make_verifier(case.fetch), case) == "cert_download_failed"


def test_unknown_url_under_echo_api_is_a_download_failure() -> None:
    case = make_case(cert_url=DEFAULT_CERT_URL, fetch=FakeFetch(chains={}))
    case.fetch.chains.clear()
    assert reason_of(make_verifier(case.fetch), case) == "cert_download_failed"


def test_fetch_receives_configured_timeout() -> None:
    seen: list[float] = []
    pem = default_pki().chain

    def fetch(url: str, timeout_s: float) -> bytes:
        seen.append(timeout_s)
        return pem

    case = make_case()
    RequestVerifier(
        VerifierConfig(skill_id=TEST_SKILL_ID, download_timeout_s=1.5),
        trust_roots=[default_pki().root], fetch=fetch, clock=Clock(),
    ).verify(case.headers, case.body, case.envelope)
    assert seen == [1.5]


# The default fetcher is exercised against real local servers in test_cert_fetch.py.


# --- timestamp -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset_s",
    [0, -150, 150, -149, 149],
    ids=["now", "150s-old-edge", "150s-ahead-edge", "149s-old", "149s-ahead"],
)
def test_timestamp_within_window_passes(offset_s: int) -> None:
    case = make_case(at=NOW + timedelta(seconds=offset_s))
    make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)


@pytest.mark.parametrize(
    "offset_s", [-151, 151, -3600, 86400], ids=["151s-old", "151s-ahead", "hour-old", "day-ahead"]
)
def test_timestamp_outside_window_fails(offset_s: int) -> None:
    case = make_case(at=NOW + timedelta(seconds=offset_s))
    assert reason_of(make_verifier(case.fetch), case) == "timestamp_stale"


@pytest.mark.parametrize(
    ("offset_s", "reason"),
    [(-3600, None), (-3601, "timestamp_stale"), (151, "timestamp_stale")],
    ids=["hour-late-ok", "over-an-hour-late", "future-still-150s"],
)
def test_skill_events_get_an_hour_of_delivery_delay(offset_s: int, reason: str | None) -> None:
    case = make_case(at=NOW + timedelta(seconds=offset_s), request_type="AlexaSkillEvent.SkillEnabled")
    if reason is None:
        make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)
    else:
        assert reason_of(make_verifier(case.fetch), case) == reason


def test_custom_skew_window() -> None:
    case = make_case(at=NOW - timedelta(seconds=60))
    assert reason_of(make_verifier(case.fetch, max_clock_skew_s=30), case) == "timestamp_stale"


@pytest.mark.parametrize(
    "stamp",
    [
        NOW.strftime("%Y-%m-%dT%H:%M:%S.123Z"),
        NOW.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        NOW.astimezone(timezone(timedelta(hours=-5))).isoformat(),
        NOW.strftime("%Y-%m-%dT%H:%M:%S"),
    ],
    ids=["millis", "offset-utc", "offset-minus-5", "naive-as-utc"],
)
def test_timestamp_formats_accepted(stamp: str) -> None:
    case = make_case(timestamp=stamp)
    make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)


@pytest.mark.parametrize(
    "stamp",
    ["", "yesterday", "2026-13-40T99:00:00Z", 1700000000000, None],
    ids=["empty", "words", "impossible-date", "epoch-number", "null"],
)
def test_timestamp_invalid(stamp: Any) -> None:
    case = make_case()
    case.envelope["request"]["timestamp"] = stamp
    assert reason_of(make_verifier(case.fetch), case) == "timestamp_invalid"


def test_timestamp_missing_request_object() -> None:
    case = make_case()
    del case.envelope["request"]
    assert reason_of(make_verifier(case.fetch), case) == "timestamp_invalid"


# --- application id and body -----------------------------------------------------------------


def test_wrong_application_id_fails() -> None:
    case = make_case(skill_id="amzn1.ask.skill.11111111-1111-4111-8111-111111111111")
    assert reason_of(make_verifier(case.fetch), case) == "application_id_mismatch"
    assert case.fetch.calls == []


def test_application_id_falls_back_to_session() -> None:
    case = make_case(with_context=False)
    make_verifier(case.fetch).verify(case.headers, case.body, case.envelope)


def test_application_id_from_context_wins_over_session() -> None:
    case = make_case()
    case.envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.other"
    assert reason_of(make_verifier(case.fetch), case) == "application_id_mismatch"


def test_application_id_missing_everywhere_fails() -> None:
    case = make_case(with_context=False, with_session=False)
    assert reason_of(make_verifier(case.fetch), case) == "application_id_mismatch"


def test_no_configured_skill_id_skips_application_check() -> None:
    case = make_case(skill_id="amzn1.ask.skill.whatever")
    make_verifier(case.fetch, skill_id=None).verify(case.headers, case.body, case.envelope)


@pytest.mark.parametrize(
    ("body", "envelope"),
    [(b"not json", None), (b"\xff\xfe", None), (b"[1, 2]", None), (b"{}", [1, 2])],
    ids=["garbage", "bad-utf8", "json-list", "envelope-list"],
)
def test_body_not_json(body: bytes, envelope: Any) -> None:
    case = make_case()
    with pytest.raises(VerificationError) as info:
        make_verifier(case.fetch).verify(case.headers, body, envelope)
    assert info.value.reason == "body_not_json"


# --- cache -----------------------------------------------------------------------------------


def test_cache_hit_does_not_refetch() -> None:
    clock = Clock()
    case = make_case()
    verifier = make_verifier(case.fetch, clock)
    for _ in range(3):
        verifier.verify(case.headers, case.body, case.envelope)
    assert case.fetch.calls == [DEFAULT_CERT_URL]
    assert verifier.cached_urls() == 1


def test_cache_equivalent_urls_share_an_entry() -> None:
    case = make_case()
    verifier = make_verifier(case.fetch)
    verifier.verify(case.headers, case.body, case.envelope)
    case.headers["SignatureCertChainUrl"] = (
        "HTTPS://S3.AMAZONAWS.COM:443/echo.api/../echo.api/echo-api-cert-test.pem"
    )
    verifier.verify(case.headers, case.body, case.envelope)
    assert case.fetch.calls == [DEFAULT_CERT_URL]


def test_cache_expires_after_ttl() -> None:
    clock = Clock()
    fetch = FakeFetch()
    verifier = make_verifier(fetch, clock, cache_ttl_s=600)
    case = make_case(at=clock.now, fetch=fetch)
    verifier.verify(case.headers, case.body, case.envelope)
    clock.advance(600)
    case = make_case(at=clock.now, fetch=fetch)
    verifier.verify(case.headers, case.body, case.envelope)
    assert len(fetch.calls) == 1
    clock.advance(1)
    case = make_case(at=clock.now, fetch=fetch)
    verifier.verify(case.headers, case.body, case.envelope)
    assert len(fetch.calls) == 2


def test_cache_entry_never_outlives_the_leaf() -> None:
    """A leaf that expires before the TTL is dropped at expiry, refetched, and then refused."""
    pki = default_pki()
    expires = NOW + timedelta(seconds=300)
    leaf = make_leaf(pki.intermediate, pki.intermediate_key, pki.leaf_key, not_after=expires)
    fetch = FakeFetch(chains={DEFAULT_CERT_URL: chain_pem(leaf, pki.intermediate)})
    clock = Clock()
    verifier = make_verifier(fetch, clock, cache_ttl_s=3600)
    verifier.verify(*_at(clock, fetch))
    clock.advance(300)
    verifier.verify(*_at(clock, fetch))  # valid through not_valid_after itself
    assert len(fetch.calls) == 1
    clock.advance(1)
    with pytest.raises(VerificationError) as info:
        verifier.verify(*_at(clock, fetch))
    assert info.value.reason == "cert_expired"
    assert len(fetch.calls) == 2


def _at(clock: Clock, fetch: FakeFetch) -> tuple[dict[str, str], bytes, dict[str, Any]]:
    case = make_case(at=clock.now, fetch=fetch)
    return case.headers, case.body, case.envelope


def test_cache_is_lru_bounded() -> None:
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{i}.pem" for i in range(3)]
    fetch = FakeFetch(chains={u: default_pki().chain for u in urls})
    verifier = make_verifier(fetch, cache_size=2)

    def hit(url: str) -> None:
        case = make_case(cert_url=url, fetch=fetch)
        verifier.verify(case.headers, case.body, case.envelope)

    hit(urls[0])
    hit(urls[1])
    hit(urls[0])  # refreshes 0, so 1 is now least recently used
    hit(urls[2])  # evicts 1
    assert verifier.cached_urls() == 2
    assert fetch.calls == [urls[0], urls[1], urls[2]]
    hit(urls[0])
    assert len(fetch.calls) == 3
    hit(urls[1])
    assert fetch.calls[-1] == urls[1] and len(fetch.calls) == 4


def test_cache_size_zero_disables_caching() -> None:
    case = make_case()
    verifier = make_verifier(case.fetch, cache_size=0)
    verifier.verify(case.headers, case.body, case.envelope)
    verifier.verify(case.headers, case.body, case.envelope)
    assert len(case.fetch.calls) == 2 and verifier.cached_urls() == 0


@pytest.mark.parametrize(
    "chain",
    [b"not a pem", b"", chain_pem(default_pki().leaf)],
    ids=["unparseable", "empty", "untrusted-no-intermediate"],
)
def test_failed_chains_are_remembered_as_failures_until_the_failure_ttl_passes(chain: bytes) -> None:
    case = make_case(fetch=FakeFetch(chains={DEFAULT_CERT_URL: chain}))
    ticks = [1000.0]
    verifier = RequestVerifier(VerifierConfig(skill_id=TEST_SKILL_ID, failure_ttl_s=60),
                               trust_roots=[default_pki().root], fetch=case.fetch, clock=Clock(),
                               monotonic=lambda: ticks[0])
    reasons = []
    for _ in range(3):
        with pytest.raises(VerificationError) as info:
            verifier.verify(case.headers, case.body, case.envelope)
        reasons.append(info.value.reason)
    assert len(case.fetch.calls) == 1 and verifier.cached_urls() == 0
    assert len(set(reasons)) == 1
    ticks[0] += 61
    with pytest.raises(VerificationError):
        verifier.verify(case.headers, case.body, case.envelope)
    assert len(case.fetch.calls) == 2


def test_signature_failure_keeps_good_chain_cached() -> None:
    case = make_case()
    verifier = make_verifier(case.fetch)
    case.headers["Signature-256"] = sign_body(case.body, rsa_key("rogue"))
    with pytest.raises(VerificationError):
        verifier.verify(case.headers, case.body, case.envelope)
    assert verifier.cached_urls() == 1  # the chain itself was fine; only the signature was not


def test_concurrent_misses_download_once() -> None:
    pem = default_pki().chain
    calls: list[str] = []
    gate = threading.Event()

    def slow_fetch(url: str, timeout_s: float) -> bytes:
        calls.append(url)
        gate.wait(2)
        return pem

    case = make_case()
    verifier = RequestVerifier(
        VerifierConfig(skill_id=TEST_SKILL_ID),
        trust_roots=[default_pki().root],
        fetch=slow_fetch,
        clock=Clock(),
    )
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            verifier.verify(case.headers, case.body, case.envelope)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join(5)
    assert errors == [] and calls == [DEFAULT_CERT_URL]


# --- config and error type -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_clock_skew_s": -1},
        {"max_skill_event_skew_s": -1},
        {"download_timeout_s": 0},
        {"cache_size": -1},
        {"cache_ttl_s": 0},
        {"max_cert_chain_bytes": 0},
    ],
    ids=["skew", "event-skew", "timeout", "cache-size", "ttl", "max-bytes"],
)
def test_config_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        VerifierConfig(skill_id=TEST_SKILL_ID, **kwargs)


def test_config_is_frozen() -> None:
    config = VerifierConfig(skill_id=TEST_SKILL_ID)
    with pytest.raises(AttributeError):
        config.skill_id = "x"  # type: ignore[misc]


def test_error_carries_reason() -> None:
    error = VerificationError("cert_san", detail="debug only")
    assert error.reason == "cert_san" and str(error) == "cert_san" and error.detail == "debug only"


def test_helper_round_trip_with_real_clock() -> None:
    """The shared helper is what endpoint tests and the benchmark use: it must verify as-is."""
    envelope = make_envelope()
    body = encode_envelope(envelope)
    signed = signed_request(body)
    signed.verifier().verify(signed.headers, signed.body, envelope)
    assert isinstance(default_pki().leaf_key, rsa.RSAPrivateKey)
