"""`SQLiteProjectionStore`: the projection engine's state in the event store's SQLite database.

Checkpoints, statuses, operator switches and dead letters live in `{schema}_projections`,
`{schema}_projection_control` and `{schema}_dead_letters` (migration 0003). Every write joins
the `store.transaction()` open in the caller's context, so a worker's checkpoint commits with
its batch's read-model changes; outside one, each write is a short transaction of its own.

Moving a checkpoint is a compare-and-set inside that write transaction. SQLite has one writer
at a time, so no other worker can move the row between the check and the update.

**Leases** are locks on side files of the database (see `_lease`).
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any, Self

import orjson

from mink_runtime.adapters._projections import (
    check_lease_wait,
    checkpoint_of,
    lease_hash,
    lease_name,
    letter_of,
    record_of,
)
from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
from mink_runtime.adapters.sqlite._event_store import SQLiteEventStore
from mink_runtime.adapters.sqlite._lease import FileLease, MemoryLease, leased
from mink_runtime.adapters.sqlite._rows import from_utc_text, now_text, utc_text
from mink_runtime.domain import (
    Checkpoint,
    DeadLetter,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
)
from mink_runtime.errors import CheckpointConflictError

__all__ = ["SQLiteProjectionStore"]

_RECORD = "name, version, partition, checkpoint_transaction, checkpoint_position, status, "
_RECORD += "last_error, updated_at"
_LETTER = (
    "id, projection, version, event_id, stream_id, stream_version, checkpoint_transaction, "
    "checkpoint_position, event_type, error, attempts, failed_at"
)
_KEY = "tenant_id = ? AND name = ? AND version = ? AND partition = ?"


@dataclass(frozen=True, slots=True)
class _Statements:
    get: str
    list: str
    advance: str
    create: str
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
    def for_schema(cls, schema: str) -> _Statements:
        p, c, d = f"{schema}_projections", f"{schema}_projection_control", f"{schema}_dead_letters"
        return cls(
            get=f"SELECT {_RECORD} FROM {p} WHERE {_KEY}",
            list=(
                f"SELECT {_RECORD} FROM {p} WHERE tenant_id = ?1 AND (?2 IS NULL OR name = ?2)"
                " ORDER BY name, version, partition"
            ),
            advance=(
                f"UPDATE {p} SET checkpoint_transaction = ?, checkpoint_position = ?,"
                f" updated_at = ? WHERE {_KEY}"
                " AND checkpoint_transaction = ? AND checkpoint_position = ?"
            ),
            create=(
                f"INSERT INTO {p} (tenant_id, name, version, partition, checkpoint_transaction,"
                " checkpoint_position, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING"
            ),
            checkpoint=(
                f"SELECT checkpoint_transaction, checkpoint_position FROM {p} WHERE {_KEY}"
            ),
            set_status=(
                f"INSERT INTO {p} (tenant_id, name, version, partition, status, last_error,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (tenant_id, name, version, partition) DO UPDATE SET"
                " status = excluded.status, last_error = excluded.last_error,"
                " updated_at = excluded.updated_at"
            ),
            reset=(
                f"UPDATE {p} SET checkpoint_transaction = 0, checkpoint_position = 0,"
                " updated_at = ? WHERE tenant_id = ? AND name = ? AND version = ?"
            ),
            drop=f"DELETE FROM {p} WHERE tenant_id = ? AND name = ? AND version = ?",
            drop_letters=(
                f"DELETE FROM {d} WHERE tenant_id = ? AND projection = ? AND version = ?"
            ),
            control=(
                f"SELECT paused, active_version, updated_at FROM {c}"
                " WHERE tenant_id = ? AND name = ?"
            ),
            set_paused=(
                f"INSERT INTO {c} (tenant_id, name, paused, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (tenant_id, name) DO UPDATE SET"
                " paused = excluded.paused, updated_at = excluded.updated_at"
            ),
            set_active=(
                f"INSERT INTO {c} (tenant_id, name, active_version, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, name) DO UPDATE SET"
                " active_version = excluded.active_version, updated_at = excluded.updated_at"
            ),
            add_letter=(
                f"INSERT INTO {d} (tenant_id, projection, version, event_id, stream_id,"
                " stream_version, checkpoint_transaction, checkpoint_position, event_type,"
                " error, attempts, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            letters=(
                f"SELECT {_LETTER} FROM {d} WHERE tenant_id = ?1"
                " AND (?2 IS NULL OR projection = ?2) AND (?3 IS NULL OR version = ?3)"
                " ORDER BY id LIMIT ?4"
            ),
            remove_letters=(
                f"DELETE FROM {d} WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))"
            ),
        )


class SQLiteProjectionStore:
    """The projection engine's state in the database of a `SQLiteEventStore` (and for its
    tenant); see `ProjectionStore` for what each method does."""

    def __init__(self, store: SQLiteEventStore) -> None:
        self._store = store
        self._db: SQLiteDatabase = store._db
        self.tenant_id = store.tenant_id
        """The tenant whose projections this store keeps."""
        self._sql = _Statements.for_schema(self._db.sql.schema)

    def for_tenant(self, tenant_id: str) -> Self:
        """The same store, scoped to one tenant's projections."""
        return type(self)(self._store.for_tenant(tenant_id))

    # --- records -------------------------------------------------------------------------

    async def get(self, name: str, *, version: int = 1, partition: int = 0) -> ProjectionRecord:
        values, sql = (self.tenant_id, name, version, partition), self._sql.get
        row = await self._db.read(lambda connection: connection.execute(sql, values).fetchone())
        if row is None:
            return ProjectionRecord(name=name, version=version, partition=partition)
        return record_of(row, from_utc_text)

    async def list(self, name: str | None = None) -> list[ProjectionRecord]:
        values, sql = (self.tenant_id, name), self._sql.list
        rows = await self._db.read(lambda connection: connection.execute(sql, values).fetchall())
        return [record_of(row, from_utc_text) for row in rows]

    async def save_checkpoint(
        self,
        name: str,
        checkpoint: Checkpoint,
        *,
        expected: Checkpoint,
        version: int = 1,
        partition: int = 0,
    ) -> None:
        key = (self.tenant_id, name, version, partition)
        sql, now = self._sql, now_text()

        def move(connection: sqlite3.Connection) -> tuple[int, int] | None:
            values = (checkpoint.transaction, checkpoint.position, now, *key)
            if connection.execute(sql.advance, (*values, *_pair(expected))).rowcount == 1:
                return None
            if expected == Checkpoint.START:
                created = (*key, checkpoint.transaction, checkpoint.position, now)
                if connection.execute(sql.create, created).rowcount == 1:
                    return None
            found: tuple[int, int] | None = connection.execute(sql.checkpoint, key).fetchone()
            return (0, 0) if found is None else found

        actual = await self._db.write(move, join=True)
        if actual is not None:
            raise CheckpointConflictError(
                lease_name(name, version, partition), expected, checkpoint_of(*actual)
            )

    async def set_status(
        self,
        name: str,
        status: ProjectionStatus,
        *,
        version: int = 1,
        partition: int = 0,
        error: str | None = None,
    ) -> None:
        values = (self.tenant_id, name, version, partition, str(status), error, now_text())
        await self._write(self._sql.set_status, values)

    async def reset(self, name: str, *, version: int = 1) -> None:
        await self._write(self._sql.reset, (now_text(), self.tenant_id, name, version))

    async def drop(self, name: str, *, version: int) -> None:
        sql, values = self._sql, (self.tenant_id, name, version)

        def drop(connection: sqlite3.Connection) -> None:
            connection.execute(sql.drop, values)
            connection.execute(sql.drop_letters, values)

        await self._db.write(drop, join=True)

    # --- operator switches ---------------------------------------------------------------

    async def control(self, name: str) -> ProjectionControl:
        values, sql = (self.tenant_id, name), self._sql.control
        row = await self._db.read(lambda connection: connection.execute(sql, values).fetchone())
        if row is None:
            return ProjectionControl(name=name)
        paused, active_version, updated_at = row
        return ProjectionControl(
            name=name,
            paused=bool(paused),
            active_version=active_version,
            updated_at=from_utc_text(updated_at),
        )

    async def set_paused(self, name: str, paused: bool) -> None:
        await self._write(self._sql.set_paused, (self.tenant_id, name, int(paused), now_text()))

    async def set_active_version(self, name: str, version: int) -> None:
        await self._write(self._sql.set_active, (self.tenant_id, name, version, now_text()))

    # --- dead letters --------------------------------------------------------------------

    async def add_dead_letter(self, letter: DeadLetter) -> DeadLetter:
        values = (
            self.tenant_id,
            letter.projection,
            letter.version,
            letter.event_id,
            letter.stream_id,
            letter.stream_version,
            *_pair(letter.checkpoint),
            letter.event_type,
            letter.error,
            letter.attempts,
            utc_text(letter.failed_at),
        )
        sql = self._sql.add_letter

        def add(connection: sqlite3.Connection) -> int:
            letter_id = connection.execute(sql, values).lastrowid
            assert letter_id is not None, "an insert into a rowid table has a row id"
            return letter_id

        return replace(letter, id=await self._db.write(add, join=True))

    async def dead_letters(
        self, name: str | None = None, *, version: int | None = None, limit: int = 100
    ) -> builtins.list[DeadLetter]:
        values, sql = (self.tenant_id, name, version, max(limit, 0)), self._sql.letters
        rows = await self._db.read(lambda connection: connection.execute(sql, values).fetchall())
        return [letter_of(row, from_utc_text) for row in rows]

    async def remove_dead_letters(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        values = (self.tenant_id, orjson.dumps([int(i) for i in ids]).decode())
        sql = self._sql.remove_letters
        removed: int = await self._db.write(
            lambda connection: connection.execute(sql, values).rowcount, join=True
        )
        return removed

    # --- leases --------------------------------------------------------------------------

    def lease(
        self, name: str, *, version: int = 1, partition: int = 0, wait: float | None = None
    ) -> AbstractAsyncContextManager[FileLease | MemoryLease | None]:
        """The right to be the one worker of a projection (version, partition), or None when
        another holds it and `wait` seconds ran out; see `ProjectionStore.lease`.

        Raises:
            ConfigurationError: `wait` is negative.
        """
        check_lease_wait(wait)
        key = lease_name(name, version, partition)
        number = lease_hash(self._db.sql.schema, self.tenant_id, name, version, partition)
        if self._db.in_memory:
            return leased(MemoryLease(self._db, f"{self.tenant_id}\x1f{key}", key), wait)
        path = f"{self._db.path}.lease-{number & 0xFFFF_FFFF_FFFF_FFFF:016x}"
        return leased(FileLease(path, key), wait)

    async def _write(self, sql: str, values: tuple[Any, ...]) -> None:
        await self._db.write(lambda connection: connection.execute(sql, values), join=True)


def _pair(checkpoint: Checkpoint) -> tuple[int, int]:
    return checkpoint.transaction, checkpoint.position
