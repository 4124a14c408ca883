"""The loop behind the sync door: one private event loop, driven by the threads that call it.

A dedicated loop thread would cost every blocking call two thread switches (wake the loop,
wake the caller) — tens of microseconds each on a busy machine, more than the 5% of an append
the door may cost. So there is no such thread: a caller whose thread has no loop running
drives the private loop itself (`run_until_complete`) while it holds the *driver* lock.

Callers in other threads meanwhile hand their coroutine to the running loop and wait; the
driver's loop runs their work between its own awaits, as one loop thread would. When the
driver's own work is done it stops and lets go of the lock; a caller whose work is not done
yet takes the lock and drives on. A caller whose own thread already runs an event loop (a
notebook, an async framework) cannot drive another loop there: its call goes to a helper
thread that drives for it.

Each calling thread has a `contextvars.Context` of its own that all its calls run in, so what
one call leaves in context variables (an open transaction) the next call sees, as consecutive
awaits of one task would.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["Portal"]

T = TypeVar("T")


class Portal:
    """A private event loop that blocking code can run coroutines on."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._driver = threading.Lock()
        self._driver_free = threading.Condition()
        self._contexts = threading.local()
        self._helper: concurrent.futures.ThreadPoolExecutor | None = None
        self._helper_lock = threading.Lock()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the private loop and return its result (or raise its error)."""
        context = self._context()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._call(coroutine, context)
        if self._loop.is_running() and self._driver_is_this_thread():
            coroutine.close()
            raise RuntimeError(
                "the sync door was called from inside a call of the sync door; "
                "await the async API there instead"
            )
        return self._helper_thread().submit(self._call, coroutine, context).result()

    def close(self) -> None:
        """Cancel what is left on the loop and close it (at interpreter exit)."""
        if self._loop.is_running() or self._loop.is_closed():
            return
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        if pending:
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()
        if self._helper is not None:
            self._helper.shutdown(wait=False)

    # --- driving ---------------------------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, T], context: contextvars.Context) -> T:
        if self._driver.acquire(blocking=False):
            return self._drive(self._loop.create_task(coroutine, context=context))
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:  # runs on the loop, in whichever thread drives it
            task = self._loop.create_task(coroutine, context=context)
            task.add_done_callback(lambda done: _settle(outcome, done, self._driver_free))

        self._loop.call_soon_threadsafe(start)
        while True:
            with self._driver_free:
                while not outcome.done() and self._driver.locked():
                    self._driver_free.wait()
            if outcome.done():
                return outcome.result()
            if self._driver.acquire(blocking=False):
                return self._drive(asyncio.wrap_future(outcome, loop=self._loop))

    def _drive(self, awaitable: asyncio.Future[T]) -> T:
        """Run the loop until `awaitable` is done (the driver lock is held), then let go."""
        self._driver_thread = threading.get_ident()
        try:
            return self._loop.run_until_complete(awaitable)
        except BaseException:
            if not awaitable.done():  # interrupted (Ctrl-C): stop the work as well
                awaitable.cancel()
                self._loop.run_until_complete(asyncio.gather(awaitable, return_exceptions=True))
            raise
        finally:
            self._driver_thread = None
            self._driver.release()
            with self._driver_free:
                self._driver_free.notify_all()

    _driver_thread: int | None = None

    def _driver_is_this_thread(self) -> bool:
        return self._driver_thread == threading.get_ident()

    def _context(self) -> contextvars.Context:
        context: contextvars.Context | None = getattr(self._contexts, "context", None)
        if context is None:
            context = self._contexts.context = contextvars.Context()
        return context

    def _helper_thread(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._helper_lock:
            if self._helper is None:
                self._helper = concurrent.futures.ThreadPoolExecutor(
                    max_workers=4, thread_name_prefix="mink-sync-door"
                )
            return self._helper


def _settle(
    outcome: concurrent.futures.Future[T],
    task: asyncio.Task[T],
    driver_free: threading.Condition,
) -> None:
    if task.cancelled():
        outcome.cancel()
    elif (error := task.exception()) is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(task.result())
    with driver_free:
        driver_free.notify_all()
