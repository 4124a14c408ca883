"""`SQLiteDatabase`: the connections of one SQLite database, and how work runs on them.

Decisions, and why:

1. **WAL, one writer connection and one reader connection.** In WAL mode readers run beside the
   writer and see only committed transactions, so reads never see the uncommitted appends of an
   open `store.transaction()` block, and never wait for it. `synchronous` is configurable
   (NORMAL by default: a commit is durable once the WAL is synced at a checkpoint, and a power
   loss can cost the last transactions but never corrupts the database).
2. **`sqlite3` runs directly on the event-loop thread.** A statement takes microseconds; a thread
   hop per call would cost more than the work. To never block the loop on another process's
   lock, both connections have a busy timeout of 0, and a busy statement is retried after
   growing `asyncio.sleep`s for up to `busy_timeout` seconds (see `_errors`). Write transactions
   start with `BEGIN IMMEDIATE`, so a writer takes the write lock before it reads the stream
   versions it checks, and never has to upgrade a read lock (which could deadlock).
3. **One `asyncio.Lock` serializes this process's writers.** SQLite allows one writer at a time
   anyway; queueing in-process writers on a lock (instead of on SQLITE_BUSY) is fair and costs
   nothing when uncontended. `store.transaction()` holds it for its whole block. A task that
   holds the lock and writes through the store instead of the transaction would wait for itself
   forever; it gets a `ConfigurationError` instead.

An in-memory database (":memory:") lives inside one connection, which must then serve reads and
writes. While a `transaction()` block of one task is open, reads from *other* tasks wait until it
ends (up to `busy_timeout`), so they never see uncommitted appends; reads from the task inside the
block see its own uncommitted appends (there is no second connection that could hide them).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable
from typing import TypeVar

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._watch import Watches
from mink_runtime.adapters.sqlite._errors import is_busy, translate, wait_out_busy
from mink_runtime.adapters.sqlite._schema import (
    check_revision,
    migrate_connection,
    migrate_file,
)
from mink_runtime.adapters.sqlite._sql import Statements
from mink_runtime.errors import (
    ConfigurationError,
    EventStoreError,
    MinkError,
    StoreUnavailableError,
)

__all__ = ["SQLiteDatabase", "locate"]

T = TypeVar("T")

MEMORY = ":memory:"
_SYNCHRONOUS = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
_REMEMBERED_STREAMS = 10_000


def locate(target: str | os.PathLike[str]) -> tuple[str, str]:
    """The file to open (or ":memory:") and the SQLAlchemy URL of a path or `sqlite:///` URL.

    Raises:
        ConfigurationError: the target is empty or not a SQLite path or URL.
    """
    if isinstance(target, os.PathLike):
        path = os.fspath(target)
    elif "://" in target:
        scheme, _, rest = target.partition("://")
        if scheme != "sqlite" or "?" in rest or (rest and not rest.startswith("/")):
            raise ConfigurationError(
                f"a SQLite store opens a file path or a URL such as sqlite:///app.db "
                f"(sqlite:////abs/path.db for an absolute path), got {target!r}"
            )
        path = rest[1:] or MEMORY
    else:
        path = target
    if not path:
        raise ConfigurationError("the SQLite database path is empty; use ':memory:' or a file")
    if path == MEMORY:
        return MEMORY, "sqlite://"
    return path, f"sqlite:///{path}"


class SQLiteDatabase:
    """The connections of one SQLite database, shared by a store, its tenant views and its
    snapshot store. Create it with `SQLiteDatabase.open`.
    """

    def __init__(
        self,
        *,
        path: str,
        url: str,
        writer: sqlite3.Connection,
        reader: sqlite3.Connection,
        sql: Statements,
        busy_timeout: float,
    ) -> None:
        self.path = path
        self.url = url
        self.writer = writer
        self.cursor = writer.cursor()
        """The writer's cursor for the append path (saves a cursor object per statement)."""
        self.reader = reader
        self.sql = sql
        self.busy_timeout = busy_timeout
        self.lock = asyncio.Lock()
        self.versions: dict[tuple[str, str], int] = {}
        """(tenant, stream) -> the version this process last saw committed, for `append_fast`;
        a hint it checks, never trusts (see `_append`)."""
        self.tx_task: asyncio.Task[object] | None = None
        """The task inside a `store.transaction()` block, while one is open."""
        self.watches = Watches()
        """The open `store.watch()`es of the store and its views, woken after each commit."""
        self.closed = False

    @property
    def in_memory(self) -> bool:
        return self.reader is self.writer

    @classmethod
    async def open(
        cls,
        target: str | os.PathLike[str],
        *,
        schema: str,
        synchronous: str,
        busy_timeout: float,
    ) -> SQLiteDatabase:
        """Open the connections (no schema check here).

        Raises:
            ConfigurationError: a bad path, schema name, `synchronous` or `busy_timeout`.
            StoreUnavailableError: the file cannot be opened, or stays locked.
        """
        path, url = locate(target)
        sql = Statements.for_schema(schema)
        mode = synchronous.upper() if isinstance(synchronous, str) else ""
        if mode not in _SYNCHRONOUS:
            raise ConfigurationError(
                f"synchronous must be one of OFF, NORMAL, FULL, EXTRA, got {synchronous!r}"
            )
        if isinstance(busy_timeout, bool) or not isinstance(busy_timeout, int | float):
            raise ConfigurationError(f"busy_timeout is in seconds, got {busy_timeout!r}")
        if busy_timeout < 0:
            raise ConfigurationError(f"busy_timeout cannot be negative, got {busy_timeout!r}")
        writer = _connect(path)
        reader = writer
        try:
            if path != MEMORY:
                # WAL is a property of the file: set once, every later connection finds it.
                await _run(writer, "PRAGMA journal_mode=WAL", path, busy_timeout)
                reader = _connect(path)
                await _run(reader, "PRAGMA query_only=ON", path, busy_timeout)
            await _run(writer, f"PRAGMA synchronous={mode}", path, busy_timeout)
        except BaseException:
            writer.close()
            if reader is not writer:
                reader.close()
            raise
        return cls(
            path=path,
            url=url,
            writer=writer,
            reader=reader,
            sql=sql,
            busy_timeout=float(busy_timeout),
        )

    async def close(self) -> None:
        """Close both connections (an open transaction is rolled back); closing twice is fine."""
        if self.closed:
            return
        self.closed = True
        self.writer.close()
        if self.reader is not self.writer:
            self.reader.close()

    def remember(self, key: tuple[str, str], version: int) -> None:
        """Note the committed version of an active stream for the next append's fast path."""
        versions = self.versions
        if len(versions) >= _REMEMBERED_STREAMS:
            versions.clear()  # simpler than LRU; a forgotten stream costs one read, once
        versions[key] = version

    # --- running work --------------------------------------------------------------------

    def refuse_inside_own_transaction(self) -> None:
        """Writes through the store from inside one's own transaction block would deadlock.

        Raises:
            ConfigurationError: the current task holds an open `store.transaction()` block.
        """
        if (
            self.lock.locked()
            and self.tx_task is not None
            and self.tx_task is asyncio.current_task()
        ):
            raise ConfigurationError(
                "this task is inside `store.transaction()`: append through the transaction "
                "(`tx.append(...)`), and do other writes before or after the block"
            )

    async def begin(self) -> None:
        """Start a write transaction (`BEGIN IMMEDIATE`), waiting out other processes' locks."""
        try:
            self.cursor.execute(self.sql.begin)
        except sqlite3.Error as error:
            await self.begin_after(error)

    async def begin_after(self, error: sqlite3.Error) -> None:
        """Finish `begin` after its first attempt failed with `error`."""
        if not is_busy(error):
            raise translate(error, database=self.path) from error
        await wait_out_busy(self._begin_now, error, timeout=self.busy_timeout, database=self.path)

    def _begin_now(self) -> None:
        if not self.writer.in_transaction:  # a concurrent waiter of the same block began it
            self.cursor.execute(self.sql.begin)

    async def commit(self) -> None:
        """Commit the write transaction (then wake the watches); on failure roll it back and
        raise."""
        try:
            self.cursor.execute("COMMIT")
        except sqlite3.Error as error:
            await self.commit_after(error)
        self.watches.wake()

    async def commit_after(self, error: sqlite3.Error) -> None:
        """Finish `commit` after its first attempt failed with `error`."""
        try:
            if not is_busy(error):  # only without WAL do readers of other processes block it
                raise translate(error, database=self.path) from error
            await wait_out_busy(
                self._commit_now, error, timeout=self.busy_timeout, database=self.path
            )
        except BaseException:
            self.rollback()
            raise

    def _commit_now(self) -> None:
        self.cursor.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back the write transaction, if one is open."""
        if self.closed or not self.writer.in_transaction:
            return
        # The error that led here is the one to report; should ROLLBACK fail too, SQLite rolls
        # back what is left when the connection closes.
        with contextlib.suppress(sqlite3.Error):
            self.cursor.execute("ROLLBACK")

    async def write(self, action: Callable[[sqlite3.Connection], T], *, join: bool = False) -> T:
        """Run `action(writer)` in a write transaction of its own, under the writer lock; with
        `join`, inside the transaction block open in this context, if any.

        Raises:
            ConfigurationError: the current task is inside its own transaction block (and
                `join` is off).
            EventStoreError: what `action` raised, or its `sqlite3` error translated.
        """
        if join:
            transaction = ambient(self)
            if transaction is not None:
                return await transaction.run(action)  # type: ignore[no-any-return]
        self.refuse_inside_own_transaction()
        async with self.lock:
            await self.begin()
            try:
                result = action(self.writer)
            except sqlite3.Error as error:
                self.rollback()
                raise translate(error, database=self.path) from error
            except BaseException:
                self.rollback()
                raise
            await self.commit()
            return result

    async def read(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Run `action(reader)`: it sees committed data only, retried while the file is busy.

        Raises:
            EventStoreError: what `action` raised, or its `sqlite3` error translated.
        """
        try:
            if self.reader is self.writer and self.writer.in_transaction:
                await self._wait_for_other_transaction()
            return action(self.reader)
        except sqlite3.Error as error:
            if not is_busy(error):
                raise translate(error, database=self.path) from error
            reader = self.reader
            return await wait_out_busy(
                lambda: action(reader), error, timeout=self.busy_timeout, database=self.path
            )

    async def _wait_for_other_transaction(self) -> None:
        # In memory, reader and writer are one connection: let another task's open transaction
        # finish rather than read its uncommitted appends. (Its own task reads through it.)
        if self.tx_task is asyncio.current_task():
            return
        try:
            async with asyncio.timeout(self.busy_timeout):
                await self.lock.acquire()
        except TimeoutError:
            raise StoreUnavailableError(
                f"a read of the in-memory database waited {self.busy_timeout:g} s "
                "(busy_timeout) for a transaction of another task to finish"
            ) from None
        self.lock.release()

    # --- schema --------------------------------------------------------------------------

    async def check_schema(self) -> None:
        """Make sure mink's tables are at the newest migration.

        Raises:
            SchemaNotReadyError: they are missing or at another revision.
        """
        sql = self.sql.schema_revision
        await self.read(lambda connection: check_revision(connection, sql, database=self.path))

    async def migrate(self) -> None:
        """Run mink's migrations on this database (in a thread; writers wait meanwhile).

        Raises:
            ConfigurationError: the current task is inside its own transaction block.
            StoreUnavailableError: the database could not be reached or stayed locked.
            EventStoreError: a migration failed.
        """
        self.refuse_inside_own_transaction()
        async with self.lock:
            try:
                if self.in_memory:
                    await asyncio.to_thread(migrate_connection, self.writer, self.sql.schema)
                else:
                    await asyncio.to_thread(migrate_file, self.url, self.sql.schema)
            except MinkError:
                raise
            except Exception as error:  # Alembic and SQLAlchemy errors wrap sqlite3's
                cause = getattr(error, "orig", None)
                if isinstance(cause, sqlite3.Error):
                    raise translate(cause, database=self.path) from error
                raise EventStoreError(
                    f"migrating the SQLite database {self.path} failed: {error}"
                ) from error


def _connect(path: str) -> sqlite3.Connection:
    try:
        # timeout=0: never let SQLite's busy handler sleep on the event-loop thread.
        # isolation_level=None: the adapter issues BEGIN IMMEDIATE / COMMIT itself.
        # check_same_thread=False: the store may be opened and used on different threads
        # over its life (e.g. the sync door's loop thread); it is used by one at a time.
        return sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise translate(error, database=path) from error


async def _run(connection: sqlite3.Connection, sql: str, path: str, busy_timeout: float) -> None:
    try:
        connection.execute(sql).fetchall()
    except sqlite3.Error as error:
        if not is_busy(error):
            raise translate(error, database=path) from error
        await wait_out_busy(
            lambda: connection.execute(sql).fetchall(),
            error,
            timeout=busy_timeout,
            database=path,
        )
