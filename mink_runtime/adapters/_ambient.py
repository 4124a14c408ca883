"""The ambient transaction: inside `store.transaction()`, every append to the same backend joins it.

A command handler calls `repository.save(order)`; the idempotency middleware around it has
opened a transaction: the save must land in that transaction, or the idempotency record and the
events could commit apart. So each adapter's `transaction()` announces itself in a context
variable, keyed by the backend it belongs to (the pool, the database file, the memory), and the
adapter's `append` — also through another tenant's view of the same backend — joins it instead
of starting one of its own. A nested `transaction()` joins the outer one; the outer commits.

Tasks started inside the block inherit the context, and so join the transaction too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

__all__ = ["Joined", "ambient", "announce", "refuse_inside"]

_open: ContextVar[Mapping[int, tuple[object, Any]]] = ContextVar(
    "mink_transactions", default=MappingProxyType({})
)


def ambient(backend: object) -> Any | None:
    """The transaction open on `backend` in this context, or None."""
    found = _open.get().get(id(backend))
    return found[1] if found is not None and found[0] is backend else None


@contextmanager
def announce(backend: object, transaction: Any) -> Iterator[None]:
    """Make `transaction` the ambient one for `backend` inside the block (others stay)."""
    transactions = dict(_open.get())
    transactions[id(backend)] = (backend, transaction)
    token = _open.set(MappingProxyType(transactions))
    try:
        yield
    finally:
        _open.reset(token)


class Joined:
    """An open transaction as seen by another store (another tenant's view) of its backend:
    appends go into the transaction under that store's tenant and codec."""

    def __init__(self, transaction: Any, store: object) -> None:
        self._transaction = transaction
        self._store = store

    async def append(self, stream_id: str, events: Any, **options: Any) -> Any:
        return await self._transaction.append_as(self._store, stream_id, events, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transaction, name)


def refuse_inside(backend: object, operation: str) -> None:
    """Stream management does not join transactions: refuse it inside one, rather than wait
    for a lock the transaction itself holds.

    Raises:
        ConfigurationError: a transaction is open on `backend` in this context.
    """
    if ambient(backend) is not None:
        from mink_runtime.errors import ConfigurationError

        raise ConfigurationError(
            f"{operation} cannot run inside `store.transaction()`; do it before or after the block"
        )
