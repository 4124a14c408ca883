"""mink's pytest plugin: given/when/then fixtures, registered through the `pytest11` entry point.

Installing mink makes these fixtures available to every test suite:

- `mink_store`: a fresh `InMemoryEventStore` (of the default registry) per test;
- `mink_bus`: a fresh `CommandBus` with the default middleware; override it in your conftest to
  register your application's handlers against `mink_store`;
- `scenario`: a `CommandScenario` over the two;
- `projection_scenario`: `projection_scenario(projection)` makes a `ProjectionScenario` over
  `mink_store` (pass a function of the store to build the projection on it).

```python
@pytest.fixture
def mink_bus(mink_store):
    return build_bus(mink_store)          # your application's factory

async def test_shipping_records_the_carrier(scenario):
    await scenario.given("order-42", OrderPlaced("alice")).when(ShipOrder("42", "ups")) \\
        .then(OrderShipped("ups"))
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mink_runtime.adapters.memory import InMemoryEventStore
from mink_runtime.application.commands import CommandBus
from mink_runtime.testing._projection_scenario import ProjectionScenario
from mink_runtime.testing._scenarios import CommandScenario

__all__ = ["mink_bus", "mink_store", "projection_scenario", "scenario"]


@pytest.fixture
def mink_store() -> InMemoryEventStore:
    """A fresh in-memory event store for this test."""
    return InMemoryEventStore()


@pytest.fixture
def mink_bus() -> CommandBus:
    """A command bus with the default middleware and no handlers; override it to register
    yours."""
    return CommandBus()


@pytest.fixture
def scenario(mink_bus: CommandBus, mink_store: InMemoryEventStore) -> CommandScenario:
    """Given/when/then over `mink_bus` and `mink_store`."""
    return CommandScenario(mink_bus, mink_store)


@pytest.fixture
def projection_scenario(
    mink_store: InMemoryEventStore,
) -> Callable[..., ProjectionScenario[Any]]:
    """`projection_scenario(projection, inline=False)`: a `ProjectionScenario` over
    `mink_store`."""

    def make(projection: Any, *, inline: bool = False) -> ProjectionScenario[Any]:
        return ProjectionScenario(projection, store=mink_store, inline=inline)

    return make
