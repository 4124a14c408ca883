"""`PostgresIdempotencyStore`: idempotency keys in the event store's PostgreSQL database.

A claim is `INSERT … ON CONFLICT DO UPDATE … WHERE expired` on the connection of the open
`store.transaction()`. Exactly once, under races between processes: the row a first claimer
inserted stays uncommitted while its command runs, and a second claimer's INSERT of the same key
waits on it. When the first commits, the second's conflict finds a live record and takes nothing
(it then reads the committed result: a duplicate); when the first rolls back, the second's
INSERT goes through and it runs the command itself.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
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
from mink_runtime.adapters.postgres._adapt import JsonBytes
from mink_runtime.adapters.postgres._errors import translate_errors
from mink_runtime.adapters.postgres._event_store import PostgresEventStore, PostgresTransaction
from mink_runtime.domain import IdempotencyRecord

__all__ = ["PostgresIdempotencyStore"]

_claimed: weakref.WeakKeyDictionary[PostgresTransaction, set[tuple[str, str]]] = (
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
    def for_schema(cls, s: str) -> _Statements:
        columns = "command_type, fingerprint, result::text, created_at, expires_at"
        return cls(
            claim=f"""
                INSERT INTO {s}.idempotency AS i (tenant_id, key, command_type, fingerprint,
                                                  created_at, expires_at)
                VALUES (%s, %s, %s, %s, statement_timestamp(),
                        statement_timestamp() + %s * interval '1 second')
                ON CONFLICT (tenant_id, key) DO UPDATE
                   SET command_type = excluded.command_type,
                       fingerprint = excluded.fingerprint,
                       result = NULL,
                       created_at = excluded.created_at,
                       expires_at = excluded.expires_at
                 WHERE i.expires_at <= clock_timestamp()
                RETURNING 1
            """,
            select=f"SELECT {columns} FROM {s}.idempotency WHERE tenant_id = %s AND key = %s",
            complete=f"UPDATE {s}.idempotency SET result = %s WHERE tenant_id = %s AND key = %s",
            get=f"""
                SELECT {columns} FROM {s}.idempotency
                 WHERE tenant_id = %s AND key = %s AND expires_at > clock_timestamp()
            """,
            cleanup=f"""
                DELETE FROM {s}.idempotency WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM {s}.idempotency
                     WHERE expires_at <= clock_timestamp() LIMIT %s
                ))
            """,
        )


class PostgresIdempotencyStore:
    """Idempotency keys in the database of a `PostgresEventStore` (and for its tenant)."""

    def __init__(self, store: PostgresEventStore) -> None:
        self._store = store
        self._pool = store._pool
        self._schema = store.schema
        self.tenant_id = store.tenant_id
        self._sql = _Statements.for_schema(store.schema)

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
        values = (*slot, command_type, fingerprint, ttl.total_seconds())
        connection = transaction.connection
        with translate_errors(schema=self._schema):
            cursor = await connection.execute(self._sql.claim, values)
            if await cursor.fetchone() is not None:
                claimed.add(slot)
                return None
            # A live record: committed by now (a claimer of the same key waited for it above).
            row = await (await connection.execute(self._sql.select, slot)).fetchone()
        assert row is not None, "a conflicting idempotency row cannot vanish inside the claim"
        return _record(key, row)

    async def complete(self, key: str, result: Mapping[str, Any]) -> None:
        transaction = self._open_transaction("complete")
        slot = (self.tenant_id, key)
        if slot not in _claimed.get(transaction, ()):
            raise not_claimed(key)
        values = (JsonBytes(dump_result(result)), *slot)
        with translate_errors(schema=self._schema):
            await transaction.connection.execute(self._sql.complete, values)

    async def get(self, key: str) -> IdempotencyRecord | None:
        async with self._pool.connection() as connection:
            with translate_errors(schema=self._schema):
                cursor = await connection.execute(self._sql.get, (self.tenant_id, key))
                row = await cursor.fetchone()
        return None if row is None else _record(key, row)

    async def cleanup(self, *, batch_size: int = 10_000) -> int:
        check_batch_size(batch_size)
        deleted = 0
        async with self._pool.connection() as connection:
            while True:  # one short transaction per batch: no long lock on the table
                with translate_errors(schema=self._schema):
                    cursor = await connection.execute(self._sql.cleanup, (batch_size,))
                count = cursor.rowcount
                deleted += count
                if count < batch_size:
                    return deleted

    def _open_transaction(self, operation: str) -> PostgresTransaction:
        transaction: PostgresTransaction | None = ambient(self._pool)
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
        created_at=created_at,
        expires_at=expires_at,
    )
