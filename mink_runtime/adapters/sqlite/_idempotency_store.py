"""`SQLiteIdempotencyStore`: idempotency keys in the event store's SQLite database.

A claim is one UPSERT inside the open `store.transaction()` (which holds SQLite's write lock
from its first write): it inserts the key, or takes over an expired record, and touches a live
one not at all, which tells the claimer it holds a duplicate. Writers of one database take turns,
so the second claimer of a key runs after the first committed, and finds its result.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import orjson

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._idempotency import (
    already_claimed,
    check_batch_size,
    check_ttl,
    dump_result,
    not_claimed,
    outside_transaction,
)
from mink_runtime.adapters.sqlite._event_store import SQLiteEventStore
from mink_runtime.adapters.sqlite._rows import from_utc_text, utc_text
from mink_runtime.adapters.sqlite._transaction import SQLiteTransaction
from mink_runtime.domain import IdempotencyRecord

__all__ = ["SQLiteIdempotencyStore"]

_claimed: weakref.WeakKeyDictionary[SQLiteTransaction, set[tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class _Statements:
    claim: str
    select: str
    complete: str
    get: str
    cleanup: str

    @classmethod
    def for_schema(cls, schema: str) -> _Statements:
        t = f"{schema}_idempotency"
        columns = "command_type, fingerprint, result, created_at, expires_at"
        return cls(
            claim=f"""
                INSERT INTO {t} AS i (tenant_id, key, command_type, fingerprint, result,
                                      created_at, expires_at)
                VALUES (?, ?, ?, ?, NULL, ?, ?)
                ON CONFLICT (tenant_id, key) DO UPDATE
                   SET command_type = excluded.command_type,
                       fingerprint = excluded.fingerprint,
                       result = NULL,
                       created_at = excluded.created_at,
                       expires_at = excluded.expires_at
                 WHERE i.expires_at <= excluded.created_at
            """,
            select=f"SELECT {columns} FROM {t} WHERE tenant_id = ? AND key = ?",
            complete=f"UPDATE {t} SET result = ? WHERE tenant_id = ? AND key = ?",
            get=f"""
                SELECT {columns} FROM {t}
                 WHERE tenant_id = ? AND key = ? AND expires_at > ?
            """,
            cleanup=f"""
                DELETE FROM {t} WHERE (tenant_id, key) IN (
                    SELECT tenant_id, key FROM {t} WHERE expires_at <= ? LIMIT ?
                )
            """,
        )


class SQLiteIdempotencyStore:
    """Idempotency keys in the database of a `SQLiteEventStore` (and for its tenant)."""

    def __init__(self, store: SQLiteEventStore) -> None:
        self._store = store
        self._db = store._db
        self.tenant_id = store.tenant_id
        self._sql = _Statements.for_schema(self._db.sql.schema)

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """The event store's transaction; claims and appends inside it commit together."""
        return self._store.transaction()

    async def claim(
        self, key: str, *, command_type: str, fingerprint: str, ttl: timedelta
    ) -> IdempotencyRecord | None:
        check_ttl(ttl)
        transaction = self._open_transaction("claim")
        slot = (self.tenant_id, key)
        claimed = _claimed.setdefault(transaction, set())
        if slot in claimed:
            raise already_claimed(key)
        now = datetime.now(UTC)
        values = (*slot, command_type, fingerprint, utc_text(now), utc_text(now + ttl))
        sql = self._sql

        def claim(connection: sqlite3.Connection) -> Any:
            if connection.execute(sql.claim, values).rowcount == 1:
                return None
            return connection.execute(sql.select, slot).fetchone()

        row = await transaction.run(claim)
        if row is None:
            claimed.add(slot)
            return None
        return _record(key, row)

    async def complete(self, key: str, result: Mapping[str, Any]) -> None:
        transaction = self._open_transaction("complete")
        slot = (self.tenant_id, key)
        if slot not in _claimed.get(transaction, ()):
            raise not_claimed(key)
        values = (dump_result(result).decode(), *slot)
        sql = self._sql.complete
        await transaction.run(lambda connection: connection.execute(sql, values))

    async def get(self, key: str) -> IdempotencyRecord | None:
        values = (self.tenant_id, key, utc_text(datetime.now(UTC)))
        sql = self._sql.get
        row = await self._db.read(lambda connection: connection.execute(sql, values).fetchone())
        return None if row is None else _record(key, row)

    async def cleanup(self, *, batch_size: int = 10_000) -> int:
        check_batch_size(batch_size)
        sql, deleted = self._sql.cleanup, 0
        values = (utc_text(datetime.now(UTC)), batch_size)
        while True:  # one short write transaction per batch: other writers get their turns
            count: int = await self._db.write(
                lambda connection: connection.execute(sql, values).rowcount, join=True
            )
            deleted += count
            if count < batch_size:
                return deleted

    def _open_transaction(self, operation: str) -> SQLiteTransaction:
        transaction: SQLiteTransaction | None = ambient(self._db)
        if transaction is None:
            raise outside_transaction(operation)
        return transaction


def _record(key: str, row: tuple[Any, ...]) -> IdempotencyRecord:
    command_type, fingerprint, result, created_at, expires_at = row
    return IdempotencyRecord(
        key=key,
        command_type=command_type,
        fingerprint=fingerprint,
        result=MappingProxyType({}) if result is None else orjson.loads(result),
        created_at=from_utc_text(created_at),
        expires_at=from_utc_text(expires_at),
    )
