"""`PostgresSnapshotStore`: the newest snapshot of each stream, in the event store's database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from mink_runtime.adapters.postgres._adapt import JsonBytes
from mink_runtime.adapters.postgres._errors import translate_errors
from mink_runtime.domain import Snapshot

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres._sql import Statements

__all__ = ["PostgresSnapshotStore"]


class PostgresSnapshotStore:
    """Snapshots in the `snapshots` table; get one from `PostgresEventStore.snapshots`."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection[Any]],
        statements: Statements,
        *,
        tenant_id: str = "",
    ) -> None:
        self._pool = pool
        self._sql = statements
        self.tenant_id = tenant_id

    async def save(self, snapshot: Snapshot) -> None:
        params = (
            self.tenant_id,
            snapshot.stream_id,
            snapshot.version,
            snapshot.aggregate_type,
            snapshot.schema_version,
            JsonBytes(orjson.dumps(dict(snapshot.state))),
            snapshot.taken_at,
        )
        async with self._pool.connection() as conn:
            with translate_errors(snapshot.stream_id):
                await conn.execute(self._sql.save_snapshot, params)

    async def load(self, stream_id: str) -> Snapshot | None:
        async with self._pool.connection() as conn:
            with translate_errors(stream_id):
                cursor = await conn.execute(self._sql.load_snapshot, (self.tenant_id, stream_id))
                row = await cursor.fetchone()
        if row is None:
            return None
        version, aggregate_type, schema_version, state, taken_at = row
        return Snapshot(
            stream_id=stream_id,
            version=version,
            aggregate_type=aggregate_type,
            schema_version=schema_version,
            state=orjson.loads(state),
            taken_at=taken_at,
        )

    async def delete(self, stream_id: str) -> None:
        async with self._pool.connection() as conn:
            with translate_errors(stream_id):
                await conn.execute(self._sql.delete_snapshot, (self.tenant_id, stream_id))
