"""Event classes the contract suites append, in a registry of their own."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mink_runtime.domain import EventRegistry

__all__ = ["Color", "ItemAdded", "Line", "OrderPlaced", "Shipped", "contract_registry"]

contract_registry = EventRegistry()


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal


@contract_registry.event("contract.OrderPlaced", version=2)
@dataclass(frozen=True)
class OrderPlaced:
    customer_id: str
    placed_at: datetime
    reference: uuid.UUID
    lines: tuple[Line, ...] = ()
    color: Color = Color.RED
    note: str | None = None
    tags: list[str] = field(default_factory=list)


@contract_registry.event("contract.ItemAdded")
@dataclass(frozen=True)
class ItemAdded:
    sku: str
    quantity: int = 1


@contract_registry.event("contract.Shipped")
@dataclass(frozen=True)
class Shipped:
    carrier: str
