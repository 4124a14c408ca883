"""`SQLiteTransaction`: appends to several streams that commit together.

`store.transaction()` takes the store's writer lock for the whole block, so this process's other
writers wait for it (readers do not: they read the last commit). The SQLite transaction itself
starts lazily, with the first append: a block that first loads aggregates and decides holds no
database lock meanwhile, and other processes can keep writing until it actually appends.

The block commits when it ends normally and rolls back when an exception leaves it. An append
that fails with a domain error (`ConcurrencyError`, ...) leaves nothing behind, so a block that
catches it may go on; one that fails inside SQLite may have left a partial write, so the block
then refuses to commit and rolls back instead.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from mink_runtime.adapters._ambient import Joined, ambient, announce
from mink_runtime.adapters.sqlite._append import append_events
from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
from mink_runtime.adapters.sqlite._errors import translate
from mink_runtime.adapters.sqlite._rows import now_text
from mink_runtime.domain import AppendResult, EventCodec, ExpectedVersion, validate_append
from mink_runtime.errors import ConfigurationError, EventStoreError

__all__ = ["SQLiteTransaction", "open_transaction"]

T = TypeVar("T")


class SQLiteTransaction:
    """Appends of one `store.transaction()` block; see `EventStoreTransaction`."""

    def __init__(self, database: SQLiteDatabase, codec: EventCodec, tenant_id: str) -> None:
        self._db = database
        self._codec = codec
        self._tenant_id = tenant_id
        self._failure: sqlite3.Error | None = None
        self._ended = False
        self._versions: dict[tuple[str, str], int] = {}
        """Versions the appends reached, for the store to remember once committed."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append within the transaction; see `EventStore.append`.

        Raises:
            ConfigurationError: the block has ended (or a bad append, as for the store).
        """
        return await self._append(self._codec, self._tenant_id, stream_id, events, expected_version)

    async def append_as(
        self,
        store: Any,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append for `store` (another tenant's view of the same database) in this block."""
        return await self._append(store.codec, store.tenant_id, stream_id, events, expected_version)

    async def run(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Run `action(writer)` inside this transaction (for other SQLite stores' writes).

        Raises:
            ConfigurationError: the block has ended.
            EventStoreError: the `sqlite3` error `action` raised, translated.
        """
        db = await self._started()
        try:
            return action(db.writer)
        except sqlite3.Error as error:
            self._failure = error
            raise translate(error, database=db.path) from error

    async def _started(self) -> SQLiteDatabase:
        if self._ended:
            raise ConfigurationError(
                "this transaction has ended; start another with `store.transaction()`"
            )
        db = self._db
        if db.closed:
            raise EventStoreError(f"the store over {db.path} is closed")
        if not db.writer.in_transaction:
            await db.begin()
        return db

    async def _append(
        self,
        codec: EventCodec,
        tenant_id: str,
        stream_id: str,
        events: Sequence[object],
        expected_version: int | ExpectedVersion,
    ) -> AppendResult:
        validate_append(stream_id, expected_version, len(events))
        encoded = list(map(codec.encode, events))
        db = await self._started()
        try:
            result = append_events(
                db.cursor,
                db.sql,
                tenant_id,
                stream_id,
                encoded,
                expected_version,
                now_text(),
                db.path,
            )
        except sqlite3.Error as error:
            self._failure = error
            raise translate(error, database=db.path) from error
        self._versions[tenant_id, stream_id] = result.version
        return result

    def _end(self) -> sqlite3.Error | None:
        self._ended = True
        return self._failure


@asynccontextmanager
async def open_transaction(
    database: SQLiteDatabase, store: Any
) -> AsyncIterator[SQLiteTransaction]:
    """The body of `SQLiteEventStore.transaction()`; a nested block joins the outer one.

    Raises:
        EventStoreError: an append failed inside SQLite and the block went on; rolled back.
    """
    joined = ambient(database)
    if joined is not None:
        yield Joined(joined, store)  # type: ignore[misc]
        return
    async with database.lock:
        transaction = SQLiteTransaction(database, store.codec, store.tenant_id)
        database.tx_task = asyncio.current_task()
        try:
            try:
                with announce(database, transaction):
                    yield transaction
            except BaseException:
                database.rollback()
                raise
            failure = transaction._end()
            if failure is not None:
                database.rollback()
                raise EventStoreError(
                    f"the transaction was rolled back: an append in it failed ({failure})"
                ) from failure
            if not database.closed and database.writer.in_transaction:
                await database.commit()
                for key, version in transaction._versions.items():
                    database.remember(key, version)
        finally:
            transaction._end()
            database.tx_task = None
