"""The edge between `sqlite3` and mink: error translation and waiting out a busy database.

No `sqlite3` exception leaves the adapter. Every call site catches `sqlite3.Error` and raises
`translate(error, ...) from error`, so the driver's exception stays visible as `__cause__`:

- SQLITE_BUSY ("database is locked": another connection holds the write lock) is first waited
  out by `wait_out_busy`, then becomes `StoreUnavailableError`;
- a missing table becomes `SchemaNotReadyError` (the migrations were not run);
- a database that cannot be opened or read (SQLITE_CANTOPEN, SQLITE_IOERR) becomes
  `StoreUnavailableError`;
- anything else becomes `EventStoreError` carrying SQLite's message.

(A unique violation on an event id never gets here: the append turns it into an idempotent
retry or a `DuplicateEventError` itself, because only it knows the stream.)

Why sleep instead of SQLite's own busy handler: the adapter calls `sqlite3` on the event-loop
thread (a call takes microseconds; a thread hop per call would cost more than the work). SQLite's
busy handler would sleep inside that call and freeze the whole loop while another process holds
the lock. So connections run with a busy timeout of 0, and a busy statement is retried after an
`asyncio.sleep` that grows (with jitter, so that waiting processes do not retry in step) up to a
cap, until the store's `busy_timeout` is spent. The loop keeps serving other tasks meanwhile.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from mink_runtime.errors import EventStoreError, SchemaNotReadyError, StoreUnavailableError

__all__ = ["is_busy", "translate", "wait_out_busy"]

T = TypeVar("T")

_SQLITE_BUSY = 5
_SQLITE_IOERR = 10
_SQLITE_CANTOPEN = 14
_UNREACHABLE = frozenset({_SQLITE_IOERR, _SQLITE_CANTOPEN})

_FIRST_DELAY = 0.001
_MAX_DELAY = 0.05

MIGRATE_HINT = "run `mink migrate up`, or open the store with migrate=True"


def _primary_code(error: sqlite3.Error) -> int:
    # Extended result codes (SQLITE_BUSY_SNAPSHOT = 517, ...) keep the primary code in the low byte.
    code: int | None = getattr(error, "sqlite_errorcode", None)
    return (code or 0) & 0xFF


def is_busy(error: sqlite3.Error) -> bool:
    """Whether `error` says another connection holds a lock we need (SQLITE_BUSY)."""
    return _primary_code(error) == _SQLITE_BUSY


def translate(error: sqlite3.Error, *, database: str) -> EventStoreError:
    """The mink error for a `sqlite3` error raised while working on `database`."""
    message = str(error)
    if is_busy(error):
        return StoreUnavailableError(
            f"the SQLite database {database} is locked by another connection ({message})"
        )
    if "no such table" in message:
        return SchemaNotReadyError(
            f"the SQLite database {database} lacks mink's tables ({message}): {MIGRATE_HINT}"
        )
    if _primary_code(error) in _UNREACHABLE:
        return StoreUnavailableError(f"cannot use the SQLite database {database}: {message}")
    if isinstance(error, sqlite3.ProgrammingError) and "closed" in message:
        return EventStoreError(f"the store over {database} is closed")
    return EventStoreError(f"SQLite error on {database}: {message}")


async def wait_out_busy(
    action: Callable[[], T], first: sqlite3.Error, *, timeout: float, database: str
) -> T:
    """Retry `action` (which just failed with the busy error `first`) after growing sleeps.

    Raises:
        StoreUnavailableError: still busy after `timeout` seconds.
        EventStoreError: `action` failed for another reason (translated).
    """
    deadline = time.monotonic() + timeout
    delay = _FIRST_DELAY
    error = first
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise StoreUnavailableError(
                f"the SQLite database {database} stayed locked by another connection for "
                f"{timeout:g} s (busy_timeout); another process holds a long write "
                "transaction, or the timeout is too short for the load"
            ) from error
        await asyncio.sleep(min(delay * random.uniform(0.5, 1.0), remaining))
        delay = min(delay * 2, _MAX_DELAY)
        try:
            return action()
        except sqlite3.Error as again:
            if not is_busy(again):
                raise translate(again, database=database) from again
            error = again
