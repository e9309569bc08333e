"""Many servers, shown: three recharge-server processes on one PostgreSQL, requests spread across them."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from skill.storage import PostgresStore, user_key
from tests import conftest
from tests.envelopes import Conversation
from tests.pgcluster import free_port

SERVERS = 3
USERS = 64
DELETE_EVERY = 8
SECRET = "many-servers-secret"
ROOT = Path(__file__).resolve().parent.parent


def start_server(port: int, data_dir: Path, url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "RECHARGE_VERIFY_SIGNATURES": "false", "RECHARGE_PORT": str(port),
           "RECHARGE_DATA_DIR": str(data_dir), "RECHARGE_DATABASE_URL": url, "RECHARGE_USER_KEY_SECRET": SECRET,
           "RECHARGE_AUDIO_BASE_URL": "https://audio.example.org/recharge", "RECHARGE_LOG_LEVEL": "WARNING"}
    entry = Path(sys.executable).parent / "recharge-server"
    command = [str(entry)] if entry.exists() else [sys.executable, str(ROOT / "app.py")]
    with log_path.open("wb") as log:
        return subprocess.Popen([*command, "--no-audio-build"], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server on {port} exited with {process.returncode}"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()["status"] == "ok":
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} never became healthy")


class Spread:
    """Posts each envelope to the next server in turn, so one conversation crosses all of them."""

    def __init__(self, ports: list[int], seed: int) -> None:
        self.ports = ports
        self.turn = random.Random(seed).randrange(len(ports))
        self.http = requests.Session()
        self.used: set[int] = set()

    def post(self, envelope: dict[str, Any], conversation: Conversation | None = None) -> dict[str, Any]:
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.used.add(port)
        reply = self.http.post(f"http://127.0.0.1:{port}/alexa", json=envelope, timeout=30)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        if conversation is not None:
            conversation.absorb(body)
        return body


def play_stream(body: dict[str, Any]) -> dict[str, Any]:
    (directive,) = [d for d in body["response"].get("directives", []) if d["type"] == "AudioPlayer.Play"]
    return directive["audioItem"]["stream"]


def one_user(index: int, ports: list[int]) -> dict[str, Any]:
    user_id = f"amzn1.ask.account.MANYSERVERS{index:03d}"
    spread = Spread(ports, index)
    talk = Conversation(user_id=user_id)
    spread.post(talk.intent("CheckInIntent"), talk)
    for answer in ("often", "sometimes", "never", "often", "sometimes"):
        spread.post(talk.intent("AnswerFrequencyIntent", frequency=(answer, answer)), talk)
    player = Conversation(user_id=user_id)
    token = play_stream(spread.post(player.intent("PausableExerciseIntent", exercise=("body scan", "body-scan"))))["token"]
    offset = 1000 + index * 997
    player.audio_player = {"playerActivity": "STOPPED", "token": token, "offsetInMilliseconds": offset}
    spread.post(player.event("AudioPlayer.PlaybackStopped", token=token, offsetInMilliseconds=offset))
    resumed = play_stream(spread.post(Conversation(user_id=user_id).intent("AMAZON.ResumeIntent")))
    deleted = index % DELETE_EVERY == 0
    if deleted:
        erase = Conversation(user_id=user_id)
        spread.post(erase.intent("DeleteDataIntent"), erase)
        spread.post(erase.intent("AMAZON.YesIntent"), erase)
    return {"user_id": user_id, "deleted": deleted, "offset": offset, "resumed": resumed["offsetInMilliseconds"],
            "token_matches": resumed["token"] == token, "servers": len(spread.used)}


def test_three_servers_lose_no_writes_and_resume_anywhere(postgres_cluster, postgres_url, built_data_dir, tmp_path):
    ports = [free_port() for _ in range(SERVERS)]
    servers = [start_server(port, built_data_dir, postgres_url, tmp_path / f"server-{port}.log") for port in ports]
    try:
        for port, process in zip(ports, servers):
            wait_healthy(port, process)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(lambda i: one_user(i, ports), range(USERS)))
        elapsed = time.monotonic() - started
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("server-*.log"))
    with PostgresStore(postgres_url) as store:
        found = {o["user_id"]: len(store.recent_checkins(user_key(o["user_id"], SECRET), limit=100)) for o in outcomes}
        counts = store.row_counts()
    kept = [o for o in outcomes if not o["deleted"]]
    lost = sum(1 for o in kept if found[o["user_id"]] != 1)
    left_after_delete = sum(found[o["user_id"]] for o in outcomes if o["deleted"])
    resumes_ok = sum(1 for o in outcomes if o["token_matches"] and o["resumed"] == o["offset"])
    conftest.FIGURES.append(
        f"many servers: {SERVERS} servers, {USERS} check-ins, {len(kept)} kept, {lost} lost, "
        f"{USERS - len(kept)} deleted with {left_after_delete} rows left, {resumes_ok}/{USERS} resumes at their offset, "
        f"{counts['checkins']} check-in rows, {elapsed:.1f} s")
    assert all(o["servers"] == SERVERS for o in outcomes)
    assert lost == 0 and left_after_delete == 0
    assert counts["checkins"] == len(kept)
    assert resumes_ok == USERS
    assert "Traceback" not in logs
    for outcome in outcomes:
        assert outcome["user_id"] not in logs
