"""The loop behind the sync door: one private event loop, driven by the threads that call it.

A dedicated loop thread would cost every blocking call two thread switches (wake the loop,
wake the caller) — tens of microseconds each on a busy machine, more than the 5% of an append
the door may cost. So there is no such thread: a caller whose thread has no loop running
drives the private loop itself (`run_until_complete`) while it holds the *driver* lock.

- Callers in other threads meanwhile hand their coroutine to the running loop and wait; the
  driver's loop runs their work between its own awaits, as one loop thread would. When the
  driver's own work is done it stops and lets go of the lock; a caller whose work is not done
  yet takes the lock and drives on.
- Work can hand a function back to run *in the calling thread* (`run_in_caller`): a `def`
  command handler runs in the thread that dispatched, where it may block, use the thread's own
  resources (a Django connection) and call the door again. If the caller is driving at that
  moment it stops driving to run the function, and its nested calls drive in turn.
- A caller whose own thread already runs an event loop (a notebook, an async framework)
  cannot drive another loop there: its call goes to a helper thread that drives for it.

Each calling thread has a `contextvars.Context` of its own that all its calls run in, so what
one call leaves in context variables (an open transaction) the next call sees, as consecutive
awaits of one task would; and what the calling thread has set itself (`with
message_context(...)`) is brought into each call for its duration.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Portal"]

T = TypeVar("T")

RunInCaller = Callable[..., Coroutine[Any, Any, Any]]
"""`await run_in_caller(fn, *args)`: run `fn(*args)` in the thread whose call this is."""


class _Caller:
    """A thread using the door: its context, and the functions handed back to it."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.context = contextvars.Context()
        self.jobs: collections.deque[Callable[[], None]] = collections.deque()
        self.driving = False
        if portal.on_new_caller is not None:
            self.context.run(portal.on_new_caller, self.run_here)

    async def run_here(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` in this caller's thread, in the current context."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        context = contextvars.copy_context()

        def settle(value: Any, error: BaseException | None) -> None:
            if future.cancelled():  # given up on meanwhile (a timeout)
                return
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)

        def job() -> None:
            try:
                value = context.run(function, *args)
            except BaseException as error:  # handed to the awaiting task, which raises it
                loop.call_soon_threadsafe(settle, None, error)
            else:
                loop.call_soon_threadsafe(settle, value, None)

        self.jobs.append(job)
        if self.driving:
            loop.stop()  # the caller is this very thread, driving: let it go and run the job
        else:
            self.portal.wake_all()
        return await future


class Portal:
    """A private event loop that blocking code can run coroutines on."""

    def __init__(self, *, on_new_caller: Callable[[RunInCaller], Any] | None = None) -> None:
        """`on_new_caller(run_in_caller)` runs in each calling thread's context when the thread
        first calls, e.g. to put `run_in_caller` into a context variable."""
        self.on_new_caller = on_new_caller
        self._loop = asyncio.new_event_loop()
        self._driver = threading.Lock()
        self._changed = threading.Condition()
        self._callers = threading.local()
        self._helper: concurrent.futures.ThreadPoolExecutor | None = None
        self._helper_lock = threading.Lock()
        self._driver_thread: int | None = None

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the private loop and return its result (or raise its error)."""
        caller, calling = self._caller(), contextvars.copy_context()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._call(coroutine, caller, calling)
        if self._driver_thread == threading.get_ident():
            coroutine.close()
            raise RuntimeError(
                "the sync door was called from inside a call of the sync door; "
                "await the async API there instead"
            )
        return self._helper_thread().submit(self._call, coroutine, caller, calling).result()

    def wake_all(self) -> None:
        """Let waiting callers look again (work finished, the loop is free, a job arrived)."""
        with self._changed:
            self._changed.notify_all()

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

    # --- one call ----------------------------------------------------------------------------

    def _call(
        self, coroutine: Coroutine[Any, Any, T], caller: _Caller, calling: contextvars.Context
    ) -> T:
        brought = caller.context.run(_bring_in, calling)
        try:
            return self._run(coroutine, caller)
        finally:
            caller.context.run(_take_back, brought)

    def _run(self, coroutine: Coroutine[Any, Any, T], caller: _Caller) -> T:
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        loop = self._loop

        def follow(task: asyncio.Task[T]) -> None:
            task.add_done_callback(lambda done: _settle(outcome, done, self))

        driving = self._driver.acquire(blocking=False)
        if driving:
            task: asyncio.Future[T] = loop.create_task(coroutine, context=caller.context)
            follow(task)  # type: ignore[arg-type]
        else:
            loop.call_soon_threadsafe(
                lambda: follow(loop.create_task(coroutine, context=caller.context))
            )
            task = asyncio.wrap_future(outcome, loop=loop)
        while True:
            if driving:
                self._drive(task, caller)
                driving = False
            if outcome.done():
                return outcome.result()
            if caller.jobs:
                caller.jobs.popleft()()
                continue
            if self._driver.acquire(blocking=False):
                driving = True
                continue
            with self._changed:
                while not outcome.done() and not caller.jobs and self._driver.locked():
                    self._changed.wait()

    def _drive(self, awaitable: asyncio.Future[T], caller: _Caller) -> None:
        """Run the loop until `awaitable` is done or a job is handed back to this thread (the
        driver lock is held; it is let go of here)."""
        self._driver_thread = threading.get_ident()
        caller.driving = True
        try:
            self._loop.run_until_complete(awaitable)
        except RuntimeError:
            if not caller.jobs:  # not stopped to run a job: a real error
                raise
        except BaseException:
            if not awaitable.done():  # interrupted (Ctrl-C): stop the work as well
                awaitable.cancel()
                with contextlib.suppress(BaseException):
                    self._loop.run_until_complete(asyncio.gather(awaitable, return_exceptions=True))
            raise
        finally:
            caller.driving = False
            self._driver_thread = None
            self._driver.release()
            self.wake_all()

    def _caller(self) -> _Caller:
        caller: _Caller | None = getattr(self._callers, "caller", None)
        if caller is None:
            caller = self._callers.caller = _Caller(self)
        return caller

    def _helper_thread(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._helper_lock:
            if self._helper is None:
                self._helper = concurrent.futures.ThreadPoolExecutor(
                    max_workers=4, thread_name_prefix="mink-sync-door"
                )
            return self._helper


def _settle(outcome: concurrent.futures.Future[T], task: asyncio.Task[T], portal: Portal) -> None:
    if not outcome.done():
        if task.cancelled():
            outcome.cancel()
        elif (error := task.exception()) is not None:
            outcome.set_exception(error)
        else:
            outcome.set_result(task.result())
    portal.wake_all()


_ABSENT = object()


def _bring_in(calling: contextvars.Context) -> list[contextvars.Token[Any]]:
    """Inside a caller's own context: take on the values the calling thread has set, so that
    the call runs with them (a message context, an open transaction, a tracing span)."""
    tokens: list[contextvars.Token[Any]] = []
    for var, value in calling.items():
        if var.get(_ABSENT) is not value:
            tokens.append(var.set(value))
    return tokens


def _take_back(tokens: list[contextvars.Token[Any]]) -> None:
    """Undo `_bring_in` once the call is over (what the call itself set stays)."""
    for token in reversed(tokens):
        with contextlib.suppress(ValueError, RuntimeError):  # already undone by the call
            token.var.reset(token)
