"""Events, read models and projections the projection tests share."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mink_runtime import EventRegistry, OnError, Projection, RecordedEvent, handles
from mink_runtime.ports import ReadModelRepository

registry = EventRegistry()


@registry.event("shop.Placed")
@dataclass(frozen=True)
class Placed:
    order_id: str
    amount: int


@registry.event("shop.Paid")
@dataclass(frozen=True)
class Paid:
    order_id: str


@registry.event("shop.Noted")
@dataclass(frozen=True)
class Noted:
    text: str


@dataclass(frozen=True)
class OrderRow:
    id: str
    amount: int
    paid: bool = False
    events: int = 1
    last_position: int = 0


class Orders(Projection):
    """Upserts an OrderRow per order; counts the events applied to each row."""

    name = "orders"
    batch_size = 50

    def __init__(self, rows: ReadModelRepository[OrderRow]) -> None:
        self.rows = rows
        self.fail_on: set[str] = set()
        self.failures = 0

    @handles
    async def placed(self, event: Placed, recorded: RecordedEvent) -> None:
        self._maybe_fail(event.order_id)
        await self.rows.upsert(
            OrderRow(event.order_id, event.amount, last_position=recorded.position)
        )

    @handles
    async def paid(self, event: Paid, recorded: RecordedEvent) -> None:
        self._maybe_fail(event.order_id)
        row = await self.rows.get(event.order_id)
        assert row is not None
        await self.rows.update(
            event.order_id, paid=True, events=row.events + 1, last_position=recorded.position
        )

    async def clear(self) -> None:
        await self.rows.clear()

    def _maybe_fail(self, order_id: str) -> None:
        if order_id in self.fail_on:
            self.failures += 1
            raise RuntimeError(f"cannot project {order_id}")


class SkippingOrders(Orders):
    name = "skipping_orders"
    on_error = OnError.SKIP
    retries = 2


class Totals(Projection):
    """A live projection: plain attributes."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    @handles
    def placed(self, event: Placed) -> None:
        self.total += event.amount
        self.count += 1


@dataclass(frozen=True)
class CountedRow:
    id: str
    events: int
    amount: int
    pid: int


class Counted(Projection):
    """Counts the events of each order by reading and writing its row (so that an event applied
    twice shows); records the writer's pid. For the worker processes of the crash tests."""

    name = "counted"
    batch_size = 50

    def __init__(self, rows: ReadModelRepository[CountedRow], *, pid: int = 0, stall_at: int = 0):
        self.rows = rows
        self.pid = pid
        self.stall_at = stall_at
        self.seen = 0

    @handles
    async def placed(self, event: Placed, recorded: RecordedEvent) -> None:
        self.seen += 1
        if self.seen == self.stall_at:
            print("STALLED", flush=True)
            await asyncio.sleep(600)
        row = await self.rows.get(recorded.stream_id)
        events = row.events + 1 if row else 1
        amount = (row.amount if row else 0) + event.amount
        await self.rows.upsert(CountedRow(recorded.stream_id, events, amount, self.pid))


class BufferedOrders(Orders):
    """Orders whose writes wait for the end of each batch."""

    name = "buffered_orders"

    def __init__(self, rows: ReadModelRepository[OrderRow]) -> None:
        super().__init__(self.buffered(rows))
