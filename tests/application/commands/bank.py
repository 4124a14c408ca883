"""The bank the command tests run: an account aggregate, its events, and commands for it."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from mink_runtime import (
    Aggregate,
    AggregateRepository,
    CommandHandlers,
    EventRegistry,
    aggregate_handler,
    apply,
)
from mink_runtime.ports import EventStore

T = TypeVar("T")

registry = EventRegistry()


@registry.event("bank.Opened")
@dataclass(frozen=True)
class Opened:
    owner: str


@registry.event("bank.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


class InsufficientFundsError(Exception):
    """A business rule, raised by the aggregate."""


class Account(Aggregate):
    registry = registry

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.owner: str | None = None
        self.balance = 0

    def open(self, owner: str) -> None:
        self.record(Opened(owner))

    def deposit(self, amount: int) -> None:
        self.record(Deposited(amount))

    def withdraw(self, amount: int) -> None:
        if amount > self.balance:
            raise InsufficientFundsError(f"balance {self.balance} is below {amount}")
        self.record(Deposited(-amount))

    @apply
    def _opened(self, event: Opened) -> None:
        self.owner = event.owner

    @apply
    def _deposited(self, event: Deposited) -> None:
        self.balance += event.amount


@dataclass(frozen=True)
class OpenAccount:
    account_id: str
    owner: str

    def validate(self) -> list[str]:
        problems = []
        if not self.account_id:
            problems.append("account_id: is empty")
        if not self.owner:
            problems.append("owner: is empty")
        return problems


@dataclass(frozen=True)
class Deposit:
    account_id: str
    amount: int
    idempotency_key: str | None = None

    def validate(self) -> list[str]:
        return [] if self.amount > 0 else [f"amount: must be above 0, got {self.amount}"]


@dataclass(frozen=True)
class Withdraw:
    account_id: str
    amount: int


def bank_handlers(store: EventStore) -> CommandHandlers:
    """The bank's handlers over `store`: open (creates), deposit and withdraw (load, decide)."""
    accounts = AggregateRepository(store, Account)
    handlers = CommandHandlers()
    handlers.register(
        OpenAccount,
        aggregate_handler(accounts, lambda a, c: a.open(c.owner), id_of="account_id", create=True),
    )
    handlers.register(
        Deposit, aggregate_handler(accounts, lambda a, c: a.deposit(c.amount), id_of="account_id")
    )
    handlers.register(
        Withdraw,
        aggregate_handler(accounts, lambda a, c: a.withdraw(c.amount), id_of="account_id"),
    )
    return handlers


async def elsewhere(work: Awaitable[T]) -> T:
    """Await `work` in a task with an empty context: outside any transaction or message
    context of the caller, as another process would be."""
    return await asyncio.create_task(_run(work), context=contextvars.Context())


async def _run(work: Awaitable[T]) -> T:
    return await work
