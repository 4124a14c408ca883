"""The lease of a projection worker on PostgreSQL.

A lease is a session advisory lock, `pg_try_advisory_lock(key)`, on a connection of its own
(not one of the pool's), keyed by a stable 64-bit hash of (schema, tenant, projection,
version, partition). A waiting worker tries again every 0.1 s. When the holder's
process dies, its connection closes and the server releases the lock: a standby takes over at
its next try. `held()` asks the server whether the lease's session still holds the lock, and
is False once the connection is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection

from mink_runtime.adapters._projections import poll_for
from mink_runtime.adapters.postgres._dedicated import connect_beside
from mink_runtime.adapters.postgres._errors import translate_errors
from mink_runtime.adapters.postgres._event_store import Pool

__all__ = ["AdvisoryLease", "leased"]

_HELD_TIMEOUT = 5.0
"""Seconds `held()` waits for the server before counting the lease as lost."""


class AdvisoryLease:
    """A lease held as a session advisory lock on a connection of its own."""

    def __init__(self, pool: Pool, number: int, key: str) -> None:
        self._pool = pool
        self._number = number
        self._key = key
        self._connection: AsyncConnection[Any] | None = None

    @property
    def key(self) -> str:
        return self._key

    async def take(self) -> bool:
        connection = self._connection
        if connection is None or connection.closed:
            connection = self._connection = await connect_beside(self._pool)
        cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (self._number,))
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def held(self) -> bool:
        """Whether the lease's session still holds the lock (False once its connection was
        lost, or the server did not answer within a few seconds)."""
        connection = self._connection
        if connection is None or connection.closed:
            return False
        number = self._number & 0xFFFF_FFFF_FFFF_FFFF
        try:
            async with asyncio.timeout(_HELD_TIMEOUT):
                cursor = await connection.execute(
                    """
                    SELECT EXISTS (
                        SELECT FROM pg_locks
                         WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                           AND objsubid = 1 AND classid = %s::bigint::oid
                           AND objid = %s::bigint::oid
                    )
                    """,
                    (number >> 32, number & 0xFFFF_FFFF),
                )
                row = await cursor.fetchone()
        except (psycopg.Error, OSError, TimeoutError):
            await self.release()
            return False
        return bool(row and row[0])

    async def release(self) -> None:
        """Unlock and close the connection (closing alone would release it too)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(psycopg.Error, OSError):
            if not connection.closed:
                await connection.execute("SELECT pg_advisory_unlock(%s)", (self._number,))
        with contextlib.suppress(psycopg.Error, OSError):
            await connection.close()


@asynccontextmanager
async def leased(
    lease: AdvisoryLease, wait: float | None, schema: str
) -> AsyncIterator[AdvisoryLease | None]:
    try:
        with translate_errors(schema=schema):
            taken = await poll_for(lease.take, wait)
    except BaseException:
        await lease.release()
        raise
    if not taken:
        await lease.release()
        yield None
        return
    try:
        yield lease
    finally:
        await lease.release()
