"""The pytest plugin, as a user's test suite sees it (run with `pytester`)."""

from __future__ import annotations

import pytest

TESTS = """
from dataclasses import dataclass

import pytest

from mink_runtime import AggregateRepository, Aggregate, EventRegistry, aggregate_handler, apply
from mink_runtime import CommandBus, InMemoryEventStore

registry = EventRegistry()


@registry.event("plugin.Opened")
@dataclass(frozen=True)
class Opened:
    owner: str


class Account(Aggregate):
    registry = registry

    @apply
    def _opened(self, event: Opened) -> None:
        self.owner = event.owner


@dataclass(frozen=True)
class Open:
    account_id: str
    owner: str


@pytest.fixture
def mink_store():
    return InMemoryEventStore(registry=registry)


@pytest.fixture
def mink_bus(mink_store):
    bus = CommandBus()
    accounts = AggregateRepository(mink_store, Account)
    bus.register(
        Open,
        aggregate_handler(
            accounts, lambda a, c: a.record(Opened(c.owner)), id_of="account_id", create=True
        ),
    )
    return bus


async def test_opening(scenario):
    await scenario.when(Open("1", "alice")).then(Opened("alice"))


async def test_opening_wrongly(scenario):
    await scenario.when(Open("1", "alice")).then(Opened("bob"))


def test_the_default_fixtures(mink_store, mink_bus):
    assert isinstance(mink_store, InMemoryEventStore)
    assert len(mink_bus.handlers) == 1
"""


def test_the_plugin_gives_users_scenario_fixtures_with_readable_failures(
    pytester: pytest.Pytester,
) -> None:
    """Installed mink registers the plugin: `scenario` works over the user's `mink_bus`, and a
    failing scenario prints the diff."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(test_accounts=TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*owner: expected 'bob', got 'alice'*"])


def test_the_plugin_fixtures_are_fresh_and_ready_without_overrides(
    pytester: pytest.Pytester,
) -> None:
    """Without overrides the fixtures are an empty memory store and a bus with no handlers."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_defaults="""
from mink_runtime import CommandBus, InMemoryEventStore
from mink_runtime.testing import CommandScenario

async def test_fixtures(scenario, mink_bus, mink_store):
    assert isinstance(scenario, CommandScenario)
    assert scenario.bus is mink_bus and scenario.store is mink_store
    assert len(mink_bus.handlers) == 0
    assert (await mink_store.read_all()).events == []
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
