"""`ReadModelTransactionContract`: read-model writes join the event store's transaction.

Subclass it for a backend whose repositories join `store.transaction()`, with a `joined`
fixture: an async factory returning `(store, repository)`, an event store using
`contract_registry` and an empty `OrderSummary` repository over the same backend::

    class TestMyJoins(ReadModelTransactionContract):
        @pytest.fixture
        def joined(self):
            async def make():
                store = MyEventStore(registry=contract_registry)
                return store, MyReadModelRepository(store, OrderSummary)

            return make

This is how a projection writes its read model and its checkpoint exactly once: both in one
transaction, committed together or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mink_runtime.errors import DuplicateModelError, StreamNotFoundError
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing._contract_events import ItemAdded
from mink_runtime.testing._contract_models import OrderSummary, Status, order

__all__ = ["JoinedFactory", "ReadModelTransactionContract"]

Orders = ReadModelRepository[OrderSummary]
JoinedFactory = Callable[[], Awaitable[tuple[EventStore, Orders]]]


class RollBackError(Exception):
    """Raised inside a transaction block to roll it back."""


class ReadModelTransactionContract:
    """Writes inside `store.transaction()` commit or roll back with the block's appends."""

    @pytest.fixture
    def joined(self) -> JoinedFactory:
        raise NotImplementedError("subclasses provide a joined fixture")

    @pytest.fixture
    async def pair(self, joined: JoinedFactory) -> tuple[EventStore, Orders]:
        return await joined()

    async def test_writes_in_a_transaction_commit_with_its_appends(
        self, pair: tuple[EventStore, Orders]
    ) -> None:
        """An upsert and an append in one block are both there after it."""
        store, orders = pair
        async with store.transaction() as tx:
            await tx.append("order-1", [ItemAdded("sku-1")])
            await orders.upsert(order("o1"))
        assert await orders.get("o1") == order("o1")
        assert len(await store.read_stream("order-1")) == 1

    async def test_an_exception_rolls_back_writes_and_appends_together(
        self, pair: tuple[EventStore, Orders]
    ) -> None:
        """Every kind of write of a failed block is undone, with its append."""
        store, orders = pair
        await orders.insert(order("kept", items=1))
        await orders.insert(order("gone", items=2))
        with pytest.raises(RollBackError):
            async with store.transaction() as tx:
                await orders.upsert(order("o1"))
                await orders.insert(order("o2"))
                await orders.update("kept", items=99)
                await orders.delete("gone")
                await tx.append("order-1", [ItemAdded("sku-1")])
                raise RollBackError
        assert await orders.get("o1") is None
        assert await orders.get("o2") is None
        assert await orders.get("kept") == order("kept", items=1)
        assert await orders.get("gone") == order("gone", items=2)
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")

    async def test_a_cleared_repository_comes_back_when_the_block_fails(
        self, pair: tuple[EventStore, Orders]
    ) -> None:
        """clear() inside a failed block is undone too."""
        store, orders = pair
        await orders.insert(order("o1"))
        with pytest.raises(RollBackError):
            async with store.transaction():
                await orders.clear()
                assert await orders.count() == 0
                raise RollBackError
        assert await orders.count() == 1

    async def test_the_block_reads_its_own_writes(self, pair: tuple[EventStore, Orders]) -> None:
        """Inside the block, get, find and count see what the block wrote: a projection can
        handle two events of one model in one transaction."""
        store, orders = pair
        await orders.insert(order("o1"))
        async with store.transaction() as tx:
            await tx.append("order-1", [ItemAdded("sku-1")])
            await orders.upsert(order("o2"))
            await orders.update("o1", status=Status.PAID)
            await orders.delete("o2")
            await orders.insert(order("o3"))
            assert await orders.get("o2") is None
            stored = await orders.get("o1")
            assert stored is not None
            assert stored.status is Status.PAID
            assert [m.id for m in await orders.find()] == ["o1", "o3"]
            assert await orders.count() == 2

    async def test_other_tasks_see_the_writes_only_after_the_commit(
        self, pair: tuple[EventStore, Orders]
    ) -> None:
        """Until the block commits, readers outside it see the state before it."""
        store, orders = pair
        await orders.insert(order("o1", items=1))
        inside = asyncio.Event()
        release = asyncio.Event()

        async def write() -> None:
            async with store.transaction() as tx:
                await tx.append("order-1", [ItemAdded("sku-1")])
                await orders.upsert(order("o2"))
                await orders.update("o1", items=5)
                inside.set()
                await release.wait()

        async def read() -> tuple[Any, ...]:
            return await orders.get("o1"), await orders.get("o2"), await orders.count()

        writer = asyncio.ensure_future(write())
        await inside.wait()
        before = await asyncio.ensure_future(read())
        release.set()
        await writer
        assert before == (order("o1", items=1), None, 1)
        assert await read() == (order("o1", items=5), order("o2"), 2)

    async def test_a_refused_insert_leaves_the_transaction_usable(
        self, pair: tuple[EventStore, Orders]
    ) -> None:
        """A duplicate insert caught inside the block does not spoil the rest of it."""
        store, orders = pair
        await orders.insert(order("o1"))
        async with store.transaction() as tx:
            with pytest.raises(DuplicateModelError):
                await orders.insert(order("o1", items=7))
            await orders.upsert(order("o2"))
            await tx.append("order-1", [ItemAdded("sku-1")])
        assert await orders.get("o1") == order("o1")
        assert await orders.get("o2") == order("o2")
        assert len(await store.read_stream("order-1")) == 1
