"""Start the README's production line (parsed from the README itself) on a free port, for tests and bench/."""
from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def production_command() -> tuple[dict[str, str], list[str]]:
    """The README's gunicorn line: its VAR=value prefixes and the command itself, unchanged."""
    lines = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
             if "gunicorn" in line and "app:create_app()" in line]
    assert len(lines) == 1, "the README must hold exactly one production gunicorn line"
    words = shlex.split(lines[0])
    env = {}
    while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def production_server(data_dir: Path, log_path: Path, **env: str) -> Iterator[str]:
    """Runs the README line with test values for its variables (verification off); yields the base URL."""
    readme_env, command = production_command()
    bin_dir = Path(sys.executable).parent
    if command[0].startswith(".venv/bin/"):
        command[0] = str(bin_dir / command[0].removeprefix(".venv/bin/"))
    port = free_port()
    values = {name: "" for name in readme_env}
    values.update(RECHARGE_VERIFY_SIGNATURES="false", RECHARGE_SKILL_ID="", RECHARGE_USER_KEY_SECRET="test-secret",
                  RECHARGE_PORT=str(port), RECHARGE_HOST="127.0.0.1", RECHARGE_DATA_DIR=str(data_dir))
    values.update(env)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **values}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"production server did not start; see {log_path}") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
