"""`InMemoryIdempotencyStore`: idempotency keys in process memory, beside an in-memory event store.

Records live with the event store's memory (every tenant view and every idempotency store over
it share them). A claim is staged in the open `InMemoryTransaction` and applied by its commit
(`on_commit`), so a command's events and its key appear together; the transaction holds the
store's lock, so claimers of the same key take turns and the second finds the first's result.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._idempotency import (
    already_claimed,
    check_batch_size,
    check_ttl,
    json_copy,
    not_claimed,
    outside_transaction,
)
from mink_runtime.adapters.memory._event_store import InMemoryEventStore, InMemoryTransaction
from mink_runtime.domain import IdempotencyRecord

__all__ = ["InMemoryIdempotencyStore"]

Key = tuple[str, str]  # (tenant id, key)

_NO_RESULT: Mapping[str, Any] = MappingProxyType({})
_records: weakref.WeakKeyDictionary[object, dict[Key, IdempotencyRecord]] = (
    weakref.WeakKeyDictionary()
)
_staged: weakref.WeakKeyDictionary[InMemoryTransaction, dict[Key, _Claim]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(slots=True)
class _Claim:
    record: IdempotencyRecord
    completed: bool = False


class InMemoryIdempotencyStore:
    """Idempotency keys beside an `InMemoryEventStore` (and for its tenant)."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._memory = store._memory
        self.tenant_id = store.tenant_id
        self._records = _records.setdefault(self._memory, {})

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """The event store's transaction; claims and appends inside it commit together."""
        return self._store.transaction()

    async def claim(
        self, key: str, *, command_type: str, fingerprint: str, ttl: timedelta
    ) -> IdempotencyRecord | None:
        check_ttl(ttl)
        staged = self._staged_in(self._open_transaction("claim"))
        slot = (self.tenant_id, key)
        now = datetime.now(UTC)
        if slot in staged:
            raise already_claimed(key)
        known = self._records.get(slot)
        if known is not None and known.expires_at > now:
            return known
        staged[slot] = _Claim(
            IdempotencyRecord(
                key=key,
                command_type=command_type,
                fingerprint=fingerprint,
                result=_NO_RESULT,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return None

    async def complete(self, key: str, result: Mapping[str, Any]) -> None:
        staged = self._staged_in(self._open_transaction("complete"))
        claim = staged.get((self.tenant_id, key))
        if claim is None:
            raise not_claimed(key)
        claim.record = replace(claim.record, result=json_copy(result))
        claim.completed = True

    async def get(self, key: str) -> IdempotencyRecord | None:
        record = self._records.get((self.tenant_id, key))
        if record is None or record.expires_at <= datetime.now(UTC):
            return None
        return record

    async def cleanup(self, *, batch_size: int = 10_000) -> int:
        check_batch_size(batch_size)
        now = datetime.now(UTC)
        expired = [slot for slot, record in self._records.items() if record.expires_at <= now]
        for slot in expired:
            del self._records[slot]
        return len(expired)

    def _open_transaction(self, operation: str) -> InMemoryTransaction:
        transaction: InMemoryTransaction | None = ambient(self._memory)
        if transaction is None:
            raise outside_transaction(operation)
        return transaction

    def _staged_in(self, transaction: InMemoryTransaction) -> dict[Key, _Claim]:
        staged = _staged.get(transaction)
        if staged is None:
            staged = _staged[transaction] = {}
            records = self._records

            def commit() -> None:
                for slot, claim in staged.items():
                    records[slot] = claim.record

            transaction.on_commit(commit)
        return staged
