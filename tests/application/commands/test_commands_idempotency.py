"""The idempotency middleware on every backend: duplicates replayed, keys committed with the
events, races run once, keys reused for other commands refused, expiry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from bank import Account, Deposit, OpenAccount, bank_handlers, registry
from conftest import Backend

from mink_runtime import (
    AggregateRepository,
    CommandBus,
    IdempotencyConflictError,
    StreamNotFoundError,
)
from mink_runtime.application.commands import Idempotency, default_middleware


def keyed_bus(backend: Backend, **options: Any) -> CommandBus:
    return CommandBus(
        middleware=default_middleware(idempotency=Idempotency(backend.idempotency, **options)),
        handlers=bank_handlers(backend.store),
    )


async def test_a_duplicate_gets_the_stored_result_and_the_handler_does_not_run(
    backend: Backend,
) -> None:
    """The second dispatch under a key returns the first's result, marked as a replay; the
    account got one deposit."""
    bus = keyed_bus(backend)
    await bus.dispatch(OpenAccount("1", "alice"))
    first = await bus.dispatch(Deposit("1", 5, idempotency_key="pay-1"))
    again = await bus.dispatch(Deposit("1", 5, idempotency_key="pay-1"))
    assert not first.replayed
    assert again.replayed
    assert (again.command_id, again.aggregate_id, again.version, again.positions) == (
        first.command_id,
        "1",
        2,
        first.positions,
    )
    assert again.checkpoint == first.checkpoint
    assert (await AggregateRepository(backend.store, Account).load("1")).balance == 5


async def test_the_key_given_to_dispatch_counts_like_the_commands_own(backend: Backend) -> None:
    """`dispatch(..., idempotency_key=...)` (a request header, say) deduplicates too."""
    bus = keyed_bus(backend)
    await bus.dispatch(OpenAccount("1", "alice"))
    await bus.dispatch(Deposit("1", 5), idempotency_key="header-1")
    replay = await bus.dispatch(Deposit("1", 5), idempotency_key="header-1")
    assert replay.replayed
    assert len(await backend.store.read_stream("account-1")) == 2


async def test_the_key_is_stored_in_the_transaction_of_the_events(backend: Backend) -> None:
    """A handler that fails after saving leaves neither its events nor its key: the command
    can be sent again, and then runs."""
    accounts = AggregateRepository(backend.store, Account)
    failures = [RuntimeError("the handler failed after saving")]
    bus = CommandBus(middleware=[Idempotency(backend.idempotency)])

    @bus.handler
    async def open_account(command: OpenAccount) -> None:
        account = Account(command.account_id)
        account.open(command.owner)
        await accounts.save(account)
        if failures:
            raise failures.pop()

    with pytest.raises(RuntimeError, match="failed after saving"):
        await bus.dispatch(OpenAccount("1", "alice"), idempotency_key="open-1")
    assert await backend.idempotency.get("open-1") is None
    with pytest.raises(StreamNotFoundError):
        await backend.store.read_stream("account-1")
    result = await bus.dispatch(OpenAccount("1", "alice"), idempotency_key="open-1")
    assert not result.replayed
    record = await backend.idempotency.get("open-1")
    assert record is not None
    assert record.result["positions"] == list(result.positions)


async def test_identical_commands_racing_on_separate_stores_run_once(backend: Backend) -> None:
    """Two buses over two stores (as two processes, separate connections) dispatch the same
    keyed command at once, many times: one deposit happens; everyone gets its result."""
    await keyed_bus(backend).dispatch(OpenAccount("1", "alice"))
    other_store, other_keys = await backend.another()
    buses = [
        keyed_bus(backend),
        CommandBus(
            middleware=default_middleware(idempotency=Idempotency(other_keys)),
            handlers=bank_handlers(other_store),
        ),
    ]
    results = await asyncio.gather(
        *(buses[n % 2].dispatch(Deposit("1", 5, idempotency_key="pay-1")) for n in range(10))
    )
    assert sorted(r.replayed for r in results) == [False] + [True] * 9
    assert len({(r.command_id, r.version, r.positions) for r in results}) == 1
    assert (await AggregateRepository(backend.store, Account).load("1")).balance == 5


async def test_derived_keys_recognise_the_same_command_sent_again(backend: Backend) -> None:
    """With `derive_keys`, a command without a key is keyed by its type and content."""
    bus = keyed_bus(backend, derive_keys=True)
    opened = await bus.dispatch(OpenAccount("1", "alice"))
    assert (await bus.dispatch(OpenAccount("1", "alice"))).replayed
    other = await bus.dispatch(OpenAccount("2", "alice"))
    assert not other.replayed
    assert other.command_id != opened.command_id


async def test_a_command_without_a_key_is_not_deduplicated(backend: Backend) -> None:
    """Without a key (and derived keys off) the middleware stays out of the way."""
    bus = keyed_bus(backend)
    await bus.dispatch(OpenAccount("1", "alice"))
    await bus.dispatch(Deposit("1", 5))
    await bus.dispatch(Deposit("1", 5))
    assert (await AggregateRepository(backend.store, Account).load("1")).balance == 10


async def test_a_key_reused_for_a_different_command_is_refused(backend: Backend) -> None:
    """The stored result belongs to the first command; another one under its key is an error
    that runs nothing."""
    bus = keyed_bus(backend)
    await bus.dispatch(OpenAccount("1", "alice"))
    await bus.dispatch(Deposit("1", 5, idempotency_key="pay-1"))
    with pytest.raises(IdempotencyConflictError, match="'pay-1' was first used") as raised:
        await bus.dispatch(Deposit("1", 500, idempotency_key="pay-1"))
    assert raised.value.first_command_type == "Deposit"
    with pytest.raises(IdempotencyConflictError, match="a Deposit command"):
        await bus.dispatch(OpenAccount("9", "eve"), idempotency_key="pay-1")
    assert (await AggregateRepository(backend.store, Account).load("1")).balance == 5


async def test_an_expired_key_lets_the_command_run_again_and_cleanup_removes_it(
    backend: Backend,
) -> None:
    """After the time to live the key is free again; `cleanup()` deletes expired keys."""
    bus = keyed_bus(backend, ttl=timedelta(milliseconds=50))
    await bus.dispatch(OpenAccount("1", "alice"))
    await bus.dispatch(Deposit("1", 5, idempotency_key="pay-1"))
    await asyncio.sleep(0.1)
    assert await backend.idempotency.cleanup() == 1
    assert not (await bus.dispatch(Deposit("1", 5, idempotency_key="pay-1"))).replayed
    assert (await AggregateRepository(backend.store, Account).load("1")).balance == 10


async def test_a_replayed_value_comes_back_in_its_json_form(backend: Backend) -> None:
    """What a handler returned is stored as JSON; the replay carries that form."""

    @dataclass(frozen=True)
    class Quote:
        amount: int

    bus = CommandBus(middleware=[Idempotency(backend.idempotency)])
    bus.register(Quote, lambda command: {"price": command.amount * 2, "tags": ("a", "b")})
    first = await bus.dispatch(Quote(5), idempotency_key="q-1")
    replay = await bus.dispatch(Quote(5), idempotency_key="q-1")
    assert first.value == {"price": 10, "tags": ("a", "b")}
    assert replay.value == {"price": 10, "tags": ["a", "b"]}


def test_a_time_to_live_must_be_positive() -> None:
    """A key that expires at once would deduplicate nothing."""
    from mink_runtime import ConfigurationError, InMemoryEventStore, InMemoryIdempotencyStore

    store = InMemoryIdempotencyStore(InMemoryEventStore(registry=registry))
    with pytest.raises(ConfigurationError, match="positive"):
        Idempotency(store, ttl=timedelta(0))
