"""`Timeout`: cancel a handler that runs too long, and raise `CommandTimeoutError`.

It sits outside the retry middleware, so the limit bounds the whole dispatch, retries and their
waits included. Cancelling rolls back a transaction the handler (or the idempotency middleware)
had open. A `def` handler blocking in the sync door's thread cannot be interrupted: the timeout
is reported once it returns.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import CommandTimeoutError, ConfigurationError

__all__ = ["Timeout"]


class Timeout:
    """Limit each dispatch to `seconds` (None: no limit); a handler registered with
    `timeout=` has its own limit."""

    def __init__(self, seconds: float | None = 30.0) -> None:
        if seconds is not None and (isinstance(seconds, bool) or not seconds > 0):
            raise ConfigurationError(f"a timeout is in seconds, above 0; got {seconds!r}")
        self.seconds = seconds

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        seconds = context.registration.timeout or self.seconds
        if seconds is None:
            return await call_next(command, context)
        try:
            async with asyncio.timeout(seconds) as limit:
                return await call_next(command, context)
        except TimeoutError as error:
            if not limit.expired():
                raise  # a TimeoutError of the handler's own
            raise CommandTimeoutError(context.command_type, seconds=seconds) from error

    def __repr__(self) -> str:
        return f"Timeout(seconds={self.seconds!r})"
