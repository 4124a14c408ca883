"""`PostgresProjectionStore`: the projection engine's state in the event store's PostgreSQL
database.

Checkpoints, statuses, operator switches and dead letters live in `projections`,
`projection_control` and `dead_letters` of mink's schema (migration 0003). Every write runs on
the connection of the `store.transaction()` open in the caller's context, so a worker's
checkpoint commits with its batch's read-model changes; outside one, on a pooled connection.

Moving a checkpoint is one statement: update the row where it still holds `expected` (or
create it, when `expected` is the start), and count what changed. Two workers racing on one
row queue on its row lock; the second then finds the checkpoint moved, changes nothing, and
gets `CheckpointConflictError`, so its batch rolls back.

**Leases** are session advisory locks on connections of their own (see `_lease`).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Self

from psycopg import AsyncConnection

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._projections import (
    check_lease_wait,
    checkpoint_of,
    lease_hash,
    lease_name,
    letter_of,
    record_of,
)
from mink_runtime.adapters.postgres._errors import translate_errors
from mink_runtime.adapters.postgres._event_store import Pool, PostgresEventStore
from mink_runtime.adapters.postgres._lease import AdvisoryLease, leased
from mink_runtime.domain import (
    Checkpoint,
    DeadLetter,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
)
from mink_runtime.errors import CheckpointConflictError

__all__ = ["PostgresProjectionStore"]

_RECORD = (
    "name, version, partition, checkpoint_transaction, checkpoint_position, status, "
    "last_error, updated_at"
)
_LETTER = (
    "id, projection, version, event_id, stream_id, stream_version, checkpoint_transaction, "
    "checkpoint_position, event_type, error, attempts, failed_at"
)
_KEY = (
    "tenant_id = %(tenant)s AND name = %(name)s AND version = %(version)s "
    "AND partition = %(partition)s"
)


@dataclass(frozen=True, slots=True)
class _Statements:
    get: str
    list: str
    move: str
    checkpoint: str
    set_status: str
    reset: str
    drop: str
    drop_letters: str
    control: str
    set_paused: str
    set_active: str
    add_letter: str
    letters: str
    remove_letters: str

    @classmethod
    def for_schema(cls, s: str) -> _Statements:
        return cls(
            get=f"SELECT {_RECORD} FROM {s}.projections WHERE {_KEY}",
            list=f"""
                SELECT {_RECORD} FROM {s}.projections
                 WHERE tenant_id = %(tenant)s AND (%(name)s::text IS NULL OR name = %(name)s)
                 ORDER BY name, version, partition
            """,
            # The compare-and-set: 1 when the checkpoint moved (or the row was created at the
            # start), 0 when another worker had moved it.
            move=f"""
                WITH moved AS (
                    UPDATE {s}.projections
                       SET checkpoint_transaction = %(transaction)s,
                           checkpoint_position = %(position)s,
                           updated_at = clock_timestamp()
                     WHERE {_KEY}
                       AND checkpoint_transaction = %(expected_transaction)s
                       AND checkpoint_position = %(expected_position)s
                    RETURNING 1
                ), created AS (
                    INSERT INTO {s}.projections (tenant_id, name, version, partition,
                                                 checkpoint_transaction, checkpoint_position)
                    SELECT %(tenant)s, %(name)s, %(version)s, %(partition)s,
                           %(transaction)s, %(position)s
                     WHERE %(from_start)s AND NOT EXISTS (SELECT FROM moved)
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM created)
            """,
            checkpoint=f"""
                SELECT checkpoint_transaction, checkpoint_position FROM {s}.projections
                 WHERE {_KEY}
            """,
            set_status=f"""
                INSERT INTO {s}.projections (tenant_id, name, version, partition, status,
                                             last_error)
                VALUES (%(tenant)s, %(name)s, %(version)s, %(partition)s, %(status)s,
                        %(error)s)
                ON CONFLICT (tenant_id, name, version, partition) DO UPDATE
                   SET status = excluded.status, last_error = excluded.last_error,
                       updated_at = clock_timestamp()
            """,
            reset=f"""
                UPDATE {s}.projections
                   SET checkpoint_transaction = 0, checkpoint_position = 0,
                       updated_at = clock_timestamp()
                 WHERE tenant_id = %s AND name = %s AND version = %s
            """,
            drop=f"DELETE FROM {s}.projections WHERE tenant_id = %s AND name = %s AND version = %s",
            drop_letters=f"""
                DELETE FROM {s}.dead_letters
                 WHERE tenant_id = %s AND projection = %s AND version = %s
            """,
            control=f"""
                SELECT paused, active_version, updated_at FROM {s}.projection_control
                 WHERE tenant_id = %s AND name = %s
            """,
            set_paused=f"""
                INSERT INTO {s}.projection_control (tenant_id, name, paused)
                VALUES (%s, %s, %s)
                ON CONFLICT (tenant_id, name) DO UPDATE
                   SET paused = excluded.paused, updated_at = clock_timestamp()
            """,
            set_active=f"""
                INSERT INTO {s}.projection_control (tenant_id, name, active_version)
                VALUES (%s, %s, %s)
                ON CONFLICT (tenant_id, name) DO UPDATE
                   SET active_version = excluded.active_version, updated_at = clock_timestamp()
            """,
            add_letter=f"""
                INSERT INTO {s}.dead_letters (tenant_id, projection, version, event_id,
                    stream_id, stream_version, checkpoint_transaction, checkpoint_position,
                    event_type, error, attempts, failed_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                RETURNING id
            """,
            letters=f"""
                SELECT {_LETTER} FROM {s}.dead_letters
                 WHERE tenant_id = %(tenant)s
                   AND (%(name)s::text IS NULL OR projection = %(name)s)
                   AND (%(version)s::integer IS NULL OR version = %(version)s)
                 ORDER BY id
                 LIMIT %(limit)s
            """,
            remove_letters=f"""
                DELETE FROM {s}.dead_letters WHERE tenant_id = %s AND id = ANY (%s::bigint[])
            """,
        )


class PostgresProjectionStore:
    """The projection engine's state in the database of a `PostgresEventStore` (and for its
    tenant); see `ProjectionStore` for what each method does."""

    def __init__(self, store: PostgresEventStore) -> None:
        self._store = store
        self._pool: Pool = store._pool
        self._schema = store.schema
        self.tenant_id = store.tenant_id
        """The tenant whose projections this store keeps."""
        self._sql = _Statements.for_schema(store.schema)

    def for_tenant(self, tenant_id: str) -> Self:
        """The same store, scoped to one tenant's projections."""
        return type(self)(self._store.for_tenant(tenant_id))

    # --- records -------------------------------------------------------------------------

    async def get(self, name: str, *, version: int = 1, partition: int = 0) -> ProjectionRecord:
        row = await self._fetch_one(self._sql.get, self._key(name, version, partition))
        if row is None:
            return ProjectionRecord(name=name, version=version, partition=partition)
        return record_of(row)

    async def list(self, name: str | None = None) -> builtins.list[ProjectionRecord]:
        async with self._pool.connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(
                    self._sql.list, {"tenant": self.tenant_id, "name": name}
                )
                rows = await cursor.fetchall()
        return [record_of(row) for row in rows]

    async def save_checkpoint(
        self,
        name: str,
        checkpoint: Checkpoint,
        *,
        expected: Checkpoint,
        version: int = 1,
        partition: int = 0,
    ) -> None:
        key = self._key(name, version, partition)
        params = key | {
            "transaction": checkpoint.transaction,
            "position": checkpoint.position,
            "expected_transaction": expected.transaction,
            "expected_position": expected.position,
            "from_start": expected == Checkpoint.START,
        }
        async with self._connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(self._sql.move, params)
                row = await cursor.fetchone()
                if row is not None and row[0] == 1:
                    return
                cursor = await connection.execute(self._sql.checkpoint, key)
                found = await cursor.fetchone()
        actual = Checkpoint.START if found is None else checkpoint_of(*found)
        raise CheckpointConflictError(lease_name(name, version, partition), expected, actual)

    async def set_status(
        self,
        name: str,
        status: ProjectionStatus,
        *,
        version: int = 1,
        partition: int = 0,
        error: str | None = None,
    ) -> None:
        params = self._key(name, version, partition) | {"status": str(status), "error": error}
        await self._write((self._sql.set_status, params))

    async def reset(self, name: str, *, version: int = 1) -> None:
        await self._write((self._sql.reset, (self.tenant_id, name, version)))

    async def drop(self, name: str, *, version: int) -> None:
        values = (self.tenant_id, name, version)
        await self._write((self._sql.drop, values), (self._sql.drop_letters, values))

    # --- operator switches ---------------------------------------------------------------

    async def control(self, name: str) -> ProjectionControl:
        row = await self._fetch_one(self._sql.control, (self.tenant_id, name))
        if row is None:
            return ProjectionControl(name=name)
        paused, active_version, updated_at = row
        return ProjectionControl(
            name=name, paused=paused, active_version=active_version, updated_at=updated_at
        )

    async def set_paused(self, name: str, paused: bool) -> None:
        await self._write((self._sql.set_paused, (self.tenant_id, name, bool(paused))))

    async def set_active_version(self, name: str, version: int) -> None:
        await self._write((self._sql.set_active, (self.tenant_id, name, version)))

    # --- dead letters --------------------------------------------------------------------

    async def add_dead_letter(self, letter: DeadLetter) -> DeadLetter:
        values = (
            self.tenant_id,
            letter.projection,
            letter.version,
            letter.event_id,
            letter.stream_id,
            letter.stream_version,
            letter.checkpoint.transaction,
            letter.checkpoint.position,
            letter.event_type,
            letter.error,
            letter.attempts,
            letter.failed_at,
        )
        async with self._connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(self._sql.add_letter, values)
                row = await cursor.fetchone()
        assert row is not None, "INSERT ... RETURNING gives the new row"
        return replace(letter, id=row[0])

    async def dead_letters(
        self, name: str | None = None, *, version: int | None = None, limit: int = 100
    ) -> builtins.list[DeadLetter]:
        params = {
            "tenant": self.tenant_id,
            "name": name,
            "version": version,
            "limit": max(limit, 0),
        }
        async with self._pool.connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(self._sql.letters, params)
                rows = await cursor.fetchall()
        return [letter_of(row) for row in rows]

    async def remove_dead_letters(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        values = (self.tenant_id, [int(i) for i in ids])
        async with self._connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(self._sql.remove_letters, values)
        return cursor.rowcount

    # --- leases --------------------------------------------------------------------------

    def lease(
        self, name: str, *, version: int = 1, partition: int = 0, wait: float | None = None
    ) -> AbstractAsyncContextManager[AdvisoryLease | None]:
        """The right to be the one worker of a projection (version, partition), or None when
        another holds it and `wait` seconds ran out; see `ProjectionStore.lease`.

        Raises:
            ConfigurationError: `wait` is negative.
            StoreUnavailableError: the server cannot be reached.
        """
        check_lease_wait(wait)
        number = lease_hash("lease", self._schema, self.tenant_id, name, version, partition)
        lease = AdvisoryLease(self._pool, number, lease_name(name, version, partition))
        return leased(lease, wait, self._schema)

    # --- helpers -------------------------------------------------------------------------

    def _key(self, name: str, version: int, partition: int) -> dict[str, Any]:
        return {"tenant": self.tenant_id, "name": name, "version": version, "partition": partition}

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """The ambient transaction's connection, or a pooled one (autocommit)."""
        transaction = ambient(self._pool)
        if transaction is not None:
            yield transaction.connection
            return
        async with self._pool.connection() as connection:
            yield connection

    async def _write(self, *statements: tuple[str, Any]) -> None:
        """Run the statements in the ambient transaction, or in one of their own."""
        async with self._connection() as connection:
            with translate_errors(schema=self._schema):
                if len(statements) == 1 or ambient(self._pool) is not None:
                    for sql, params in statements:
                        await connection.execute(sql, params)
                    return
                async with connection.transaction():
                    for sql, params in statements:
                        await connection.execute(sql, params)

    async def _fetch_one(self, sql: str, params: Any) -> tuple[Any, ...] | None:
        async with self._pool.connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(sql, params)
                row: tuple[Any, ...] | None = await cursor.fetchone()
        return row
