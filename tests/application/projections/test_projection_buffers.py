"""Buffered read-model writes: held until the end of the batch, written with its checkpoint."""

from __future__ import annotations

import pytest
from conftest import Backend
from projection_shop import BufferedOrders, OrderRow, Paid, Placed

from mink_runtime import (
    InMemoryReadModelRepository,
    ModelNotFoundError,
    ProjectionEngine,
    ProjectionFailedError,
)
from mink_runtime.application.projections import BufferedRepository
from mink_runtime.testing._event_store_contract import log_readable


async def test_buffered_writes_commit_with_their_batch(backend: Backend) -> None:
    """A batch's writes land together; a failing event leaves those before it, once."""
    rows = await backend.rows()
    orders = BufferedOrders(rows)
    orders.fail_on = {"o7"}
    engine = ProjectionEngine(backend.store, [orders], retry_delay=0.001)
    for i in range(1, 11):
        await backend.store.append(f"order-o{i}", [Placed(f"o{i}", i)])
    await backend.store.append("order-o3", [Paid("o3")])
    await log_readable(backend.store)
    with pytest.raises(ProjectionFailedError):
        await engine.catch_up()
    assert [r.id for r in await rows.find()] == [f"o{i}" for i in range(1, 7)]
    orders.fail_on.clear()
    await engine.resume("buffered_orders")
    await engine.catch_up()
    assert await rows.count() == 10
    o3 = await rows.get("o3")
    assert o3 is not None
    assert (o3.paid, o3.events) == (True, 2)


async def test_a_buffer_reads_its_own_writes() -> None:
    """get sees buffered writes; queries flush first; delete and update work on the buffer."""
    inner = InMemoryReadModelRepository(OrderRow)
    await inner.upsert(OrderRow("a", 1))
    buffer = BufferedRepository(inner)
    await buffer.upsert(OrderRow("b", 2))
    assert await buffer.get("b") == OrderRow("b", 2)
    assert await inner.get("b") is None
    assert (await buffer.update("a", amount=5)).amount == 5
    assert await buffer.delete("b") is True
    assert await buffer.delete("zzz") is False
    with pytest.raises(ModelNotFoundError):
        await buffer.update("b", amount=1)
    assert buffer.pending == 3
    assert [r.id for r in await buffer.find()] == ["a"]  # flushed
    assert buffer.pending == 0
    assert await inner.get("a") == OrderRow("a", 5)
    await buffer.upsert(OrderRow("c", 3))
    buffer.discard()
    assert await buffer.count() == 1
