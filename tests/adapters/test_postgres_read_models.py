"""The PostgreSQL read-model repository against the shared contracts, and what only it has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mink_runtime.adapters.postgres import PostgresEventStore, PostgresReadModelRepository
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import (
    JoinedFactory,
    ReadModelRepositoryContract,
    ReadModelTransactionContract,
    RepositoryFactory,
    contract_registry,
)
from mink_runtime.testing._contract_models import OrderSummary

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(postgres_url: str, clean_postgres: str) -> AsyncIterator[PostgresEventStore]:
    """A store over the session schema, with room for concurrent tests."""
    async with await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry, max_size=12
    ) as opened:
        yield opened


async def fresh(
    store: PostgresEventStore, schema: str, model: type[Any], id_field: str = "id"
) -> PostgresReadModelRepository[Any]:
    """An empty repository whose table lives in the session's schema."""
    repository = PostgresReadModelRepository(store, model, schema=schema, id_field=id_field)
    await repository.create_table()
    await repository.clear()
    return repository


class TestPostgresReadModelRepository(ReadModelRepositoryContract):
    @pytest.fixture
    def make_repository(self, store: PostgresEventStore, clean_postgres: str) -> RepositoryFactory:
        async def make(model: type[Any], *, id_field: str = "id") -> ReadModelRepository[Any]:
            return await fresh(store, clean_postgres, model, id_field)

        return make


class TestPostgresReadModelTransactions(ReadModelTransactionContract):
    @pytest.fixture
    def joined(self, store: PostgresEventStore, clean_postgres: str) -> JoinedFactory:
        async def make() -> tuple[EventStore, ReadModelRepository[OrderSummary]]:
            return store, await fresh(store, clean_postgres, OrderSummary)

        return make
