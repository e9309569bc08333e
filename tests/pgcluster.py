"""A throwaway PostgreSQL cluster on loopback for tests: initdb and pg_ctl (as the postgres user under root)."""
from __future__ import annotations

import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

USER = "recharge"
# A password with characters that need care in URLs and logs; tests assert it never appears anywhere.
PASSWORD = "pg-S3cret+test/word"
PASSWORD_URL = "pg-S3cret%2Btest%2Fword"
REQUIRED_ENV = "RECHARGE_TEST_POSTGRES"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL is not installed or would not start; the message says which."""


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    override = os.environ.get("RECHARGE_PG_BIN")
    if override:
        candidates.append(str(Path(override) / "initdb"))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", password: str = PASSWORD_URL) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args])
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        options = (f"-k {self.root / 'sock'} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        result = self._pg_ctl("-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", options, "start",
                              check=False)
        if result.returncode != 0:
            tail = (self.root / "server.log").read_text(errors="replace")[-2000:] if (self.root / "server.log").exists() else ""
            raise ClusterUnavailable(f"pg_ctl start failed: {result.stderr.strip()} {tail}")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop", check=False)

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise ClusterUnavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
                                 "apt-get install -y postgresql, or .ci/run does it")
    root = Path(tempfile.mkdtemp(prefix="recharge-pg-"))
    (root / "sock").mkdir()
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        for path in (root / "sock", pwfile):
            shutil.chown(path, "postgres", "postgres")
    root.chmod(0o700)
    command = _as_postgres([str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", USER, f"--pwfile={pwfile}",
                            "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    pwfile.unlink()
    if result.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterUnavailable(f"initdb failed: {result.stderr.strip()[-2000:]}")
    cluster = Cluster(bin_dir, root, free_port())
    try:
        cluster.start()
    except ClusterUnavailable:
        shutil.rmtree(root, ignore_errors=True)
        raise
    log.info("test PostgreSQL %s on 127.0.0.1:%d", bin_dir.parent.name, cluster.port)
    return cluster
