"""The `IdempotencyStore` port: keys of commands that ran, with their results, written in the
same transaction as the events the commands recorded."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any, Protocol

from mink_runtime.domain import IdempotencyRecord

__all__ = ["IdempotencyStore"]


class IdempotencyStore(Protocol):
    """Idempotency keys of one backend, scoped to its event store's tenant.

    It shares the backend of an event store (`InMemoryIdempotencyStore(store)`, …), so that
    inside `transaction()` a claim, the events the command appends and the stored result commit
    together or not at all. Exactly once: claim the key first; a concurrent claimer of the same
    key waits until the first transaction ends, then sees its result (or, if it rolled back,
    claims the key itself). Adapters pass `mink_runtime.testing.IdempotencyStoreContract`.
    """

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """A transaction of the event store this store shares its backend with."""
        ...

    async def claim(
        self, key: str, *, command_type: str, fingerprint: str, ttl: timedelta
    ) -> IdempotencyRecord | None:
        """Claim `key` for a command inside `transaction()`: None when this transaction now
        holds it (run the command, then `complete`), or the record of the command that ran
        under it before (a duplicate). An expired record is replaced by the new claim.

        Raises:
            ConfigurationError: no transaction of this store's backend is open here, or `ttl`
                is negative.
            StoreUnavailableError: the database could not be reached.
        """
        ...

    async def complete(self, key: str, result: Mapping[str, Any]) -> None:
        """Store the result (JSON-compatible) with the key this transaction claimed; it commits
        with the transaction.

        Raises:
            ConfigurationError: no transaction is open, or this transaction holds no claim on
                `key`.
            SerializationError: the result has no JSON form.
        """
        ...

    async def get(self, key: str) -> IdempotencyRecord | None:
        """The committed, unexpired record of `key`, or None."""
        ...

    async def cleanup(self, *, batch_size: int = 10_000) -> int:
        """Delete expired records (of every tenant), in batches; return how many were deleted."""
        ...
