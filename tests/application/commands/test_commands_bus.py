"""`CommandBus`: registering handlers, dispatching, the results, and the middleware onion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from bank import Account, Deposit, Deposited, OpenAccount, Opened, registry

from mink_runtime import (
    AggregateRepository,
    AppendResult,
    CommandBus,
    CommandHandlers,
    CommandResult,
    ConfigurationError,
    InMemoryEventStore,
    UnknownCommandError,
)
from mink_runtime.application.commands import (
    CommandContext,
    Correlation,
    Logging,
    Next,
    Recovery,
    Retry,
    Timeout,
    Validation,
    current_command,
    default_middleware,
)


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore(registry=registry)


@pytest.fixture
def accounts(store: InMemoryEventStore) -> AggregateRepository[Account]:
    return AggregateRepository(store, Account)


async def test_dispatch_runs_the_handler_and_reports_what_it_wrote(
    accounts: AggregateRepository[Account],
) -> None:
    """A handler returning its save's result gives the aggregate id, version and positions."""
    bus = CommandBus()

    @bus.handler
    async def open_account(command: OpenAccount) -> AppendResult | None:
        account = Account(command.account_id)
        account.open(command.owner)
        return await accounts.save(account)

    result = await bus.dispatch(OpenAccount("7", "alice"))
    assert (result.aggregate_id, result.stream_id, result.version) == ("7", "account-7", 1)
    assert len(result.positions) == 1
    assert result.checkpoint is not None
    assert result.checkpoint.position == result.positions[-1]
    assert not result.replayed
    assert (await accounts.load("7")).owner == "alice"


async def test_a_plain_def_handler_works_too() -> None:
    """Handlers may be `def`; they run on the loop and their value is the result's."""
    bus = CommandBus()
    bus.register(OpenAccount, lambda command: f"hello {command.owner}")
    result = await bus.dispatch(OpenAccount("7", "alice"))
    assert result.value == "hello alice"
    assert (result.stream_id, result.version, result.positions) == (None, None, ())


async def test_a_handler_returning_nothing_gets_the_result_of_its_saves(
    accounts: AggregateRepository[Account],
) -> None:
    """Saves made through repositories during the dispatch make up the result."""
    bus = CommandBus()

    @bus.handler
    async def open_two(command: OpenAccount) -> None:
        for suffix in ("a", "b"):
            account = Account(command.account_id + suffix)
            account.open(command.owner)
            account.deposit(5)
            await accounts.save(account)

    result = await bus.dispatch(OpenAccount("7", "alice"))
    assert (result.aggregate_id, result.stream_id, result.version) == ("7b", "account-7b", 2)
    assert len(result.positions) == 4
    assert result.recorded


async def test_dispatching_a_command_nobody_handles_names_the_fix() -> None:
    """The error says how to register a handler and lists the commands that have one."""
    bus = CommandBus()
    bus.register(OpenAccount, lambda command: None)
    with pytest.raises(UnknownCommandError, match=r"bus\.register\(Deposit, handler\)") as raised:
        await bus.dispatch(Deposit("7", 5))
    assert raised.value.registered == ("OpenAccount",)


def test_a_command_type_has_exactly_one_handler() -> None:
    """Registering a second handler for the same command is refused."""
    bus = CommandBus()
    bus.register(OpenAccount, lambda command: None)
    with pytest.raises(ConfigurationError, match="already has a handler"):
        bus.register(OpenAccount, lambda command: None)


def test_two_command_classes_of_one_name_need_distinct_names() -> None:
    """Names identify commands in logs, metrics and idempotency records, so they are unique."""

    @dataclass
    class OpenAccount:  # same name as the bank's, another class
        account_id: str

    from bank import OpenAccount as BankOpenAccount

    bus = CommandBus()
    bus.register(BankOpenAccount, lambda command: None)
    with pytest.raises(ConfigurationError, match="distinct name"):
        bus.register(OpenAccount, lambda command: None)
    assert bus.register(OpenAccount, lambda command: None, name="LocalOpen").name == "LocalOpen"


async def test_the_decorator_takes_the_command_type_from_the_annotation_or_its_argument() -> None:
    """`@bus.handler` reads the first parameter's annotation; `@bus.handler(T)` names it."""
    bus = CommandBus()

    @bus.handler
    def annotated(command: OpenAccount) -> str:
        return "annotated"

    @bus.handler(Deposit, timeout=2)
    def named(command: Any) -> str:
        return "named"

    assert (await bus.dispatch(OpenAccount("1", "a"))).value == "annotated"
    assert (await bus.dispatch(Deposit("1", 1))).value == "named"
    assert bus.handlers.lookup(Deposit).timeout == 2.0


def test_a_handler_without_a_command_type_is_refused_with_the_fix() -> None:
    """No annotation and no type named: the error shows both ways to say it."""
    bus = CommandBus()
    with pytest.raises(ConfigurationError, match=r"@bus\.handler\(PlaceOrder\)"):

        @bus.handler
        def handle(command):  # type: ignore[no-untyped-def]
            return None


@pytest.mark.parametrize("timeout", [0, -1, True])
def test_a_handler_timeout_must_be_positive_seconds(timeout: object) -> None:
    """A zero, negative or boolean timeout is a mistake, refused at registration."""
    with pytest.raises(ConfigurationError, match="seconds"):
        CommandBus().register(OpenAccount, lambda c: None, timeout=timeout)  # type: ignore[arg-type]


async def test_handlers_declared_elsewhere_are_included() -> None:
    """A module's `CommandHandlers` can be included into a bus's."""
    module_handlers = CommandHandlers()
    module_handlers.register(OpenAccount, lambda command: "from the module")
    bus = CommandBus()
    bus.handlers.include(module_handlers)
    assert OpenAccount in bus.handlers
    assert (await bus.dispatch(OpenAccount("1", "a"))).value == "from the module"


async def test_a_command_id_attribute_is_used_and_otherwise_one_is_drawn() -> None:
    """The command's own id names the dispatch; without one each dispatch gets a UUIDv7."""

    @dataclass(frozen=True)
    class Ping:
        command_id: str

    bus = CommandBus()
    bus.register(Ping, lambda command: None)
    bus.register(OpenAccount, lambda command: None)
    assert (await bus.dispatch(Ping("ping-1"))).command_id == "ping-1"
    first = (await bus.dispatch(OpenAccount("1", "a"))).command_id
    second = (await bus.dispatch(OpenAccount("1", "a"))).command_id
    assert first != second
    assert uuid.UUID(first).version == 7


async def test_the_handler_sees_its_dispatch_as_the_current_command() -> None:
    """`current_command()` is the running dispatch inside the handler, None outside."""
    seen: list[CommandContext | None] = []
    bus = CommandBus()
    bus.register(OpenAccount, lambda command: seen.append(current_command()))
    result = await bus.dispatch(OpenAccount("1", "a"))
    context = seen[0]
    assert context is not None
    assert (context.command_type, context.command_id, context.attempt) == (
        "OpenAccount",
        result.command_id,
        1,
    )
    assert current_command() is None


async def test_middleware_wrap_the_handler_outermost_first_and_use_adds_innermost() -> None:
    """The list's first layer runs first and finishes last; `use` goes next to the handler."""
    calls: list[str] = []

    def layer(name: str) -> Any:
        async def middleware(command: Any, context: CommandContext, call_next: Next) -> Any:
            calls.append(f"{name} in")
            result = await call_next(command, context)
            calls.append(f"{name} out")
            return result

        return middleware

    bus = CommandBus(middleware=[layer("a"), layer("b")])
    bus.use(layer("c"))
    bus.register(OpenAccount, lambda command: calls.append("handler"))
    await bus.dispatch(OpenAccount("1", "a"))
    assert calls == ["a in", "b in", "c in", "handler", "c out", "b out", "a out"]


async def test_a_middleware_may_hand_a_different_command_inward() -> None:
    """What a layer passes to `call_next` is what the handler gets."""

    async def normalise(command: Any, context: CommandContext, call_next: Next) -> CommandResult:
        return await call_next(OpenAccount(command.account_id, command.owner.title()), context)

    bus = CommandBus(middleware=[normalise])
    bus.register(OpenAccount, lambda command: command.owner)
    assert (await bus.dispatch(OpenAccount("1", "alice"))).value == "Alice"


def test_the_default_middleware_come_in_the_documented_order() -> None:
    """Recovery, correlation, logging, validation, timeout, retry; optional layers in place."""
    bus = CommandBus()
    assert [type(m) for m in bus.middleware] == [
        Recovery,
        Correlation,
        Logging,
        Validation,
        Timeout,
        Retry,
    ]
    marker = [object(), object(), object()]
    layers = default_middleware(
        metrics=marker[0],  # type: ignore[arg-type]
        tracing=marker[1],  # type: ignore[arg-type]
        idempotency=marker[2],  # type: ignore[arg-type]
    )
    assert layers[3:5] == marker[:2]
    assert layers[-1] is marker[2]
    assert [type(m) for m in layers[5:8]] == [Validation, Timeout, Retry]


async def test_recorded_events_are_the_handlers_own(
    store: InMemoryEventStore, accounts: AggregateRepository[Account]
) -> None:
    """What the handler saved is in the store, in order, and nothing else."""
    bus = CommandBus()

    @bus.handler
    async def open_account(command: OpenAccount) -> None:
        account = Account(command.account_id)
        account.open(command.owner)
        account.deposit(10)
        await accounts.save(account)

    await bus.dispatch(OpenAccount("7", "alice"))
    assert [e.data for e in (await store.read_all()).events] == [Opened("alice"), Deposited(10)]
