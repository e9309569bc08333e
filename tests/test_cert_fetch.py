"""Certificate downloads against real local servers: one total deadline, no redirects, size cap, URL cap, download cap."""
from __future__ import annotations

import socket
import threading
import time
import zlib
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest

from skill.alexa.verification import (
    _FETCH_LOCK_STRIPES,
    MAX_CERT_URL_CHARS,
    RequestVerifier,
    VerificationError,
    VerifierConfig,
    canonical_cert_chain_url,
    fetch_cert_chain,
)
from tests.certs_factory import TEST_SKILL_ID


@contextmanager
def local_server(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-thread-per-connection TCP server on 127.0.0.1; yields its http:// base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                serve(conn)
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/echo.api/echo-api-cert.pem"
    finally:
        stop.set()
        listener.close()


def answer(status: str, body: bytes, extra: str = "") -> Callable[[socket.socket], None]:
    def serve(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body)
    return serve


def drip_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
    for _ in range(5000):
        conn.sendall(b"x")
        time.sleep(0.05)


def drip_headers(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 5000:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


def test_a_chain_is_downloaded_whole():
    with local_server(answer("200 OK", b"-----BEGIN CERTIFICATE-----\n")) as url:
        assert fetch_cert_chain(url, 2.0) == b"-----BEGIN CERTIFICATE-----\n"


@pytest.mark.parametrize("serve", [drip_body, drip_headers], ids=["body-with-content-length", "headers"])
def test_a_dripping_server_is_cut_off_at_the_total_deadline(serve):
    with local_server(serve) as url:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            fetch_cert_chain(url, 0.5)
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("serve, message", [
    (answer("302 Found", b"", "Location: https://evil.example/x.pem\r\n"), "302"),
    (answer("404 Not Found", b"nope"), "404"),
    (answer("200 OK", b"x" * 70_000), "too large"),
], ids=["redirect-not-followed", "not-found", "too-large"])
def test_bad_answers_fail_the_download(serve, message):
    with local_server(serve) as url:
        with pytest.raises(OSError, match=message):
            fetch_cert_chain(url, 2.0)


def test_overlong_cert_urls_are_refused_before_any_download():
    url = "https://s3.amazonaws.com/echo.api/" + "a" * MAX_CERT_URL_CHARS
    with pytest.raises(VerificationError) as info:
        canonical_cert_chain_url(url)
    assert info.value.reason == "cert_url_too_long"


def test_concurrent_downloads_are_capped():
    release = threading.Event()
    running: list[str] = []

    def slow_fetch(url: str, timeout_s: float) -> bytes:
        running.append(url)
        release.wait(5)
        return b"not a pem"

    verifier = RequestVerifier(VerifierConfig(skill_id=TEST_SKILL_ID, max_concurrent_downloads=2,
                                              download_queue_wait_s=0.05), fetch=slow_fetch)
    results: list[str] = []
    urls: dict[int, str] = {}  # distinct URLs that do not share a per-URL fetch lock
    for index in range(200):
        url = f"https://s3.amazonaws.com/echo.api/cert-{index}.pem"
        urls.setdefault(zlib.crc32(url.encode()) % _FETCH_LOCK_STRIPES, url)

    def attempt(url: str) -> None:
        try:
            verifier._signing_key(url, verifier._now())
        except VerificationError as error:
            results.append(error.reason)

    threads = [threading.Thread(target=attempt, args=(url,)) for url in list(urls.values())[:5]]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    assert len(running) == 2
    assert results.count("cert_downloads_busy") == 3
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(running) == 2
