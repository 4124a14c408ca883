"""`SQLiteSnapshotStore`: the newest snapshot of each stream, in the event store's database.

One row per (tenant, stream). `save` is a single UPSERT whose update only applies when the new
snapshot's version is at least the stored one, so a slow writer saving an older snapshot can
never roll the newest back, whatever the interleaving. The state is JSON text (orjson, with the
same conversions as event data); `taken_at` is stored as UTC text with microseconds and reads
back equal.

It shares the store's connections: saves queue on the store's writer lock, loads read the last
commit.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
from mink_runtime.adapters.sqlite._rows import dump_json, from_utc_text, utc_text
from mink_runtime.domain import Snapshot

__all__ = ["SQLiteSnapshotStore"]


class SQLiteSnapshotStore:
    """Keeps the newest snapshot of each stream in SQLite. Get it as `store.snapshots`."""

    def __init__(self, database: SQLiteDatabase, tenant_id: str = "") -> None:
        self._db = database
        self.tenant_id = tenant_id

    def for_tenant(self, tenant_id: str) -> SQLiteSnapshotStore:
        """The same snapshots, scoped to another tenant."""
        return SQLiteSnapshotStore(self._db, tenant_id)

    async def save(self, snapshot: Snapshot) -> None:
        """Store a snapshot, replacing an older one of the same stream (never a newer one).

        Raises:
            SerializationError: the state has no JSON form.
            ConfigurationError: `taken_at` is naive.
            StoreUnavailableError: the database stayed locked.
        """
        sql = self._db.sql.save_snapshot
        values = (
            self.tenant_id,
            snapshot.stream_id,
            snapshot.version,
            snapshot.aggregate_type,
            snapshot.schema_version,
            dump_json(snapshot.state),
            utc_text(snapshot.taken_at),
        )
        await self._db.write(lambda connection: connection.execute(sql, values), join=True)

    async def load(self, stream_id: str) -> Snapshot | None:
        """The newest snapshot of a stream, or None."""
        sql, key = self._db.sql.load_snapshot, (self.tenant_id, stream_id)

        def select(connection: sqlite3.Connection) -> Any:
            return connection.execute(sql, key).fetchone()

        row = await self._db.read(select)
        if row is None:
            return None
        stream, version, aggregate_type, schema_version, state, taken_at = row
        return Snapshot(
            stream_id=stream,
            version=version,
            aggregate_type=aggregate_type,
            schema_version=schema_version,
            state=orjson.loads(state),
            taken_at=from_utc_text(taken_at),
        )

    async def delete(self, stream_id: str) -> None:
        """Forget a stream's snapshot (nothing happens if it has none)."""
        sql, key = self._db.sql.delete_snapshot, (self.tenant_id, stream_id)
        await self._db.write(lambda connection: connection.execute(sql, key), join=True)
