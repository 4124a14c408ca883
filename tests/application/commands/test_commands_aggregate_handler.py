"""`aggregate_handler`: load, decide, save — and again after a conflict."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bank import Account, Deposit, OpenAccount, elsewhere, registry
from conftest import Backend

from mink_runtime import (
    AggregateNotFoundError,
    AggregateRepository,
    CommandBus,
    ConcurrencyError,
    ConfigurationError,
    InMemoryEventStore,
    aggregate_handler,
)


@pytest.fixture
def accounts() -> AggregateRepository[Account]:
    return AggregateRepository(InMemoryEventStore(registry=registry), Account)


async def test_a_creating_handler_starts_the_aggregate_and_reports_it(
    accounts: AggregateRepository[Account],
) -> None:
    """`create=True` makes a new aggregate; the result has its id, version, positions and
    what `decide` returned."""
    bus = CommandBus()

    @bus.handler
    @aggregate_handler(accounts, id_of="account_id", create=True)
    def open_account(account: Account, command: OpenAccount) -> str:
        account.open(command.owner)
        account.deposit(10)
        return "welcome"

    result = await bus.dispatch(OpenAccount("7", "alice"))
    assert (result.aggregate_id, result.stream_id, result.version) == ("7", "account-7", 2)
    assert len(result.positions) == 2
    assert result.value == "welcome"
    assert (await accounts.load("7")).balance == 10


async def test_a_handler_loads_the_aggregate_decides_and_saves(
    accounts: AggregateRepository[Account],
) -> None:
    """Without `create` the aggregate is loaded first; `decide` may be async."""

    async def deposit(account: Account, command: Deposit) -> int:
        await asyncio.sleep(0)
        account.deposit(command.amount)
        return account.balance

    bus = CommandBus()
    bus.register(
        OpenAccount,
        aggregate_handler(accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True),
    )
    bus.register(Deposit, aggregate_handler(accounts, deposit, id_of=lambda c: c.account_id))
    await bus.dispatch(OpenAccount("7", "alice"))
    result = await bus.dispatch(Deposit("7", 5))
    assert (result.version, result.value) == (2, 5)


async def test_a_command_for_a_missing_aggregate_raises_not_found(
    accounts: AggregateRepository[Account],
) -> None:
    """Loading an aggregate that has no events is `AggregateNotFoundError`."""
    handler = aggregate_handler(accounts, lambda a, c: a.deposit(c.amount), id_of="account_id")
    with pytest.raises(AggregateNotFoundError):
        await handler(Deposit("404", 5))


async def test_a_decision_that_records_nothing_reports_the_current_version(
    accounts: AggregateRepository[Account],
) -> None:
    """No events: nothing saved, no positions, the version as loaded."""
    opener = aggregate_handler(
        accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True
    )
    await opener(OpenAccount("7", "alice"))
    noop = aggregate_handler(accounts, lambda a, c: None, id_of="account_id")
    result = await noop(Deposit("7", 0))
    assert (result.version, result.positions, result.checkpoint) == (1, (), None)


async def test_a_conflict_on_save_reloads_and_decides_again(backend: Backend) -> None:
    """Someone saved the aggregate between load and save: the handler loads it again, decides
    again on the new state and saves (a real competing append, on every backend)."""
    accounts = AggregateRepository(backend.store, Account)
    await aggregate_handler(
        accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True
    )(OpenAccount("1", "alice"))
    seen: list[int] = []

    async def deposit(account: Account, command: Deposit) -> None:
        seen.append(account.balance)
        if len(seen) == 1:
            other, _ = await backend.another()
            rival = await AggregateRepository(other, Account).load("1")
            rival.deposit(100)
            await elsewhere(AggregateRepository(other, Account).save(rival))
        account.deposit(command.amount)

    result = await aggregate_handler(accounts, deposit, id_of="account_id")(Deposit("1", 5))
    assert seen == [0, 100]
    assert result.version == 3
    assert (await accounts.load("1")).balance == 105


async def test_conflicts_beyond_the_retries_reach_the_caller(
    accounts: AggregateRepository[Account],
) -> None:
    """With `retries=1`, a second conflict in a row is raised."""
    await aggregate_handler(
        accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True
    )(OpenAccount("1", "alice"))
    runs: list[int] = []

    async def always_raced(account: Account, command: Deposit) -> None:
        runs.append(1)
        rival = await accounts.load("1")
        rival.deposit(1)
        await elsewhere(accounts.save(rival))
        account.deposit(command.amount)

    handler = aggregate_handler(accounts, always_raced, id_of="account_id", retries=1)
    with pytest.raises(ConcurrencyError):
        await handler(Deposit("1", 5))
    assert len(runs) == 2


async def test_creating_an_aggregate_that_exists_is_a_conflict_not_retried(
    accounts: AggregateRepository[Account],
) -> None:
    """A second create fails at once; deciding again could not change that."""
    calls: list[int] = []

    def open_account(account: Account, command: OpenAccount) -> None:
        calls.append(1)
        account.open(command.owner)

    handler = aggregate_handler(accounts, open_account, id_of="account_id", create=True)
    await handler(OpenAccount("1", "alice"))
    with pytest.raises(ConcurrencyError):
        await handler(OpenAccount("1", "bob"))
    assert len(calls) == 2
    assert handler.retry_on_conflict is False
    assert aggregate_handler(accounts, open_account, id_of="account_id").retry_on_conflict


@pytest.mark.parametrize(
    ("id_of", "command", "message"),
    [
        ("missing", Deposit("1", 5), "has no aggregate id"),
        ("account_id", Deposit("", 5), "empty aggregate id"),
    ],
)
async def test_a_command_without_a_usable_id_is_a_configuration_error(
    accounts: AggregateRepository[Account], id_of: str, command: Any, message: str
) -> None:
    """The error names the command and what is wrong with its id."""
    handler = aggregate_handler(accounts, lambda a, c: None, id_of=id_of)
    with pytest.raises(ConfigurationError, match=message):
        await handler(command)


@pytest.mark.parametrize("options", [{"id_of": ""}, {"id_of": 3}, {"id_of": "x", "retries": -1}])
def test_bad_options_are_refused(
    accounts: AggregateRepository[Account], options: dict[str, Any]
) -> None:
    """An empty or non-callable `id_of`, or negative retries, fail at once."""
    with pytest.raises(ConfigurationError):
        aggregate_handler(accounts, lambda a, c: None, **options)
