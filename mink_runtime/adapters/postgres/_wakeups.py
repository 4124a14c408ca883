"""Wake-ups of readers that follow the global log on PostgreSQL: local at once, remote by
LISTEN/NOTIFY.

One `Wakeups` serves a store and its tenant views:

- **Local commits** wake this process's watches directly, the moment the commit returned.
- **Other processes** learn of them by `NOTIFY mink_events_<schema>`, sent by a notifier task
  on a connection of its own, *after* the commit: the append's statement stays one round trip
  and never waits for the notification. The first commit after a quiet spell is announced at
  once; during a burst, commits are coalesced into one notification per `NOTIFY_INTERVAL`
  (5 ms), so a busy writer pays for a notification every few milliseconds, not one per commit.
  The notifying session runs with `synchronous_commit = off`: a lost notification costs a
  poll, never an event. The listener skips the notifier's own notifications: this process's
  watches were woken already.
- **Readers** share one `LISTEN` connection per store, opened by the first `watch()` and kept
  for a while after the last one closes (a worker opens a watch per wait; the connection
  should not be reopened each time). Every notification wakes every watch. If the connection
  drops, watches still time out (readers poll), and the listener reconnects with backoff,
  waking every watch once it is back since notifications may have been missed meanwhile.

A notification only says "read again": readers always re-read the log from their checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from mink_runtime.adapters._watch import LocalWatch, Watches
from mink_runtime.adapters.postgres._dedicated import connect_beside

__all__ = ["NOTIFY_INTERVAL", "Wakeups", "channel_of"]

_LINGER = 30.0
"""Seconds the LISTEN connection stays open after the last watch closed."""
_READY_WAIT = 5.0
"""Seconds a new watch waits for the LISTEN connection before relying on polls alone."""
NOTIFY_INTERVAL = 0.005
"""Seconds between two notifications of one store during a burst of commits."""
_NOTIFY_RETRY = 1.0
"""Seconds the notifier waits after failing to reach the server before trying again."""
_CLOSE_WAIT = 2.0
"""Seconds `close()` gives the notifier to send what is due."""


def channel_of(schema: str) -> str:
    """The notification channel of mink's tables in `schema` (a validated identifier)."""
    return f"mink_events_{schema}"


class Wakeups:
    """The notifier and the listener of one store (and its tenant views)."""

    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]], schema: str) -> None:
        self.channel = channel_of(schema)
        self.local = Watches()
        self._pool = pool
        self._notify_sql = f"NOTIFY {self.channel}"
        self._notifier: AsyncConnection[Any] | None = None
        self._notifier_pid = 0
        """The notifier's server process: its notifications were already delivered locally."""
        self._notify_task: asyncio.Task[None] | None = None
        self._pending = False
        self._notify_after = 0.0
        self._listen_task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._unreachable = False
        """A watch waited for LISTEN in vain; the next ones do not wait until it is back."""
        self._linger: asyncio.TimerHandle | None = None
        self._closed = False

    # --- writers -------------------------------------------------------------------------

    def committed(self) -> None:
        """Events were committed through this process: wake local watches now, and have the
        notifier tell other processes soon (off the caller's path)."""
        self.local.wake()
        if self._closed:
            return
        self._pending = True
        if self._notify_task is None:
            self._notify_task = asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                # The first commit after a quiet spell is announced at once; during a burst,
                # one notification per interval announces all of the interval's commits.
                if (delay := self._notify_after - loop.time()) > 0:
                    await asyncio.sleep(delay)
                self._pending = False
                try:
                    connection = self._notifier
                    if connection is None or connection.closed:
                        connection = self._notifier = await connect_beside(self._pool)
                        self._notifier_pid = connection.info.backend_pid
                        await connection.execute("SET synchronous_commit TO off")
                    await connection.execute(self._notify_sql)
                    self._notify_after = loop.time() + NOTIFY_INTERVAL
                except (psycopg.Error, OSError):
                    # Readers elsewhere poll meanwhile; try again with a later commit.
                    await self._close_notifier()
                    self._notify_after = loop.time() + _NOTIFY_RETRY
        finally:
            self._notify_task = None

    async def _close_notifier(self) -> None:
        connection, self._notifier = self._notifier, None
        if connection is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await connection.close()

    # --- readers -------------------------------------------------------------------------

    @asynccontextmanager
    async def watch(self) -> AsyncIterator[LocalWatch]:
        """A watch woken by local commits and by notifications from other processes."""
        async with self.local.watch() as watch:
            if not self._closed:
                self._start_listening()
                # Wait for LISTEN, so that commits of other processes from now on wake this
                # watch; while the server is unreachable, watches rely on polls at once.
                if not self._listening.is_set() and not self._unreachable:
                    try:
                        async with asyncio.timeout(_READY_WAIT):
                            await self._listening.wait()
                    except TimeoutError:
                        self._unreachable = True
            try:
                yield watch
            finally:
                if len(self.local) == 1 and not self._closed:  # this is the last one
                    self._linger = asyncio.get_running_loop().call_later(
                        _LINGER, self._stop_if_unwatched
                    )

    def _start_listening(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        if self._listen_task is None or self._listen_task.done():
            self._listen_task = asyncio.get_running_loop().create_task(self._listen())

    def _stop_if_unwatched(self) -> None:
        self._linger = None
        if not self.local and self._listen_task is not None:
            self._listen_task.cancel()

    async def _listen(self) -> None:
        backoff, reconnecting = 0.1, False
        while not self._closed:
            try:
                connection = await connect_beside(self._pool)
            except (psycopg.Error, OSError):
                await asyncio.sleep(backoff)
                backoff, reconnecting = min(backoff * 2, 5.0), True
                continue
            try:
                await connection.execute(f"LISTEN {self.channel}")
                self._listening.set()
                self._unreachable = False
                if reconnecting:  # notifications may have been missed while it was down
                    self.local.wake()
                backoff = 0.1
                async for notification in connection.notifies():
                    if notification.pid != self._notifier_pid:
                        self.local.wake()
            except (psycopg.Error, OSError):
                reconnecting = True
            finally:
                self._listening.clear()
                with contextlib.suppress(psycopg.Error, OSError):
                    await connection.close()

    # --- closing -------------------------------------------------------------------------

    async def close(self) -> None:
        """Send the last notification still due (a short-lived process's commits must reach
        the readers too), then stop the listener and the notifier and close their
        connections."""
        self._closed = True
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        notifying = self._notify_task
        if notifying is not None and not notifying.done():
            await asyncio.wait([notifying], timeout=_CLOSE_WAIT)
        for task in (self._listen_task, self._notify_task):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task])
        await self._close_notifier()
