"""Post N mutated envelopes to the README's production line (verification off) and count statuses and logged exceptions.

Run: .venv/bin/python bench/fuzz_server.py [--requests 10000] [--seed 11] [--concurrency 8]
Prints the status counts, the 5xx count, and the log lines with a traceback or a handler failure.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import base_envelopes, mutate  # noqa: E402
from tests.serving import production_server  # noqa: E402

FAILURE_LINE = re.compile(r"handler failed|skill dispatch failed|Exception in worker|unexpected error|Worker failed")


def post_all(port: int, bodies: list[bytes], concurrency: int) -> collections.Counter:
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            try:
                connection.request("POST", "/alexa", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                status = f"transport:{type(error).__name__}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                statuses[status] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    bases = base_envelopes()
    bodies = [mutate(rng, bases) for _ in range(args.requests)]
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "server.log"
        with production_server(Path(folder) / "data", log_path) as base:
            started = time.monotonic()
            statuses = post_all(int(base.rsplit(":", 1)[1]), bodies, args.concurrency)
            elapsed = time.monotonic() - started
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
    failures = [line for line in log_text.splitlines() if FAILURE_LINE.search(line)]
    kinds = collections.Counter(FAILURE_LINE.split(line, 1)[-1][:100] for line in failures)
    tracebacks = log_text.count("Traceback (most recent call last)")
    print(f"requests tried: {args.requests} (seed {args.seed}, {args.concurrency} connections, {elapsed:.1f} s)")
    print("statuses:", dict(sorted(statuses.items(), key=lambda item: str(item[0]))))
    print("5xx:", sum(count for status, count in statuses.items() if isinstance(status, int) and status >= 500))
    print("logged exceptions:", len(failures), "tracebacks:", tracebacks)
    for kind, count in kinds.most_common(10):
        print(f"  {count} x {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
