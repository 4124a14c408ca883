"""`InMemoryReadModelRepository`: read models in a dict, queried by the in-Python evaluator.

Models are kept as the same JSON document the Redis backend stores (datetimes as UTC text,
decimals as text, JSON fields as primitives) and rebuilt on every read, so a model that passes
here round-trips through the database backends too, and a caller mutating a model it got back
changes nothing stored.

Given the `InMemoryEventStore` whose transactions it should join, writes made inside
`store.transaction()` are staged and applied when (and only if) the transaction commits; reads
inside the block see them, reads elsewhere do not.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import orjson

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters.memory._event_store import InMemoryEventStore, InMemoryTransaction
from mink_runtime.domain import (
    ModelSchema,
    Page,
    Query,
    count_matching,
    describe_model,
    plan_query,
    run_plan,
)
from mink_runtime.errors import DuplicateModelError, ModelNotFoundError, SerializationError

__all__ = ["InMemoryReadModelRepository"]

M = TypeVar("M")
Row = bytes  # the model's row form as JSON


class _Staged:
    """The writes of one transaction, applied on its commit."""

    def __init__(self) -> None:
        self.cleared = False
        self.rows: dict[Any, Row | None] = {}  # None: deleted


class InMemoryReadModelRepository(Generic[M]):
    """Read models of one dataclass in process memory. Public API: for tests and examples.

    Pass `store` to join the transactions of that in-memory event store.
    """

    def __init__(
        self,
        model: type[M],
        *,
        id_field: str = "id",
        store: InMemoryEventStore | None = None,
    ) -> None:
        """Raises:
        ConfigurationError: `model` is not a read-model dataclass.
        """
        self._schema = describe_model(model, id_field=id_field)
        self._rows: dict[Any, Row] = {}
        self._backend = store._memory if store is not None else None
        self._staged: weakref.WeakKeyDictionary[InMemoryTransaction, _Staged] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def schema(self) -> ModelSchema[M]:
        return self._schema

    # --- reading -------------------------------------------------------------------------

    async def get(self, model_id: Any) -> M | None:
        row = self._visible().get(self._schema.key(model_id))
        return None if row is None else self._schema.from_row(orjson.loads(row))

    async def find(self, query: Query | None = None) -> list[M]:
        plan = plan_query(query, self._schema)
        return run_plan(plan, self._models())

    async def page(self, query: Query) -> Page[M]:
        plan = plan_query(query, self._schema, paging=True)
        assert plan.limit is not None
        return plan.page(run_plan(dataclasses.replace(plan, limit=plan.limit + 1), self._models()))

    async def count(self, query: Query | None = None) -> int:
        plan = plan_query(query, self._schema)
        return count_matching(plan, self._models())

    def _models(self) -> list[M]:
        from_row, loads = self._schema.from_row, orjson.loads
        return [from_row(loads(row)) for row in self._visible().values()]

    # --- writing -------------------------------------------------------------------------

    async def insert(self, model: M) -> None:
        values = self._schema.values(model)
        model_id = values[self._schema.id.name]
        if model_id in self._visible():
            raise DuplicateModelError(self._schema.name, model_id)
        self._write(model_id, self._dump(values))

    async def upsert(self, model: M) -> None:
        values = self._schema.values(model)
        self._write(values[self._schema.id.name], self._dump(values))

    async def update(self, model_id: Any, **changes: Any) -> M:
        schema = self._schema
        key = schema.key(model_id)
        checked = schema.changes(changes)
        row = self._visible().get(key)
        if row is None:
            raise ModelNotFoundError(schema.name, key)
        current = schema.from_row(orjson.loads(row))
        updated = dataclasses.replace(current, **checked)  # type: ignore[type-var]
        stored = self._dump(schema.values(updated))
        self._write(key, stored)
        return schema.from_row(orjson.loads(stored))

    def _dump(self, values: dict[str, Any]) -> Row:
        try:
            return orjson.dumps(self._schema.to_row(values))
        except TypeError as error:
            raise SerializationError(
                f"a {self._schema.name} has a value with no JSON form: {error}"
            ) from error

    async def delete(self, model_id: Any) -> bool:
        key = self._schema.key(model_id)
        if key not in self._visible():
            return False
        self._write(key, None)
        return True

    async def clear(self) -> None:
        staged = self._transaction()
        if staged is None:
            self._rows.clear()
            return
        staged.cleared = True
        staged.rows.clear()

    # --- the transaction -----------------------------------------------------------------

    def _transaction(self) -> _Staged | None:
        if self._backend is None:
            return None
        transaction: InMemoryTransaction | None = ambient(self._backend)
        if transaction is None:
            return None
        staged = self._staged.get(transaction)
        if staged is None:
            staged = self._staged[transaction] = _Staged()
            transaction.on_commit(lambda: self._apply(staged))
        return staged

    def _visible(self) -> Mapping[Any, Row]:
        staged = self._transaction()
        if staged is None:
            return self._rows
        rows = {} if staged.cleared else dict(self._rows)
        for key, row in staged.rows.items():
            if row is None:
                rows.pop(key, None)
            else:
                rows[key] = row
        return rows

    def _write(self, key: Any, row: Row | None) -> None:
        staged = self._transaction()
        if staged is not None:
            staged.rows[key] = row
        elif row is None:
            self._rows.pop(key, None)
        else:
            self._rows[key] = row

    def _apply(self, staged: _Staged) -> None:
        if staged.cleared:
            self._rows.clear()
        for key, row in staged.rows.items():
            if row is None:
                self._rows.pop(key, None)
            else:
                self._rows[key] = row
