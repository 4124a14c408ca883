"""In-process wake-ups for readers that follow the global log (`EventStore.watch()`).

Every backend keeps one `Watches` per storage (the memory, the database file, the pool): its
commits call `wake()` once they are durable, which sets the flag of every open `LocalWatch`
at once; a reader waiting on its watch then reads again. A flag, not a queue: any number of
commits between two waits make one wake-up, and a commit that lands between a reader's read
and its wait is not lost, because the watch was opened before the read.

Wake-ups may come from another thread (a blocking twin's loop, a database driver's callback):
`wake()` then hands the flag over to the loop that waits on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["LocalWatch", "Watches"]


class LocalWatch:
    """One reader's wake-up flag; see `Watch` (the port) for how readers use it."""

    __slots__ = ("_flag", "_loop")

    def __init__(self) -> None:
        self._flag = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def wake(self) -> None:
        """Set the flag (from any thread)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._flag.set()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._flag.set)

    async def wait(self, timeout: float) -> bool:
        """Wait until a commit was announced since the last wait, at most `timeout` seconds;
        whether one was."""
        flag = self._flag
        if not flag.is_set():
            try:
                async with asyncio.timeout(max(timeout, 0)):
                    await flag.wait()
            except TimeoutError:
                return False
        flag.clear()
        return True


class Watches:
    """The open watches of one storage, woken together after each commit."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: set[LocalWatch] = set()

    def __len__(self) -> int:
        return len(self._open)

    def wake(self) -> None:
        """Wake every open watch (cheap when none is open: the commit path calls it)."""
        if self._open:
            for watch in tuple(self._open):
                watch.wake()

    @asynccontextmanager
    async def watch(self) -> AsyncIterator[LocalWatch]:
        """A new watch, open for the block."""
        watch = LocalWatch()
        self._open.add(watch)
        try:
            yield watch
        finally:
            self._open.discard(watch)
