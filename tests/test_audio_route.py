"""GET /audio/: built files with the right types, ranges and caching; nothing else, ever."""
from __future__ import annotations

import pytest

from tests.conftest import dev_settings

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def client(make_app, tmp_path):
    settings = dev_settings(tmp_path)
    audio = settings.audio_dir
    (audio / ".cache").mkdir(parents=True)
    (audio / "sub").mkdir()
    (audio / "box-breathing.0123456789ab.mp3").write_bytes(PAYLOAD)
    (audio / "box-breathing.0123456789ab.vtt").write_text("WEBVTT\n\n")
    (audio / "manifest.json").write_text('{"schema": 1, "exercises": {}}')
    (audio / ".cache" / "secret.wav").write_bytes(b"x")
    (audio / "notes.py").write_text("print('no')")
    (tmp_path / "data" / "outside.mp3").write_bytes(b"outside")
    return make_app(settings).test_client()


def test_full_file_with_type_and_validators(client):
    result = client.get("/audio/box-breathing.0123456789ab.mp3")
    assert result.status_code == 200
    assert result.mimetype == "audio/mpeg"
    assert result.data == PAYLOAD
    assert result.headers["ETag"] and result.headers["Last-Modified"]
    assert result.headers["Accept-Ranges"] == "bytes"
    assert "max-age=3600" in result.headers["Cache-Control"]


@pytest.mark.parametrize("name, mimetype", [
    ("box-breathing.0123456789ab.vtt", "text/vtt"),
    ("manifest.json", "application/json"),
])
def test_captions_and_manifest_types(client, name, mimetype):
    result = client.get(f"/audio/{name}")
    assert result.status_code == 200
    assert result.mimetype == mimetype


@pytest.mark.parametrize("header, start, end", [
    ("bytes=0-99", 0, 99),
    ("bytes=10000-", 10000, 10239),
    ("bytes=-40", 10200, 10239),
])
def test_ranges_are_partial_content(client, header, start, end):
    result = client.get("/audio/box-breathing.0123456789ab.mp3", headers={"Range": header})
    assert result.status_code == 206
    assert result.headers["Content-Range"] == f"bytes {start}-{end}/{len(PAYLOAD)}"
    assert result.data == PAYLOAD[start:end + 1]


def test_range_out_of_bounds_is_416(client):
    result = client.get("/audio/box-breathing.0123456789ab.mp3", headers={"Range": "bytes=20000-30000"})
    assert result.status_code == 416


def test_conditional_get_is_304(client):
    first = client.get("/audio/box-breathing.0123456789ab.mp3")
    again = client.get("/audio/box-breathing.0123456789ab.mp3",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("path", [
    "/audio/../outside.mp3",
    "/audio/%2e%2e/outside.mp3",
    "/audio/..%2foutside.mp3",
    "/audio/sub/../../outside.mp3",
    "/audio/.cache/secret.wav",
    "/audio/%2ecache/secret.wav",
    "/audio/",
    "/audio/sub",
    "/audio/sub/",
    "/audio/notes.py",
    "/audio/missing.mp3",
    "/audio//etc/passwd",
    "/audio/..\\outside.mp3",
])
def test_nothing_outside_the_built_files_is_served(client, path):
    result = client.get(path, follow_redirects=True)
    assert result.status_code == 404
    assert b"outside" not in result.data
