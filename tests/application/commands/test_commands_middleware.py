"""The built-in middleware, one behaviour each: recovery, logging, validation, timeout, retry.

What touches storage runs on memory, SQLite and PostgreSQL (the `backend` fixture).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from bank import (
    Account,
    Deposit,
    InsufficientFundsError,
    OpenAccount,
    Withdraw,
    bank_handlers,
    elsewhere,
    registry,
)
from conftest import Backend
from pydantic import BaseModel, Field

from mink_runtime import (
    AggregateNotFoundError,
    AggregateRepository,
    CommandBus,
    CommandError,
    CommandTimeoutError,
    ConcurrencyError,
    InMemoryEventStore,
    StoreUnavailableError,
    StreamNotFoundError,
    ValidationError,
    aggregate_handler,
)
from mink_runtime.application.commands import (
    Idempotency,
    Logging,
    Recovery,
    Retry,
    Timeout,
    Validation,
    default_middleware,
)

# --- recovery ----------------------------------------------------------------------------


async def test_recovery_turns_an_unexpected_exception_into_a_command_error_keeping_it() -> None:
    """A bug in a handler reaches the caller as `CommandError`, the original as its cause."""
    bus = CommandBus(middleware=[Recovery()])
    bus.register(OpenAccount, lambda command: {}["missing"])
    with pytest.raises(CommandError, match=r"OpenAccount .* failed unexpectedly: KeyError") as err:
        await bus.dispatch(OpenAccount("1", "a"))
    assert isinstance(err.value.__cause__, KeyError)
    assert err.value.command_type == "OpenAccount"


async def test_recovery_lets_mink_errors_and_expected_exceptions_through() -> None:
    """mink's own errors and the domain errors listed as expected keep their type."""
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus(
        middleware=[Recovery(expected=(InsufficientFundsError,))],
        handlers=bank_handlers(store),
    )
    with pytest.raises(AggregateNotFoundError):
        await bus.dispatch(Withdraw("404", 1))
    await bus.dispatch(OpenAccount("1", "alice"))
    with pytest.raises(InsufficientFundsError):
        await bus.dispatch(Withdraw("1", 5))


# --- logging -----------------------------------------------------------------------------


async def test_logging_writes_one_structured_record_per_dispatch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A success logs at INFO with the command, its ids, the outcome, timing and version."""
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus(handlers=bank_handlers(store))
    with caplog.at_level(logging.INFO, logger="mink.commands"):
        result = await bus.dispatch(OpenAccount("1", "alice"))
    (record,) = [r for r in caplog.records if r.name == "mink.commands"]
    fields: Any = record
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("command OpenAccount ok in ")
    assert (fields.command, fields.command_id, fields.outcome) == (
        "OpenAccount",
        result.command_id,
        "ok",
    )
    assert fields.correlation_id == result.command_id  # a new correlation starts here
    assert (fields.stream_id, fields.version, fields.attempts) == ("account-1", 1, 1)
    assert fields.duration_ms >= 0


async def test_logging_reports_failures_with_a_traceback_and_rejections_without(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected failure logs at ERROR with the traceback; an invalid command at WARNING."""
    bus = CommandBus(middleware=[Logging(), Validation()])
    bus.register(OpenAccount, lambda command: 1 / 0)
    with caplog.at_level(logging.INFO, logger="mink.commands"):
        with pytest.raises(ZeroDivisionError):
            await bus.dispatch(OpenAccount("1", "alice"))
        with pytest.raises(ValidationError):
            await bus.dispatch(OpenAccount("", ""))
    failed, rejected = [r for r in caplog.records if r.name == "mink.commands"]
    assert (failed.levelno, failed.outcome) == (logging.ERROR, "failed")
    assert failed.exc_info is not None
    assert (rejected.levelno, rejected.outcome) == (logging.WARNING, "rejected")
    assert rejected.exc_info is None
    assert "owner: is empty" in rejected.getMessage()


# --- validation --------------------------------------------------------------------------


async def test_an_invalid_command_lists_every_problem_and_the_handler_never_runs(
    backend: Backend,
) -> None:
    """`validate()`'s problems all come back in one `ValidationError`; nothing is stored."""
    ran: list[object] = []
    bus = CommandBus(middleware=default_middleware(idempotency=Idempotency(backend.idempotency)))
    bus.register(OpenAccount, ran.append)
    with pytest.raises(ValidationError) as raised:
        await bus.dispatch(OpenAccount("", ""), idempotency_key="k-1")
    assert raised.value.problems == ("account_id: is empty", "owner: is empty")
    assert ran == []
    assert await backend.idempotency.get("k-1") is None
    assert (await backend.store.read_all()).events == []


class OpenPremium(BaseModel):
    account_id: str = Field(min_length=1)
    credit_limit: int = Field(ge=0)


async def test_pydantic_commands_are_validated_again_before_the_handler() -> None:
    """A pydantic model built without validation (or changed since) is checked by pydantic,
    every problem listed."""
    bus = CommandBus(middleware=[Validation()])
    bus.register(OpenPremium, lambda command: "opened")
    assert (await bus.dispatch(OpenPremium(account_id="1", credit_limit=5))).value == "opened"
    unchecked = OpenPremium.model_construct(account_id="", credit_limit=-1)
    with pytest.raises(ValidationError) as raised:
        await bus.dispatch(unchecked)
    assert len(raised.value.problems) == 2
    assert raised.value.problems[0].startswith("account_id: ")
    assert raised.value.problems[1].startswith("credit_limit: ")


async def test_a_validate_method_may_raise_its_single_problem() -> None:
    """`validate()` raising `ValueError` is one problem, its message."""

    class Transfer:
        def validate(self) -> None:
            raise ValueError("amount: cannot be zero")

    bus = CommandBus(middleware=[Validation()])
    bus.register(Transfer, lambda command: None)
    with pytest.raises(ValidationError, match=r"\(1 problem\): amount: cannot be zero"):
        await bus.dispatch(Transfer())


# --- timeout -----------------------------------------------------------------------------


async def test_a_handler_past_its_time_limit_is_cancelled_and_its_transaction_rolled_back(
    backend: Backend,
) -> None:
    """The dispatch raises `CommandTimeoutError`; what the handler saved, and its idempotency
    key, are rolled back."""
    accounts = AggregateRepository(backend.store, Account)
    bus = CommandBus(
        middleware=[Timeout(0.2), Idempotency(backend.idempotency)],
    )

    @bus.handler
    async def open_slowly(command: OpenAccount) -> None:
        account = Account(command.account_id)
        account.open(command.owner)
        await accounts.save(account)
        await asyncio.sleep(30)

    with pytest.raises(CommandTimeoutError, match=r"within 0\.2 s") as raised:
        await bus.dispatch(OpenAccount("1", "alice"), idempotency_key="k-1")
    assert raised.value.seconds == 0.2
    assert await backend.idempotency.get("k-1") is None
    with pytest.raises(StreamNotFoundError):
        await backend.store.read_stream("account-1")


async def test_a_handlers_own_timeout_overrides_the_middlewares() -> None:
    """`timeout=` at registration is the limit of that command."""
    bus = CommandBus(middleware=[Timeout(60)])

    async def slow(command: Any) -> None:
        await asyncio.sleep(30)

    bus.register(OpenAccount, slow, timeout=0.05)
    with pytest.raises(CommandTimeoutError) as raised:
        await bus.dispatch(OpenAccount("1", "a"))
    assert raised.value.seconds == 0.05


async def test_a_timeout_error_of_the_handlers_own_is_not_mistaken_for_the_limit() -> None:
    """A `TimeoutError` raised inside the handler passes through as it is."""
    bus = CommandBus(middleware=[Timeout(60)])

    def handler(command: Any) -> None:
        raise TimeoutError("the payment provider timed out")

    bus.register(OpenAccount, handler)
    with pytest.raises(TimeoutError, match="payment provider"):
        await bus.dispatch(OpenAccount("1", "a"))


# --- retry -------------------------------------------------------------------------------


def racing_bus(
    backend: Backend, *, retry_on_conflict: bool, **retry: Any
) -> tuple[CommandBus, list[int]]:
    """A bus whose Deposit handler meets, on its first run, a deposit made meanwhile by
    another store (a real `ConcurrencyError` on save); returns the bus and its run log."""
    accounts = AggregateRepository(backend.store, Account)
    runs: list[int] = []

    async def deposit(account: Account, command: Deposit) -> None:
        runs.append(account.version)
        if len(runs) == 1:
            other, _ = await backend.another()
            rival = await AggregateRepository(other, Account).load(command.account_id)
            rival.deposit(1000)
            await elsewhere(AggregateRepository(other, Account).save(rival))
        account.deposit(command.amount)

    bus = CommandBus(middleware=[Retry(base_delay=0.001)])
    bus.register(
        Deposit,
        aggregate_handler(accounts, deposit, id_of="account_id", retries=0),
        retry_on_conflict=retry_on_conflict,
    )
    bus.register(
        OpenAccount,
        aggregate_handler(accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True),
    )
    return bus, runs


async def test_a_conflict_is_retried_when_the_handler_is_safe_to_run_again(
    backend: Backend,
) -> None:
    """A `ConcurrencyError` from a real competing save is retried: the handler reloads the
    aggregate, decides again and succeeds."""
    bus, runs = racing_bus(backend, retry_on_conflict=True)
    await bus.dispatch(OpenAccount("1", "alice"))
    result = await bus.dispatch(Deposit("1", 5))
    assert runs == [1, 2]
    assert result.version == 3
    account = await AggregateRepository(backend.store, Account).load("1")
    assert account.balance == 1005


async def test_a_conflict_is_not_retried_for_a_handler_not_declared_safe(
    backend: Backend,
) -> None:
    """Without `retry_on_conflict` the first `ConcurrencyError` reaches the caller."""
    bus, runs = racing_bus(backend, retry_on_conflict=False)
    await bus.dispatch(OpenAccount("1", "alice"))
    with pytest.raises(ConcurrencyError):
        await bus.dispatch(Deposit("1", 5))
    assert runs == [1]


async def test_a_store_outage_is_retried_up_to_the_limit() -> None:
    """`StoreUnavailableError` is transient: retried until `max_attempts` runs, then raised."""
    runs: list[int] = []

    def flaky(command: Any) -> str:
        runs.append(1)
        if len(runs) < 3:
            raise StoreUnavailableError("the database went away")
        return "done"

    bus = CommandBus(middleware=[Retry(max_attempts=3, base_delay=0.001)])
    bus.register(OpenAccount, flaky)
    assert (await bus.dispatch(OpenAccount("1", "a"))).value == "done"
    runs.clear()
    bus = CommandBus(middleware=[Retry(max_attempts=2, base_delay=0.001)])
    bus.register(OpenAccount, flaky)
    with pytest.raises(StoreUnavailableError):
        await bus.dispatch(OpenAccount("1", "a"))
    assert len(runs) == 2


async def test_validation_and_command_errors_are_never_retried() -> None:
    """Running an invalid or failed command again cannot help."""
    runs: list[int] = []

    def refuse(command: Any) -> None:
        runs.append(1)
        raise CommandError("no", command_type="OpenAccount")

    bus = CommandBus(middleware=[Retry(max_attempts=5, base_delay=0.001)])
    bus.register(OpenAccount, refuse)
    with pytest.raises(CommandError):
        await bus.dispatch(OpenAccount("1", "a"))
    assert runs == [1]
    retry = Retry()
    context: Any = type("Context", (), {"registration": None})()
    assert not retry.is_transient(ValidationError("X", ("bad",)), context)


def test_retry_waits_grow_exponentially_with_full_jitter_up_to_a_cap() -> None:
    """The n-th wait is drawn from 0 up to min(max_delay, base_delay * 2**(n-1))."""
    retry = Retry(base_delay=0.1, max_delay=0.5)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (9, 0.5)]:
        waits = [retry.delay(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # spread over the range, not a fixed value


@pytest.mark.postgres
async def test_each_retry_runs_in_a_fresh_idempotency_transaction(
    postgres_backend: Backend,
) -> None:
    """Under the idempotency middleware a conflict ends the attempt's transaction (on
    PostgreSQL a failed statement aborts it); the retry claims the key again in a new one.
    (SQLite and memory serialize writers: no rival can save meanwhile.)"""
    backend = postgres_backend
    accounts = AggregateRepository(backend.store, Account)
    runs: list[int] = []

    async def deposit(account: Account, command: Deposit) -> None:
        runs.append(account.version)
        if len(runs) == 1:
            other, _ = await backend.another()
            rival = await AggregateRepository(other, Account).load(command.account_id)
            rival.deposit(1000)
            await elsewhere(AggregateRepository(other, Account).save(rival))
        account.deposit(command.amount)

    bus = CommandBus(
        middleware=default_middleware(idempotency=Idempotency(backend.idempotency)),
    )
    bus.register(Deposit, aggregate_handler(accounts, deposit, id_of="account_id"))
    bus.register(
        OpenAccount,
        aggregate_handler(accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True),
    )
    await bus.dispatch(OpenAccount("1", "alice"))
    result = await bus.dispatch(Deposit("1", 5, idempotency_key="k-1"))
    assert runs == [1, 2]
    assert result.version == 3
    again = await bus.dispatch(Deposit("1", 5, idempotency_key="k-1"))
    assert again.replayed
    assert (again.version, again.positions) == (result.version, result.positions)
    assert (await accounts.load("1")).balance == 1005
