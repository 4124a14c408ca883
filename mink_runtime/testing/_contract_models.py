"""Read-model classes and data the read-model contract suite stores and queries."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

__all__ = [
    "CONTRACT_MODELS",
    "Counter",
    "Device",
    "OrderLine",
    "OrderSummary",
    "Priority",
    "Status",
    "order",
    "sample_orders",
]


class Status(enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"


class Priority(enum.Enum):
    LOW = 1
    HIGH = 2


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderSummary:
    """A read model using every kind of field mink stores."""

    id: str
    customer: str
    status: Status
    total: Decimal
    items: int
    weight: float
    paid: bool
    placed_at: datetime
    due: date | None = None
    reference: uuid.UUID | None = None
    note: str | None = None
    priority: Priority = Priority.LOW
    tags: list[str] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)
    attributes: dict[str, int] = field(default_factory=dict)
    lines: tuple[OrderLine, ...] = ()


@dataclass
class Counter:
    """A mutable model with an int id under another name."""

    key: int
    name: str
    value: int = 0


@dataclass(frozen=True)
class Device:
    """A model with a UUID id."""

    id: uuid.UUID
    name: str


CONTRACT_MODELS: dict[type, str] = {OrderSummary: "id", Counter: "key", Device: "id"}
"""The models the suite stores, with their id fields: a backend's fixture prepares each."""

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def order(id: str, **changes: object) -> OrderSummary:
    """An order with plausible values, changed where asked."""
    values: dict[str, object] = {
        "id": id,
        "customer": "alice",
        "status": Status.PENDING,
        "total": Decimal("10.00"),
        "items": 1,
        "weight": 1.5,
        "paid": False,
        "placed_at": START,
    }
    values.update(changes)
    return OrderSummary(**values)  # type: ignore[arg-type]


def sample_orders() -> list[OrderSummary]:
    """Eight orders whose values exercise every operator: ties, Nones, text that sorts
    differently by code point than by dictionary, decimals that sort differently as text."""
    return [
        order(
            "o1",
            customer="alice",
            status=Status.PAID,
            total=Decimal("9.50"),
            items=3,
            weight=2.25,
            paid=True,
            placed_at=START,
            due=date(2025, 3, 10),
            reference=uuid.UUID("00000000-0000-4000-8000-000000000001"),
            note="leave at the door",
            priority=Priority.HIGH,
            tags=["gift", "express"],
            codes={7, 11},
            attributes={"floor": 3},
            lines=(OrderLine("sku-1", 2), OrderLine("sku-2", 1)),
        ),
        order(
            "o2",
            customer="Bob",
            status=Status.PENDING,
            total=Decimal("10"),
            items=1,
            weight=0.5,
            placed_at=START + timedelta(hours=1),
            tags=["express"],
            codes={11},
        ),
        order(
            "o3",
            customer="émile",
            status=Status.SHIPPED,
            total=Decimal("100.00"),
            items=5,
            weight=10.0,
            paid=True,
            placed_at=START + timedelta(days=1),
            due=date(2025, 3, 2),
            note="100% cotton",
            attributes={"gate": 2, "floor": 1},
        ),
        order(
            "o4",
            customer="alice",
            status=Status.PAID,
            total=Decimal("9.50"),
            items=2,
            weight=2.25,
            paid=True,
            # the same instant as o2, written with another offset
            placed_at=datetime(2025, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=1))),
            due=date(2025, 3, 10),
            note="Leave_at the door",
            tags=["gift"],
        ),
        order(
            "o5",
            customer="Zoë",
            status=Status.PENDING,
            total=Decimal("0.10"),
            items=0,
            weight=0.0,
            placed_at=START - timedelta(days=1),
            reference=uuid.UUID("ffffffff-0000-4000-8000-000000000005"),
            priority=Priority.HIGH,
        ),
        order(
            "o6",
            customer="carol",
            status=Status.SHIPPED,
            total=Decimal("12345678901234567890.123456789"),
            items=7,
            weight=3.75,
            paid=True,
            placed_at=START + timedelta(days=2),
            due=date(2025, 2, 28),
            tags=["bulk", "gift"],
            codes={3},
        ),
        order(
            "o7",
            customer="bob",
            status=Status.PAID,
            total=Decimal("-5.25"),
            items=1,
            weight=1.0,
            paid=True,
            placed_at=START + timedelta(minutes=30),
            note="",
        ),
        order(
            "o8",
            customer="alice",
            status=Status.PENDING,
            total=Decimal("20"),
            items=4,
            weight=4.5,
            placed_at=START + timedelta(days=3),
            due=date(2025, 3, 31),
            tags=["express"],
            attributes={"floor": 7},
        ),
    ]
