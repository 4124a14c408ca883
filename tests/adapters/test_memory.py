"""The memory backend against the shared contracts."""

from __future__ import annotations

from typing import Any

import pytest

from mink_runtime import (
    InMemoryEventStore,
    InMemoryIdempotencyStore,
    InMemoryProjectionStore,
    InMemorySnapshotStore,
)
from mink_runtime.ports import EventStore
from mink_runtime.testing import (
    EventStoreContract,
    IdempotencyStoreContract,
    ProjectionStoreContract,
    SnapshotStoreContract,
    StoreFactory,
)


async def _make(share_with: InMemoryEventStore | None = None, **options: Any) -> EventStore:
    store = InMemoryEventStore(**options)
    if share_with is not None:
        store._memory = share_with._memory
    return store


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    async def make_store(self) -> StoreFactory:
        return _make


class TestInMemorySnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshot_store(self) -> InMemorySnapshotStore:
        return InMemorySnapshotStore()

    @pytest.fixture
    def tenant_snapshot_store(self, snapshot_store: InMemorySnapshotStore) -> InMemorySnapshotStore:
        return snapshot_store.for_tenant("acme")


class TestInMemoryIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    async def make_store(self) -> StoreFactory:
        return _make

    @pytest.fixture
    def idempotency_store_of(self) -> type[InMemoryIdempotencyStore]:
        return InMemoryIdempotencyStore


class TestInMemoryProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    async def make_store(self) -> StoreFactory:
        return _make

    @pytest.fixture
    def projection_store_of(self) -> type[InMemoryProjectionStore]:
        return InMemoryProjectionStore
