"""The in-memory read-model repository against the shared contracts."""

from __future__ import annotations

from typing import Any

import pytest

from mink_runtime import InMemoryEventStore
from mink_runtime.adapters.memory import InMemoryReadModelRepository
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import (
    JoinedFactory,
    OrderSummary,
    ReadModelRepositoryContract,
    ReadModelTransactionContract,
    RepositoryFactory,
    contract_registry,
)


class TestInMemoryReadModelRepository(ReadModelRepositoryContract):
    @pytest.fixture
    def make_repository(self) -> RepositoryFactory:
        async def make(model: type[Any], *, id_field: str = "id") -> ReadModelRepository[Any]:
            return InMemoryReadModelRepository(model, id_field=id_field)

        return make


class TestInMemoryReadModelTransactions(ReadModelTransactionContract):
    @pytest.fixture
    def joined(self) -> JoinedFactory:
        async def make() -> tuple[EventStore, ReadModelRepository[OrderSummary]]:
            store = InMemoryEventStore(registry=contract_registry)
            return store, InMemoryReadModelRepository(OrderSummary, store=store)

        return make
