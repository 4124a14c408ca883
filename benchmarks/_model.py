"""The events and the aggregate the benchmarks write and read: small, like most real ones.

They live in a registry of their own, so that the benchmarks never touch `default_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mink_runtime import Aggregate, EventRegistry, apply, event

__all__ = ["EVENT_TYPE", "REGISTRY", "Cart", "ItemAdded", "item"]

REGISTRY = EventRegistry()
EVENT_TYPE = "bench.ItemAdded"
"""The type name mink records; the raw baselines write the same name."""


@event(EVENT_TYPE, registry=REGISTRY)
@dataclass(frozen=True, slots=True)
class ItemAdded:
    cart_id: str
    sku: str
    quantity: int
    unit_price_cents: int


def item(cart_id: str, n: int) -> ItemAdded:
    """The n-th item added to a cart (about 80 bytes of JSON)."""
    return ItemAdded(
        cart_id=cart_id, sku=f"SKU-{n % 997:05d}", quantity=1 + n % 5, unit_price_cents=1999
    )


class Cart(Aggregate):
    """A shopping cart: its state is the count and value of what was added."""

    category = "cart"
    registry = REGISTRY

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.items = 0
        self.total_cents = 0

    def add(self, n: int) -> None:
        self.record(item(self.id, n))

    @apply
    def _added(self, event: ItemAdded) -> None:
        self.items += event.quantity
        self.total_cents += event.quantity * event.unit_price_cents
