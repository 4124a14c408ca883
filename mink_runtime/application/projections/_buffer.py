"""`BufferedRepository`: a projection's read-model writes held back until the end of its batch.

A projection that upserts one row per event pays one database round trip per event. Wrapped
with `self.buffered(repository)`, its writes are kept in memory (the last write of each id
wins) and written when the engine flushes the batch, inside the batch's transaction and before
its checkpoint: with one statement for all of them when the repository has `upsert_many`
(PostgreSQL). Reads by id see the buffered writes; queries flush first. A batch that fails
discards its buffer along with its transaction.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

from mink_runtime.domain import ModelSchema, Page, Query
from mink_runtime.errors import ModelNotFoundError
from mink_runtime.ports import ReadModelRepository

__all__ = ["BufferedRepository"]

M = TypeVar("M")

_DELETED: Any = object()


class BufferedRepository(Generic[M]):
    """A `ReadModelRepository` whose writes wait for `flush()`; see the module docstring."""

    def __init__(self, repository: ReadModelRepository[M]) -> None:
        self.repository = repository
        """The repository written to on flush."""
        self._pending: dict[Any, Any] = {}
        self._id = repository.schema.id.name

    @property
    def schema(self) -> ModelSchema[M]:
        return self.repository.schema

    @property
    def pending(self) -> int:
        """How many rows wait for the next flush."""
        return len(self._pending)

    # --- the batch -----------------------------------------------------------------------

    async def flush(self) -> None:
        """Write the buffered changes (in the transaction open around the call)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        upserts = [model for model in pending.values() if model is not _DELETED]
        many = getattr(self.repository, "upsert_many", None)
        if many is not None and len(upserts) > 1:
            await many(upserts)
        else:
            for model in upserts:
                await self.repository.upsert(model)
        for model_id, model in pending.items():
            if model is _DELETED:
                await self.repository.delete(model_id)

    def discard(self) -> None:
        """Forget the buffered changes (their batch rolled back)."""
        self._pending.clear()

    # --- reading -------------------------------------------------------------------------

    async def get(self, model_id: Any) -> M | None:
        key = self.schema.key(model_id)
        if key in self._pending:
            found = self._pending[key]
            return None if found is _DELETED else found
        return await self.repository.get(model_id)

    async def find(self, query: Query | None = None) -> list[M]:
        await self.flush()
        return await self.repository.find(query)

    async def page(self, query: Query) -> Page[M]:
        await self.flush()
        return await self.repository.page(query)

    async def count(self, query: Query | None = None) -> int:
        await self.flush()
        return await self.repository.count(query)

    # --- writing -------------------------------------------------------------------------

    async def insert(self, model: M) -> None:
        await self.flush()
        await self.repository.insert(model)

    async def upsert(self, model: M) -> None:
        # Values are checked when the batch is flushed: a bad one fails the batch, which the
        # engine then replays event by event, flushing each, to find the culprit.
        self._pending[getattr(model, self._id)] = model

    async def update(self, model_id: Any, **changes: Any) -> M:
        key = self.schema.key(model_id)
        checked = self.schema.changes(changes)
        current = await self.get(key)
        if current is None:
            raise ModelNotFoundError(self.schema.name, key)
        updated: M = dataclasses.replace(current, **checked)  # type: ignore[type-var]
        await self.upsert(updated)
        return updated

    async def delete(self, model_id: Any) -> bool:
        key = self.schema.key(model_id)
        existed = await self.get(key) is not None
        self._pending[key] = _DELETED
        return existed

    async def clear(self) -> None:
        self._pending.clear()
        await self.repository.clear()
