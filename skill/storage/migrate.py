"""recharge-migrate: copies a SQLite database into PostgreSQL; running it again adds nothing twice."""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from skill.alexa.settings import redact_url
from skill.storage.base import StorageError
from skill.storage.sqlite import Database

BATCH = 500
ORDER = ("people", "checkins", "playback", "attributes")


class MigrateError(Exception):
    """Bad input for the migration; the message says what to fix."""


def _check_source(path: Path) -> None:
    if not path.is_file():
        raise MigrateError(f"no SQLite database at {path}")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise MigrateError(f"{path} is not a SQLite database")


def migrate(source_path: Path, url: str, progress: Callable[[str, int, int, int], None] | None = None
            ) -> dict[str, int]:
    """Rows added per table; check-ins are recognised by the source file's instance id and row id."""
    from skill.storage.postgres import PostgresStore

    if url.split("://", 1)[0] not in {"postgresql", "postgres"}:
        raise MigrateError(f"the target must be a postgresql:// URL; got {redact_url(url)!r}")
    _check_source(source_path)
    try:
        source = Database(source_path)
    except StorageError as error:
        raise MigrateError(f"cannot read {source_path}: {error}") from None
    added: dict[str, int] = {}
    try:
        target = PostgresStore(url, min_size=1, max_size=1)
        try:
            source_id = source.instance_id()
            totals = source.row_counts()
            for table in ORDER:
                done = added[table] = 0
                batch: list[tuple] = []
                rows = iter(source.export_rows(table))
                while True:
                    row = next(rows, None)
                    if row is not None:
                        batch.append(row)
                    if batch and (row is None or len(batch) >= BATCH):
                        added[table] += target.import_rows(table, batch, source_id)
                        done += len(batch)
                        batch = []
                        if progress:
                            progress(table, done, totals[table], added[table])
                    if row is None:
                        break
                if progress and totals[table] == 0:
                    progress(table, 0, 0, 0)
        finally:
            target.close()
    except (ValueError, sqlite3.Error) as error:
        raise MigrateError(f"{source_path} holds a row that cannot be copied: {error}") from None
    finally:
        source.close()
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recharge-migrate", description=__doc__)
    parser.add_argument("--from", dest="source", required=True, type=Path, help="the SQLite file, e.g. var/recharge.sqlite3")
    parser.add_argument("--to", dest="target", default=os.environ.get("RECHARGE_DATABASE_URL", ""),
                        help="postgresql://user:password@host:5432/db (default: $RECHARGE_DATABASE_URL)")
    args = parser.parse_args(argv)

    def report(table: str, done: int, total: int, added: int) -> None:
        print(f"{table}: {done}/{total} read, {added} added", flush=True)

    try:
        added = migrate(args.source, args.target, report)
    except (MigrateError, StorageError) as error:
        print(f"recharge-migrate: {error}", file=sys.stderr)
        return 2
    print("done: " + ", ".join(f"{table} +{count}" for table, count in added.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
