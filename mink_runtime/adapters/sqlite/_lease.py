"""The lease of a projection worker on SQLite.

A lease is an exclusive `flock` on a side file next to the database
(`<db>.lease-<key>`, one per projection, version and partition, left in place). The kernel
releases it when the holding process dies, however it dies, so a standby worker takes over
at its next attempt. Locks of one database in one process also exclude each other: each lease
opens the file anew. An in-memory database (":memory:") lives in one process only, so its
leases are a set of names in that process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mink_runtime.adapters._projections import poll_for
from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
from mink_runtime.errors import StoreUnavailableError

__all__ = ["FileLease", "MemoryLease", "leased"]

_memory_leases: weakref.WeakKeyDictionary[SQLiteDatabase, set[str]] = weakref.WeakKeyDictionary()
"""The leases held on each in-memory database, by their keys."""


class FileLease:
    """A lease held as an exclusive `flock` on a side file of the database."""

    def __init__(self, path: str, key: str) -> None:
        self._path = path
        self._key = key
        self._fd: int | None = None

    @property
    def key(self) -> str:
        return self._key

    async def take(self) -> bool:
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StoreUnavailableError(
                f"cannot open the lease file {self._path} ({error.strerror}); leases of a "
                "SQLite database are files beside it, so its directory must be writable"
            ) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another holds it
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def held(self) -> bool:
        """Whether this process still holds it (and nobody replaced the lock file)."""
        if self._fd is None:
            return False
        try:
            return os.fstat(self._fd).st_ino == os.stat(self._path).st_ino
        except OSError:
            return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class MemoryLease:
    """A lease on an in-memory database: a name in the set of that database's leases."""

    def __init__(self, database: SQLiteDatabase, slot: str, key: str) -> None:
        self._database = database
        self._slot = slot
        self._key = key
        self._taken = False

    @property
    def key(self) -> str:
        return self._key

    async def take(self) -> bool:
        held = _memory_leases.setdefault(self._database, set())
        if self._slot in held:
            return False
        held.add(self._slot)
        self._taken = True
        return True

    async def held(self) -> bool:
        return self._taken and not self._database.closed

    def release(self) -> None:
        if self._taken:
            self._taken = False
            _memory_leases.get(self._database, set()).discard(self._slot)


@asynccontextmanager
async def leased(
    lease: FileLease | MemoryLease, wait: float | None
) -> AsyncIterator[FileLease | MemoryLease | None]:
    if not await poll_for(lease.take, wait):
        yield None
        return
    try:
        yield lease
    finally:
        lease.release()
