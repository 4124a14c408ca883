"""`Retry`: run the handler again after a transient failure, with exponential backoff and full
jitter.

Transient: `StoreUnavailableError` (the database was unreachable or timed out),
`TransactionConflictError` (a PostgreSQL transaction must run again as a whole), and
`ConcurrencyError` when the handler is declared safe to run again (`retry_on_conflict=True` at
registration; handlers made by `aggregate_handler` are, as they load, decide and save afresh).
Never: `ValidationError`, `CommandError` and anything else. It sits outside the idempotency
middleware, so every attempt runs in a transaction of its own.

A store that became unreachable *while committing* may have committed: a handler that is not
idempotent by itself can then act twice. Put the idempotency middleware under it for such
commands.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import (
    ConcurrencyError,
    ConfigurationError,
    StoreUnavailableError,
    TransactionConflictError,
)

__all__ = ["Retry"]

log = logging.getLogger("mink.commands")


class Retry:
    """Retry transient failures up to `max_attempts` runs in all.

    The wait before attempt n+1 is drawn uniformly from 0 to
    `min(max_delay, base_delay * 2 ** (n - 1))` seconds ("full jitter"), so that writers that
    collided do not collide again in step. `retry_on` adds exception types of your own.
    """

    def __init__(
        self,
        *,
        max_attempts: int = 3,
        base_delay: float = 0.01,
        max_delay: float = 1.0,
        retry_on: tuple[type[BaseException], ...] = (),
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ConfigurationError(f"max_attempts must be 1 or more, got {max_attempts!r}")
        if base_delay < 0 or max_delay < 0:
            raise ConfigurationError("retry delays cannot be negative")
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.retry_on = retry_on

    def is_transient(self, error: BaseException, context: CommandContext) -> bool:
        """Whether running the handler again may succeed where it just failed."""
        if isinstance(error, StoreUnavailableError | TransactionConflictError):
            return True
        if isinstance(error, ConcurrencyError):
            return context.registration.retry_on_conflict
        return isinstance(error, self.retry_on)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the failed attempt number `attempt` (1 for the first)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        while True:
            try:
                return await call_next(command, context)
            except Exception as error:
                attempt = context.attempt
                if attempt >= self.max_attempts or not self.is_transient(error, context):
                    raise
                wait = self.delay(attempt)
                log.info(
                    "retrying command %s after %s (attempt %d of %d) in %.1f ms",
                    context.command_type,
                    type(error).__name__,
                    attempt + 1,
                    self.max_attempts,
                    wait * 1000,
                    extra={
                        "command": context.command_type,
                        "command_id": context.command_id,
                        "attempts": attempt,
                        "error": f"{type(error).__name__}: {error}",
                    },
                )
                await asyncio.sleep(wait)
                context.attempt = attempt + 1

    def __repr__(self) -> str:
        return (
            f"Retry(max_attempts={self.max_attempts}, base_delay={self.base_delay}, "
            f"max_delay={self.max_delay})"
        )
