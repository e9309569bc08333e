"""Fixtures for the web companion: the fake-engine catalogue with phases files, a served app, a headless chromium."""
from __future__ import annotations

import json
import os
import random
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from app import create_app
from skill.web.timeline import PAGE_KIND
from tests.conftest import dev_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NO_AUDIO_ID = "grounding-54321"
NO_PHASES_ID = "body-scan"
@pytest.fixture(scope="session")
def web_data_dir(built_data_dir: Path, tmp_path_factory) -> Path:
    """A copy of the built catalogue (phases files included) with one exercise's phases and another's audio taken away."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    shutil.copytree(built_data_dir / "audio", data_dir / "audio", ignore=shutil.ignore_patterns(".cache"))
    manifest_path = data_dir / "audio" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["exercises"][NO_PHASES_ID]["phases"]
    (data_dir / "audio" / manifest["exercises"][NO_AUDIO_ID]["file"]).unlink()
    manifest_path.write_text(json.dumps(manifest))
    return data_dir


def read_phases(data_dir: Path, exercise_id: str) -> list[dict[str, Any]]:
    """The build's phases file, in the page's terms (seconds, the cue each kind shows)."""
    entry = json.loads((data_dir / "audio" / "manifest.json").read_text())["exercises"][exercise_id]
    rows = json.loads((data_dir / "audio" / entry["phases"]).read_text())["phases"]
    return [{"start": r["start_ms"] / 1000, "end": r["end_ms"] / 1000, "kind": PAGE_KIND[r["kind"]]} for r in rows]


def manifest_entry(data_dir: Path, exercise_id: str) -> dict[str, Any]:
    return json.loads((data_dir / "audio" / "manifest.json").read_text())["exercises"][exercise_id]


@pytest.fixture
def web_app(web_data_dir: Path, tmp_path, make_app):
    """On the suite's store: SQLite, or PostgreSQL under RECHARGE_TEST_STORE=postgresql."""
    return make_app(dev_settings(tmp_path, data_dir=web_data_dir, database_url=f"sqlite:///{tmp_path / 'web.sqlite3'}"))


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture(scope="module")
def served(web_data_dir: Path, tmp_path_factory) -> Iterator[str]:
    """The app on a free local port, in a thread, for the browser."""
    folder = tmp_path_factory.mktemp("served")
    settings = dev_settings(folder, data_dir=web_data_dir, database_url=f"sqlite:///{folder / 'web.sqlite3'}")
    app = create_app(settings, verifier=None, rng_factory=lambda: random.Random(7))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        missing = "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        if os.environ.get("RECHARGE_TEST_BROWSER") == "1":
            pytest.fail(missing)  # CI: a browser test that cannot run is a failure, not a skip
        pytest.skip(missing)
    os.environ.setdefault("SE_OFFLINE", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=412,915",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
