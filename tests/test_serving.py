"""The README's production line survives slow clients: 50 dribbling uploads, and /healthz still answers within 1 s."""
from __future__ import annotations

import socket
import threading
import time
import urllib.request

from tests.serving import production_command, production_server

SLOW_CLIENTS = 50


def test_the_readme_line_is_gunicorn_with_the_shipped_config():
    _, command = production_command()
    assert command[0].endswith("gunicorn") and "-c" in command and "gunicorn.conf.py" in command


def test_fifty_slow_clients_do_not_stall_healthz(tmp_path):
    with production_server(tmp_path / "data", tmp_path / "server.log") as base:
        port = int(base.rsplit(":", 1)[1])
        stop = threading.Event()
        clients = []
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n{")
            clients.append(sock)

        def dribble() -> None:
            while not stop.is_set():
                for sock in clients:
                    try:
                        sock.send(b" ")
                    except OSError:
                        pass
                stop.wait(1.0)

        dribbler = threading.Thread(target=dribble, daemon=True)
        dribbler.start()
        try:
            time.sleep(1.5)
            timings = []
            for _ in range(5):
                started = time.monotonic()
                with urllib.request.urlopen(base + "/healthz", timeout=1) as reply:
                    assert reply.status == 200
                timings.append(time.monotonic() - started)
                time.sleep(0.2)
            assert max(timings) < 1.0
        finally:
            stop.set()
            dribbler.join(5)
            for sock in clients:
                sock.close()
