"""Save and load an Order aggregate on the embedded SQLite store, then print its history.

python examples/orders.py                 # a fresh database in a temporary folder
python examples/orders.py --database orders.db   # keep it; run again to add an order
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from mink_runtime import (
    Aggregate,
    AggregateRepository,
    EventRegistry,
    Metadata,
    SQLiteEventStore,
    apply,
    uuid7,
)

events = EventRegistry()


@events.event("order.Placed")
@dataclass(frozen=True)
class OrderPlaced:
    customer_id: str


@events.event("order.ItemAdded")
@dataclass(frozen=True)
class ItemAdded:
    sku: str
    quantity: int
    unit_price: Decimal


@events.event("order.Shipped")
@dataclass(frozen=True)
class OrderShipped:
    carrier: str


class Order(Aggregate):
    """An order: placed by a customer, filled with items, shipped once."""

    registry = events

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.customer_id: str | None = None
        self.lines: list[ItemAdded] = []
        self.shipped = False

    # Commands: check the rules, then record what happened.
    def place(self, customer_id: str) -> None:
        if self.customer_id is not None:
            raise ValueError(f"order {self.id} is already placed")
        self.record(OrderPlaced(customer_id))

    def add_item(self, sku: str, quantity: int, unit_price: Decimal) -> None:
        if self.shipped:
            raise ValueError("cannot add items to a shipped order")
        self.record(ItemAdded(sku, quantity, unit_price))

    def ship(self, carrier: str) -> None:
        if not self.lines:
            raise ValueError("cannot ship an empty order")
        self.record(OrderShipped(carrier))

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))

    # State changes: the only place the state moves.
    @apply
    def _placed(self, event: OrderPlaced) -> None:
        self.customer_id = event.customer_id

    @apply
    def _item_added(self, event: ItemAdded) -> None:
        self.lines.append(event)

    @apply
    def _shipped(self, event: OrderShipped) -> None:
        self.shipped = True


async def main(database: Path) -> None:
    async with await SQLiteEventStore.open(database, registry=events, migrate=True) as store:
        orders = AggregateRepository(store, Order)

        order = Order(uuid7().hex[-8:])
        order.place("customer-42")
        order.add_item("SKU-001", 2, Decimal("29.99"))
        order.add_item("SKU-002", 1, Decimal("5.00"))
        await orders.save(order, metadata=Metadata(correlation_id="example-run"))

        loaded = await orders.load(order.id)
        loaded.ship("DHL")
        await orders.save(loaded)

        again = await orders.load(order.id)
        print(
            f"order {again.id}: customer {again.customer_id}, {len(again.lines)} lines, "
            f"total {again.total}, shipped={again.shipped}, version {again.version}"
        )
        print(f"history of stream {again.stream_id}:")
        for recorded in await store.read_stream(again.stream_id):
            print(
                f"  v{recorded.version}  #{recorded.position:<4} {recorded.type:<16} "
                f"{recorded.recorded_at:%H:%M:%S.%f}  {recorded.data}"
            )
        streams = await store.list_streams(category="order", limit=1000)
        print(f"{len(streams)} order stream(s) in {database}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="SQLite file to use (default: temporary)")
    args = parser.parse_args()
    if args.database:
        asyncio.run(main(args.database))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(main(Path(folder) / "orders.db"))
