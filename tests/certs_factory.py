"""Test PKI for Alexa signature checks: a root CA, an intermediate and echo-api leaves, all made offline."""
from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any, Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.devtools.envelopes import Conversation
from skill.alexa.verification import RequestVerifier, VerifierConfig

TEST_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
DEFAULT_CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
ECHO_API_DOMAIN = "echo-api.amazon.com"


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name per process: keygen is the slow part of these tests."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Recharge Test PKI"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def make_ca(
    common_name: str,
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """A root CA (no issuer) or an intermediate signed by issuer/issuer_key."""
    now = datetime.now(timezone.utc)
    signer_cert, signer_key = (issuer, issuer_key) if issuer is not None else (None, key)
    assert signer_key is not None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(signer_cert.subject if signer_cert else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=30))
        .not_valid_after(not_after or now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False
        )
    )
    return builder.sign(signer_key, hashes.SHA256())


def make_leaf(
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    *,
    dns_names: tuple[str, ...] = (ECHO_API_DOMAIN,),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """An echo-api style TLS server certificate (SAN + serverAuth), as Amazon's signing cert is."""
    now = datetime.now(timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0] if dns_names else "no-san"))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def chain_pem(*certs: x509.Certificate) -> bytes:
    """Leaf first, then intermediates: the order Amazon serves."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@dataclass(frozen=True)
class TestPKI:
    """A trusted root, an intermediate under it and an echo-api leaf under that."""

    __test__ = False  # not a pytest class

    root: x509.Certificate
    intermediate: x509.Certificate
    intermediate_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey

    @property
    def chain(self) -> bytes:
        return chain_pem(self.leaf, self.intermediate)


@cache
def default_pki() -> TestPKI:
    """The shared test PKI, valid from 1 day ago to 1 year ahead of when it is first built."""
    root_key, int_key, leaf_key = rsa_key("root"), rsa_key("intermediate"), rsa_key("leaf")
    root = make_ca("Recharge Test Root CA", root_key)
    intermediate = make_ca("Recharge Test Intermediate", int_key, issuer=root, issuer_key=root_key)
    leaf = make_leaf(intermediate, int_key, leaf_key)
    return TestPKI(root, intermediate, int_key, leaf, leaf_key)


@dataclass
class FakeFetch:
    """Stands in for the HTTPS download: serves PEM per URL, records calls, can fail on demand."""

    chains: dict[str, bytes] = field(default_factory=dict)
    error: BaseException | None = None
    calls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, url: str, timeout_s: float) -> bytes:
        with self._lock:
            self.calls.append(url)
        if self.error is not None:
            raise self.error
        try:
            return self.chains[url]
        except KeyError:
            raise OSError("404 Not Found") from None


def sign_body(body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
    """Base64 RSA PKCS#1 v1.5 / SHA-256 signature, the Signature-256 header value."""
    key = key or default_pki().leaf_key
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


@dataclass(frozen=True)
class SignedRequest:
    """Everything needed to push one validly signed request through the real verifier."""

    body: bytes
    headers: dict[str, str]
    trust_roots: list[x509.Certificate]
    fetch: FakeFetch
    cert_url: str

    def verifier(
        self,
        skill_id: str | None = TEST_SKILL_ID,
        *,
        clock: Callable[[], datetime] | None = None,
        **config: Any,
    ) -> RequestVerifier:
        """A RequestVerifier trusting the test root and fetching via this request's FakeFetch."""
        return RequestVerifier(
            VerifierConfig(skill_id=skill_id, **config),
            trust_roots=self.trust_roots,
            fetch=self.fetch,
            clock=clock,
        )


def signed_request(
    body: bytes,
    *,
    pki: TestPKI | None = None,
    cert_url: str = DEFAULT_CERT_URL,
    fetch: FakeFetch | None = None,
) -> SignedRequest:
    """Sign `body` with the test leaf; headers, trust roots and a fetch serving the chain come back."""
    pki = pki or default_pki()
    fetch = fetch or FakeFetch()
    fetch.chains.setdefault(cert_url, pki.chain)
    headers = {"SignatureCertChainUrl": cert_url, "Signature-256": sign_body(body, pki.leaf_key)}
    return SignedRequest(body=body, headers=headers, trust_roots=[pki.root], fetch=fetch, cert_url=cert_url)


def make_envelope(
    *,
    skill_id: str = TEST_SKILL_ID,
    timestamp: datetime | str | None = None,
    request_type: str = "LaunchRequest",
    with_session: bool = True,
    with_context: bool = True,
    request_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An envelope from the one factory, with the fields verification looks at made adjustable."""
    when = timestamp or datetime.now(timezone.utc)
    stamp = when if isinstance(when, str) else when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = {"type": request_type, "timestamp": stamp, **(request_extra or {})}
    envelope = Conversation(skill_id=skill_id)._envelope(request, with_session=with_session)
    if not with_context:
        del envelope["context"]
    return envelope


def encode_envelope(envelope: dict[str, Any]) -> bytes:
    """Compact JSON bytes, as Alexa sends them."""
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")
