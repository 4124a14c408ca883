"""How a dispatch ended, in one word, for logs and metrics."""

from __future__ import annotations

import asyncio

from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import (
    CommandTimeoutError,
    ConcurrencyError,
    IdempotencyConflictError,
    ValidationError,
)

__all__ = ["outcome_of", "outcome_of_error"]


def outcome_of(result: CommandResult) -> str:
    """`ok`, or `replayed` for a result an idempotency key returned."""
    return "replayed" if result.replayed else "ok"


def outcome_of_error(error: BaseException) -> str:
    """`rejected` (invalid, or a reused idempotency key), `conflict`, `timeout`, `cancelled`
    or `failed`."""
    if isinstance(error, ValidationError | IdempotencyConflictError):
        return "rejected"
    if isinstance(error, ConcurrencyError):
        return "conflict"
    if isinstance(error, CommandTimeoutError):
        return "timeout"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return "failed"
