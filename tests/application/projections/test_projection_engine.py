"""The projection engine on every backend: exactly once, errors, control, rebuilds, versions."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Backend
from projection_shop import OrderRow, Orders, Paid, Placed, SkippingOrders, Totals

from mink_runtime import (
    Checkpoint,
    ConfigurationError,
    Projection,
    ProjectionEngine,
    ProjectionFailedError,
    ProjectionStatus,
    ProjectionTimeoutError,
    handles,
    live,
    projection_store_for,
)
from mink_runtime.testing._event_store_contract import log_readable


class Unregistered:
    pass


class HandlesUnregistered(Projection):
    @handles
    async def on(self, event: Unregistered) -> None: ...


FAST = {"poll_interval": 0.05, "lease_wait": 0.05, "retry_delay": 0.001}


async def place(backend: Backend, count: int, *, prefix: str = "o") -> None:
    for i in range(1, count + 1):
        await backend.store.append(f"order-{prefix}{i}", [Placed(f"{prefix}{i}", i)])


async def test_catch_up_applies_each_event_exactly_once(backend: Backend) -> None:
    """Caught up twice, every event took effect once, and the checkpoint is at the head."""
    rows = await backend.rows()
    engine = ProjectionEngine(backend.store, [Orders(rows)], **FAST)
    await place(backend, 120)
    await backend.store.append("order-o7", [Paid("o7")])
    await log_readable(backend.store)
    await engine.catch_up()
    await log_readable(backend.store)
    await engine.catch_up()
    assert await rows.count() == 120
    assert await rows.get("o7") == OrderRow("o7", 7, paid=True, events=2, last_position=121)
    [report] = await engine.status()
    assert report.checkpoint >= await backend.store.head()
    assert (report.lag, report.status, report.active) == (0, ProjectionStatus.STOPPED, True)


async def test_a_handler_error_stops_the_projection_and_keeps_its_checkpoint(
    backend: Backend,
) -> None:
    """OnError.STOP: the event is retried, dead-lettered, the projection FAULTED before it;
    resuming after the fix applies it and everything after, once."""
    rows = await backend.rows()
    orders = Orders(rows)
    orders.fail_on = {"o2"}
    engine = ProjectionEngine(backend.store, [orders], **FAST)
    await place(backend, 3)
    with pytest.raises(ProjectionFailedError, match="cannot project o2"):
        await log_readable(backend.store)
        await engine.catch_up()
    assert orders.failures == Orders.retries + 1  # the batch, then the event alone
    assert [r.id for r in await rows.find()] == ["o1"]
    [report] = await engine.status()
    assert report.status is ProjectionStatus.FAULTED
    assert report.last_error == "RuntimeError: cannot project o2"
    assert report.lag == 2
    [letter] = await engine.projection_store.dead_letters("orders")
    assert (letter.stream_id, letter.event_type, letter.attempts) == ("order-o2", "shop.Placed", 3)

    orders.fail_on.clear()
    await engine.resume("orders")
    await log_readable(backend.store)
    await engine.catch_up()
    assert [(r.id, r.events) for r in await rows.find()] == [("o1", 1), ("o2", 1), ("o3", 1)]


async def test_a_failing_read_model_write_rolls_back_with_the_checkpoint(backend: Backend) -> None:
    """A handler that wrote and then failed leaves neither its write nor a moved checkpoint."""
    rows = await backend.rows()

    class HalfWay(Orders):
        name = "half_way"

        async def placed(self, event: Placed, recorded: object) -> None:  # type: ignore[override]
            await self.rows.upsert(OrderRow(event.order_id, event.amount))
            self._maybe_fail(event.order_id)

    projection = HalfWay(rows)
    projection.fail_on = {"o2"}
    engine = ProjectionEngine(backend.store, [projection], **FAST)
    await place(backend, 2)
    with pytest.raises(ProjectionFailedError):
        await log_readable(backend.store)
        await engine.catch_up()
    assert [r.id for r in await rows.find()] == ["o1"]
    [report] = await engine.status()
    assert report.checkpoint < await backend.store.head()


async def test_skip_dead_letters_the_event_and_goes_on(backend: Backend) -> None:
    """OnError.SKIP: the poison event is recorded and passed; the rest is applied."""
    rows = await backend.rows()
    orders = SkippingOrders(rows)
    orders.fail_on = {"o2"}
    engine = ProjectionEngine(backend.store, [orders], **FAST)
    await place(backend, 3)
    await log_readable(backend.store)
    await engine.catch_up()
    assert [r.id for r in await rows.find()] == ["o1", "o3"]
    [letter] = await engine.projection_store.dead_letters("skipping_orders")
    assert (letter.stream_id, letter.attempts) == ("order-o2", 2)
    [report] = await engine.status("skipping_orders")
    assert report.lag == 0
    assert report.status is ProjectionStatus.STOPPED


async def test_a_running_engine_follows_new_events_and_wait_for_reads_your_writes(
    backend: Backend,
) -> None:
    """Catch-up then live: appends made while it runs are applied; wait_for returns once."""
    rows = await backend.rows()
    engine = ProjectionEngine(backend.store, [Orders(rows)], **FAST)
    await place(backend, 30, prefix="a")
    async with engine.running():
        for i in range(20):
            result = await backend.store.append(f"order-b{i}", [Placed(f"b{i}", i)])
        await engine.wait_for(result)
        assert await rows.get("b19") is not None
        result = await backend.store.append("order-b3", [Paid("b3")])
        await engine.wait_for(result, names=["orders"])
        assert (await rows.get("b3")).paid  # type: ignore[union-attr]
        [report] = await engine.status()
        assert report.status is ProjectionStatus.RUNNING
    assert await rows.count() == 50


async def test_wait_for_names_the_projections_behind(backend: Backend) -> None:
    """With no worker running, wait_for times out saying which projection is behind."""
    engine = ProjectionEngine(backend.store, [Orders(await backend.rows())], **FAST)
    result = await backend.store.append("order-x", [Placed("x", 1)])
    with pytest.raises(ProjectionTimeoutError, match="orders") as caught:
        await engine.wait_for(result, timeout=0.1)
    assert caught.value.behind == ("orders",)


async def test_pause_from_another_engine_holds_the_worker_until_resumed(backend: Backend) -> None:
    """The switch is in the projection store: a worker obeys another engine's pause."""
    rows = await backend.rows()
    engine = ProjectionEngine(backend.store, [Orders(rows)], **FAST)
    operator = ProjectionEngine(await backend.another(), **FAST)
    async with engine.running():
        await engine.wait_for(await backend.store.append("order-p1", [Placed("p1", 1)]))
        await operator.pause("orders")
        await _until(operator, lambda r: r.status is ProjectionStatus.PAUSED)
        result = await backend.store.append("order-p2", [Placed("p2", 2)])
        await asyncio.sleep(0.2)
        assert await rows.get("p2") is None
        [report] = await operator.status()
        assert report.paused
        assert report.lag == 1
        await operator.resume("orders")
        await engine.wait_for(result)
        assert await rows.get("p2") is not None


async def test_rebuild_replays_from_the_start_with_progress(backend: Backend) -> None:
    """Rebuild in place clears the read model, resets the checkpoint and replays, reporting."""
    rows = await backend.rows()
    engine = ProjectionEngine(backend.store, [Orders(rows)], **FAST)
    await place(backend, 120)
    await log_readable(backend.store)
    await engine.catch_up()
    await rows.update("o1", amount=999)
    await rows.delete("o2")
    seen: list[tuple[int, int]] = []
    await engine.rebuild("orders", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 120)
    assert seen[-1] == (120, 120)
    assert len(seen) >= 3  # batches of 50
    assert (await rows.get("o1")).amount == 1  # type: ignore[union-attr]
    assert await rows.count() == 120
    [report] = await engine.status()
    assert (report.status, report.lag) == (ProjectionStatus.STOPPED, 0)


async def test_rebuild_while_running_pauses_the_worker_and_lets_it_go_on(backend: Backend) -> None:
    """A running worker lets go of its lease for the rebuild, then follows on from its end."""
    rows = await backend.rows()
    engine = ProjectionEngine(backend.store, [Orders(rows)], **FAST)
    operator = ProjectionEngine(await backend.another(), [Orders(rows)], **FAST)
    await place(backend, 60)
    async with engine.running():
        await engine.wait_for(await backend.store.head())
        await operator.rebuild("orders", wait=10)
        result = await backend.store.append("order-late", [Placed("late", 1)])
        await engine.wait_for(result)
        assert await rows.count() == 61
        [report] = await operator.status()
        assert not report.paused


async def test_blue_green_builds_the_new_version_beside_the_old_and_switches(
    backend: Backend,
) -> None:
    """Version 2 is built from the start while version 1 serves; once caught up, readers
    switch to it; version 1 is retired afterwards."""
    old_rows = await backend.rows()
    new_rows = await backend.rows("orders_v2")

    class OrdersV2(Orders):
        name = "orders"
        version = 2

    v1, v2 = Orders(old_rows), OrdersV2(new_rows)
    await place(backend, 80)
    first = ProjectionEngine(backend.store, [v1], **FAST)
    await log_readable(backend.store)
    await first.catch_up()
    assert await first.active("orders") is v1

    engine = ProjectionEngine(backend.store, [Orders(old_rows), v2], **FAST)
    async with engine.running():
        result = await backend.store.append("order-new", [Placed("new", 5)])
        await engine.wait_for(result)
        await _until(engine, lambda r: r.version == 2 and r.active)
        assert await engine.active("orders") is v2
        assert await old_rows.get("new") is not None  # the old version kept serving
        assert await new_rows.count() == 81
    await engine.retire("orders", version=1)
    assert [(r.version, r.active) for r in await engine.status("orders")] == [(2, True)]
    with pytest.raises(ConfigurationError, match="readers use"):
        await engine.retire("orders", version=2)


async def test_partitions_split_the_streams_over_workers(backend: Backend) -> None:
    """With partitions=3 each partition applies its streams; together, all of them."""
    rows = await backend.rows()

    class Split(Orders):
        name = "split"
        partitions = 3

    engine = ProjectionEngine(backend.store, [Split(rows)], **FAST)
    await place(backend, 40)
    async with engine.running():
        await engine.wait_for(await backend.store.head())
    assert await rows.count() == 40
    reports = await engine.status("split")
    assert [r.partition for r in reports] == [0, 1, 2]
    head = await backend.store.head()
    assert all(r.checkpoint >= head and r.lag == 0 for r in reports)


async def test_status_works_from_the_stores_alone(backend: Backend) -> None:
    """An engine without projection objects lists what the projection store holds."""
    engine = ProjectionEngine(backend.store, [Orders(await backend.rows())], **FAST)
    await place(backend, 3)
    await log_readable(backend.store)
    await engine.catch_up()
    await backend.store.append("note-1", [Placed("n", 1)])
    bare = ProjectionEngine(await backend.another())
    [report] = await bare.status()
    assert (report.name, report.version, report.partition, report.lag) == ("orders", 1, 0, 1)
    assert report.active


async def test_live_folds_a_stream_or_the_log_on_demand(backend: Backend) -> None:
    """A live projection is a fresh instance folded from the events, with no checkpoint."""
    await place(backend, 4)
    await backend.store.append("order-o2", [Placed("o2", 10)])
    await log_readable(backend.store)
    one = await live(backend.store, Totals, stream_id="order-o2")
    assert (one.total, one.count) == (12, 2)
    engine = ProjectionEngine(backend.store)
    await log_readable(backend.store)
    everything = await engine.live(Totals)
    assert (everything.total, everything.count) == (20, 5)
    await log_readable(backend.store)
    assert (await live(backend.store, Totals, stream_id="order-none")).count == 0
    assert await engine.projection_store.list() == []


async def test_inline_projections_commit_with_the_append(backend: Backend) -> None:
    """Inline: the read model is there when append returns, and a handler error undoes the
    append (also inside an outer transaction)."""
    rows = await backend.rows()
    orders = Orders(rows)
    orders.fail_on = {"bad"}
    engine = ProjectionEngine(backend.store, inline=[orders])
    store = engine.store
    result = await store.append("order-i1", [Placed("i1", 3)])
    assert await rows.get("i1") == OrderRow("i1", 3, last_position=result.positions[0])
    with pytest.raises(RuntimeError, match="cannot project bad"):
        await store.append("order-bad", [Placed("bad", 1)])
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.append("order-i2", [Placed("i2", 1)])
            await store.append("order-bad", [Placed("bad", 1)])
    assert [r.id for r in await rows.find()] == ["i1"]
    assert (await backend.store.read_all()).events[-1].stream_id == "order-i1"
    [report] = await engine.status()
    assert report.checkpoint == result.checkpoint
    again = await store.append(
        "order-i1", [Placed("i1", 3)], expected_version=1
    )  # a new event: applied
    assert (await rows.get("i1")).last_position == again.positions[0]  # type: ignore[union-attr]


async def test_unknown_event_classes_are_a_clear_error(backend: Backend) -> None:
    """A projection handling a class the store's registry lacks is refused up front."""
    with pytest.raises(ConfigurationError, match=r"Unregistered, which the store's event registry"):
        ProjectionEngine(backend.store, [HandlesUnregistered()])


async def test_the_default_projection_store_is_the_backends(backend: Backend) -> None:
    """projection_store_for gives the projection store of the store's backend."""
    store = projection_store_for(backend.store)
    assert (await store.get("x")).checkpoint == Checkpoint.START


async def _until(engine: ProjectionEngine, check: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if any(check(r) for r in await engine.status()):  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not reached: {await engine.status()}")
