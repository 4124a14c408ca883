"""Given / when / then for aggregates (pure) and for handlers (through a bus and a memory store)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mink_runtime import (
    Aggregate,
    AggregateNotFoundError,
    AggregateRepository,
    CommandBus,
    ConfigurationError,
    EventRegistry,
    InMemoryEventStore,
    aggregate_handler,
    apply,
)
from mink_runtime.testing import (
    AggregateScenario,
    CommandScenario,
    EventsMismatchError,
)

registry = EventRegistry()


@registry.event("kit.Placed")
@dataclass(frozen=True)
class Placed:
    customer: str


@registry.event("kit.Shipped")
@dataclass(frozen=True)
class Shipped:
    carrier: str


class AlreadyShippedError(Exception):
    pass


class Order(Aggregate):
    registry = registry

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.shipped = False

    def place(self, customer: str) -> None:
        self.record(Placed(customer))

    def ship(self, carrier: str) -> None:
        if self.shipped:
            raise AlreadyShippedError(f"order {self.id} has already shipped")
        self.record(Shipped(carrier))

    @apply
    def _placed(self, event: Placed) -> None:
        pass

    @apply
    def _shipped(self, event: Shipped) -> None:
        self.shipped = True


@dataclass(frozen=True)
class ShipOrder:
    order_id: str
    carrier: str


def ship(order: Order, command: ShipOrder) -> None:
    order.ship(command.carrier)


# --- aggregates --------------------------------------------------------------------------


def test_an_aggregate_scenario_passes_when_the_events_match() -> None:
    """Given history, when asked, then exactly these events; `then` returns the aggregate."""
    order = (
        AggregateScenario(Order)
        .given(Placed("alice"))
        .when(lambda o: o.ship("ups"))
        .then(Shipped("ups"))
    )
    assert order.shipped
    assert order.version == 2


def test_an_aggregate_scenario_fails_with_the_diff() -> None:
    """Other events fail the scenario with the field-level diff."""
    scenario = AggregateScenario(Order).given(Placed("alice")).when(lambda o: o.ship("dhl"))
    with pytest.raises(EventsMismatchError, match="carrier: expected 'ups', got 'dhl'"):
        scenario.then(Shipped("ups"))


def test_an_aggregate_scenario_checks_the_error_raised() -> None:
    """`then_raises` passes for the error (and message) expected, and returns it."""
    scenario = (
        AggregateScenario(Order, decide=ship)
        .given(Placed("alice"), Shipped("ups"))
        .when(ShipOrder("1", "ups"))
    )
    error = scenario.then_raises(AlreadyShippedError, match="already shipped")
    assert str(error) == "order 1 has already shipped"
    with pytest.raises(AssertionError, match="expected 1 event"):
        scenario.then(Shipped("ups"))
    with pytest.raises(AssertionError, match="does not match"):
        scenario.then_raises(AlreadyShippedError, match="never")


def test_then_raises_fails_when_nothing_is_raised() -> None:
    """A command that succeeds fails `then_raises`, naming what it recorded instead."""
    scenario = AggregateScenario(Order).given(Placed("a")).when(lambda o: o.ship("ups"))
    with pytest.raises(AssertionError, match=r"succeeded and recorded \[Shipped"):
        scenario.then_raises(AlreadyShippedError)


def test_scenarios_are_immutable_starting_points() -> None:
    """`given` and `when` return new scenarios; one base serves many tests."""
    placed = AggregateScenario(Order).given(Placed("alice"))
    placed.when(lambda o: o.ship("ups")).then(Shipped("ups"))
    placed.when(lambda o: o.ship("dhl")).then(Shipped("dhl"))
    assert placed.action is not None
    with pytest.raises(ConfigurationError, match="when"):
        placed.then()


# --- handlers ----------------------------------------------------------------------------


@pytest.fixture
def scenario() -> CommandScenario:
    """Overrides the plugin's fixture: the order handlers over a fresh memory store."""
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus()
    bus.register(
        ShipOrder, aggregate_handler(AggregateRepository(store, Order), ship, id_of="order_id")
    )
    return CommandScenario(bus, store)


async def test_a_command_scenario_checks_the_events_the_handler_recorded(
    scenario: CommandScenario,
) -> None:
    """Given events in a stream, the command's recorded events are compared; the outcome
    carries the result and the recorded events."""
    outcome = await (
        scenario.given("order-1", Placed("alice")).when(ShipOrder("1", "ups")).then(Shipped("ups"))
    )
    assert outcome.result.version == 2
    assert [e.stream_id for e in outcome.recorded] == ["order-1"]
    with pytest.raises(EventsMismatchError, match="expected 'dhl', got 'ups'"):
        await (
            scenario.given("order-2", Placed("bob"))
            .when(ShipOrder("2", "ups"))
            .then(Shipped("dhl"))
        )


async def test_a_command_scenario_checks_the_error_and_that_nothing_was_recorded(
    scenario: CommandScenario,
) -> None:
    """A domain error wrapped by the recovery middleware still matches its own type."""
    await scenario.when(ShipOrder("404", "ups")).then_raises(AggregateNotFoundError)
    error = await (
        scenario.given("order-1", Placed("a"), Shipped("ups"))
        .when(ShipOrder("1", "ups"))
        .then_raises(AlreadyShippedError, match="already shipped")
    )
    assert isinstance(error, AlreadyShippedError)


def test_given_names_the_stream_first(scenario: CommandScenario) -> None:
    """Events without a stream id are refused with the right form."""
    with pytest.raises(ConfigurationError, match="given\\('order-42'"):
        scenario.given(Placed("alice"))  # type: ignore[arg-type]
