"""The README's console tour, replayed line by line as written, against the app served over real HTTP in development."""
from __future__ import annotations

import io
import re
import socket
import sys
import threading
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from skill.devtools import console
from tests.conftest import dev_settings
from tests.talk import text

ROOT = Path(__file__).parents[1]
SECTION = "## Talk to it without a device"


def tour_lines() -> tuple[str, list[str]]:
    """The console command and the typed lines of the README's tour (the first text block of its section)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL).group(1).strip().splitlines()
    return block[0], [row.removeprefix("you> ") for row in block[1:] if row.startswith("you> ")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(make_app, built_data_dir, tmp_path, monkeypatch):
    """The first README command's settings (verification off, nothing else set) on a free port, audio built."""
    port = free_port()
    settings = replace(dev_settings(tmp_path, data_dir=built_data_dir,
                                    database_url=f"sqlite:///{tmp_path / 'tour.sqlite3'}"), skill_id=None, port=port)
    assert settings.audio_base_url is None and not settings.verify_signatures
    server = make_server("127.0.0.1", port, make_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("RECHARGE_PORT", str(port))
    monkeypatch.delenv("RECHARGE_HOST", raising=False)
    yield port
    server.shutdown()


def replay(lines: list[str], monkeypatch, capsys) -> dict[str, str]:
    """Runs recharge-console's main() on the tour's lines; returns what it printed after each line."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{row}\n" for row in lines)))
    assert console.main([]) == 0
    printed = capsys.readouterr().out
    steps: dict[str, str] = {}
    for chunk in printed.split("you> ")[1:]:
        typed, _, output = chunk.partition("\n")
        steps[typed] = output
    assert list(steps) == lines, "every README line was sent, in order"
    return steps


def test_the_readme_tour_works_as_written(served, monkeypatch, capsys):
    command, lines = tour_lines()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command == ".venv/bin/recharge-console" and scripts["recharge-console"] == "skill.devtools.console:main"
    assert lines == ["open relationship recharge", "check in", "often", "tell me a strategy", "play box breathing",
                     "play five minute cyclic sighing", "/started", "/stopped 30000", "resume",
                     "start our reconnect", "how have I been doing", "stop"], "README tour changed: update this test"
    step = replay(lines, monkeypatch, capsys)
    local = f"http://127.0.0.1:{served}/audio/"

    assert "Alexa: " in step["open relationship recharge"] and "checked in" not in step["open relationship recharge"]
    assert text("checkin.question.dread") in step["check in"]
    assert "(AnswerFrequencyIntent: frequency='often'->often)" in step["often"]
    assert text("checkin.question.numb") in step["often"]
    assert text("flow.paused.checkin") in step["tell me a strategy"]
    assert text("reading.restoration.part1") in step["tell me a strategy"]

    box = re.search(r"\[audio in the speech\] (\S+)", step["play box breathing"])
    assert box and box.group(1).startswith(local + "box-breathing"), step["play box breathing"]
    assert requests.get(box.group(1), timeout=5).headers["Content-Type"] == "audio/mpeg"

    played = re.search(r"\[AudioPlayer\.Play REPLACE_ALL\] url=(\S+) token=(\S+) offset=0ms",
                       step["play five minute cyclic sighing"])
    assert played and played.group(1).startswith(local + "cyclic-sighing-5min"), step["play five minute cyclic sighing"]
    assert "(session ended)" in step["play five minute cyclic sighing"]
    assert requests.get(played.group(1), timeout=5).status_code == 200
    token = played.group(2)

    for typed in ("/started", "/stopped 30000"):
        assert "nothing is playing" not in step[typed] and "(error" not in step[typed], step[typed]
    assert "(AudioPlayer.PlaybackStopped at 30000 ms)" in step["/stopped 30000"]
    assert f"url={played.group(1)} token={token} offset=30000ms" in step["resume"], step["resume"]

    assert text("reconnect.welcome") in step["start our reconnect"]
    assert "(HistoryIntent)" in step["how have I been doing"]
    assert text("history.trend.none") in step["how have I been doing"]
    assert "(session ended)" in step["stop"]


def test_console_help_shows_the_address_and_no_server_is_one_clear_line(monkeypatch, capsys):
    port = free_port()  # nothing listens here
    monkeypatch.setenv("RECHARGE_PORT", str(port))
    monkeypatch.delenv("RECHARGE_HOST", raising=False)
    with pytest.raises(SystemExit):
        console.main(["--help"])
    assert f"http://127.0.0.1:{port}/alexa" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("open relationship recharge\n"))
    assert console.main([]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and f"no skill server is answering at http://127.0.0.1:{port}/alexa" in captured.err
    assert "Traceback" not in captured.err and "HTTPConnectionPool" not in captured.err
