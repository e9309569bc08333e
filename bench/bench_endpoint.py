"""POST /alexa (LaunchRequest, signature verified, certificate cached) against a bare JSON echo route.

Both routes live on the same server process in the same run; the report is the skill's cost as a
ratio of the echo's. Run: python bench/bench_endpoint.py [--requests 400]
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.certs_factory import TEST_SKILL_ID, encode_envelope, make_envelope, signed_request  # noqa: E402


def serve(port_queue, body: bytes, data_dir: str) -> None:
    import logging

    from flask import jsonify, request
    from werkzeug.serving import make_server

    from app import create_app
    from skill.alexa.settings import Settings

    logging.disable(logging.WARNING)
    signed = signed_request(body)
    settings = Settings(skill_id=TEST_SKILL_ID, verify_signatures=True, data_dir=Path(data_dir))
    app = create_app(settings, verifier=signed.verifier())

    @app.post("/echo")
    def echo():
        return jsonify(request.get_json())

    server = make_server("127.0.0.1", 0, app, threaded=False)
    port_queue.put(server.server_port)
    server.serve_forever()


def measure(session: requests.Session, url: str, body: bytes, headers: dict, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        reply = session.post(url, data=body, headers=headers, timeout=10)
        latencies.append(time.perf_counter() - start)
        if reply.status_code != 200:
            raise SystemExit(f"{url} answered {reply.status_code}: {reply.text[:200]}")
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / sum(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per route per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    body = encode_envelope(make_envelope())
    headers = {**signed_request(body).headers, "Content-Type": "application/json"}
    ports: multiprocessing.Queue = multiprocessing.Queue()
    with tempfile.TemporaryDirectory() as data_dir:
        server = multiprocessing.Process(target=serve, args=(ports, body, data_dir), daemon=True)
        server.start()
        port = ports.get(timeout=30)
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        measure(session, f"{base}/alexa", body, headers, 20)  # warm up and cache the chain
        measure(session, f"{base}/echo", body, headers, 20)
        echo, skill = [], []
        for _ in range(args.rounds):
            echo += measure(session, f"{base}/echo", body, headers, args.requests)
            skill += measure(session, f"{base}/alexa", body, headers, args.requests)
        server.terminate()
    echo_stats, skill_stats = summary(echo), summary(skill)
    print(f"{'route':<8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, stats in (("echo", echo_stats), ("alexa", skill_stats)):
        print(f"{name:<8}{stats['rps']:>10.0f}{stats['p50_ms']:>10.2f}{stats['p99_ms']:>10.2f}")
    ratio = skill_stats["p50_ms"] / echo_stats["p50_ms"]
    print(f"skill/echo p50 latency ratio: {ratio:.2f}x (aim <= 1.5x); "
          f"p99 ratio {skill_stats['p99_ms'] / echo_stats['p99_ms']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
