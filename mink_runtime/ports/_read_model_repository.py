"""The `ReadModelRepository` port: typed read models (dataclasses) by id, and queries over them."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from mink_runtime.domain import ModelSchema, Page, Query

__all__ = ["ReadModelRepository"]

M = TypeVar("M")


class ReadModelRepository(Protocol[M]):
    """Stores models of one dataclass, one per id, and finds them with `Query`.

    Writes join the transaction open on the same backend (`store.transaction()`), so a
    projection's read-model changes commit with its checkpoint; backends without transactions
    (Redis) write at once.
    """

    @property
    def schema(self) -> ModelSchema[M]:
        """The model class as stored (its fields, kinds and id field)."""
        ...

    async def get(self, model_id: Any) -> M | None:
        """The model with this id, or None.

        Raises:
            QueryError: the id is not of the id field's type.
        """
        ...

    async def find(self, query: Query | None = None) -> list[M]:
        """The models `query` finds (all of them, ordered by id, without one).

        Raises:
            QueryError: the query does not fit the model.
        """
        ...

    async def page(self, query: Query) -> Page[M]:
        """One page of `query` (which needs a limit), and the cursor of the next page: pass it
        to `query.after(...)` for the next one.

        Raises:
            QueryError: the query has no limit, or does not fit the model.
        """
        ...

    async def count(self, query: Query | None = None) -> int:
        """How many models pass the query's filter (its ordering, limit, offset and cursor do
        not matter).

        Raises:
            QueryError: the query does not fit the model.
        """
        ...

    async def insert(self, model: M) -> None:
        """Store a new model.

        Raises:
            DuplicateModelError: a model with its id is stored already.
            SerializationError: a value does not fit its field.
        """
        ...

    async def upsert(self, model: M) -> None:
        """Store a model, replacing the one with the same id if there is one.

        Raises:
            SerializationError: a value does not fit its field.
        """
        ...

    async def update(self, model_id: Any, **changes: Any) -> M:
        """Change some fields of a stored model, in one step; returns the model as stored now.

        Raises:
            ModelNotFoundError: no model has this id.
            QueryError: a change names an unknown field, or the id field.
            SerializationError: a value does not fit its field.
        """
        ...

    async def delete(self, model_id: Any) -> bool:
        """Remove the model with this id; whether there was one.

        Raises:
            QueryError: the id is not of the id field's type.
        """
        ...

    async def clear(self) -> None:
        """Remove every model of this repository (for rebuilds and tests)."""
        ...
