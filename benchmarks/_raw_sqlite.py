"""The raw-sqlite3 baseline: one INSERT and one COMMIT per event, WAL, synchronous=NORMAL.

The table is built from the DDL that mink's own migration left in its database file
(`sqlite_master`), so it is the same table, constraints, autoincrement and all.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks._model import EVENT_TYPE

__all__ = ["RawSQLite"]


class RawSQLite:
    """A sqlite3 connection to a file holding a copy of mink's events table."""

    def __init__(self, path: Path, *, mink_db: Path, table: str, synchronous: str) -> None:
        with sqlite3.connect(mink_db) as source:
            row = source.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
        if row is None:
            raise LookupError(f"no table {table} in {mink_db}")
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute(row[0])
        self.conn.commit()
        self._insert = (
            f"INSERT INTO {table} (tenant_id, stream_id, version, event_id, event_type, "
            "schema_version, content_type, data, metadata, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

    def append(self, stream_id: str, version: int, data: object) -> None:
        """Insert one event's row and commit."""
        conn = self.conn
        conn.execute(self._insert, _row(stream_id, version, data))
        conn.commit()

    @property
    def synchronous(self) -> int:
        return int(self.conn.execute("PRAGMA synchronous").fetchone()[0])

    def close(self) -> None:
        self.conn.close()


def _row(stream_id: str, version: int, data: object) -> tuple[Any, ...]:
    return (
        "",
        stream_id,
        version,
        uuid.uuid4().bytes,
        EVENT_TYPE,
        1,
        "application/json",
        orjson.dumps(data),
        None,
        datetime.now(UTC).isoformat(),
    )
