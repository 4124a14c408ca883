"""Exponential backoff with jitter, for transient errors of the database."""

from __future__ import annotations

import random

from mink_runtime.errors import StoreUnavailableError, TransactionConflictError

__all__ = ["TRANSIENT", "backoff"]

TRANSIENT = (StoreUnavailableError, TransactionConflictError)
"""Errors that say "try again": the database was unreachable, or a transaction lost a race."""


def backoff(attempt: int, *, first: float, limit: float) -> float:
    """Seconds to wait before retry number `attempt` (1-based): doubling from `first` up to
    `limit`, each drawn at random from its upper half so that workers do not retry in step."""
    ceiling: float = min(limit, first * 2.0 ** max(attempt - 1, 0))
    return ceiling / 2 + random.random() * ceiling / 2
