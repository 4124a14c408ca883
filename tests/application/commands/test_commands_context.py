"""Correlation, causation, tenant and user: written into every event a handler records, on
every backend, without the handler doing anything."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from bank import Account, Deposit, OpenAccount, bank_handlers
from conftest import Backend

from mink_runtime import (
    AggregateRepository,
    CommandBus,
    Metadata,
    NewEvent,
    causation_from,
    current_context,
    message_context,
)
from mink_runtime.application.commands import COMMAND_CAUSATION


@dataclass(frozen=True)
class OpenForTenant:
    account_id: str
    owner: str
    tenant_id: str
    user_id: str


@dataclass(frozen=True)
class OpenWithBonus:
    account_id: str


async def test_events_carry_the_correlation_causation_tenant_and_user_in_force(
    backend: Backend,
) -> None:
    """Every event a command records names the request's correlation, the command as cause,
    and the tenant and user it ran for."""
    bus = CommandBus(handlers=bank_handlers(backend.store))
    with message_context(correlation_id="request-1", user_id="alice", tenant_id="acme"):
        opened = await bus.dispatch(OpenAccount("1", "alice"))
        deposited = await bus.dispatch(Deposit("1", 5))
    events = await backend.store.read_stream("account-1")
    assert [e.metadata for e in events] == [
        Metadata(
            correlation_id="request-1",
            causation_id=opened.command_id,
            user_id="alice",
            tenant_id="acme",
        ),
        Metadata(
            correlation_id="request-1",
            causation_id=deposited.command_id,
            user_id="alice",
            tenant_id="acme",
        ),
    ]


async def test_a_command_outside_any_context_starts_a_correlation_of_its_own(
    backend: Backend,
) -> None:
    """With no correlation in force the command's id starts one; tenant and user come from the
    command's attributes when it has them."""

    accounts = AggregateRepository(backend.store, Account)
    bus = CommandBus()

    @bus.handler
    async def open_account(command: OpenForTenant) -> None:
        account = Account(command.account_id)
        account.open(command.owner)
        await accounts.save(account)

    result = await bus.dispatch(OpenForTenant("1", "alice", tenant_id="acme", user_id="u-9"))
    (event,) = await backend.store.read_stream("account-1")
    assert event.metadata == Metadata(
        correlation_id=result.command_id,
        causation_id=result.command_id,
        tenant_id="acme",
        user_id="u-9",
    )


async def test_a_command_dispatched_while_handling_an_event_is_caused_by_it(
    backend: Backend,
) -> None:
    """Inside `causation_from(event)` (a saga, a projection) the next command keeps the event's
    correlation; its events name the command as cause and the event as the command's cause."""
    bus = CommandBus(handlers=bank_handlers(backend.store))
    with message_context(correlation_id="request-1", user_id="alice"):
        await bus.dispatch(OpenAccount("1", "alice"))
    (opened,) = await backend.store.read_stream("account-1")
    with causation_from(opened):
        bonus = await bus.dispatch(Deposit("1", 50))
    (_, deposited) = await backend.store.read_stream("account-1")
    assert deposited.metadata.correlation_id == "request-1"
    assert deposited.metadata.causation_id == bonus.command_id
    assert deposited.metadata.user_id == "alice"
    assert deposited.metadata.extra == {COMMAND_CAUSATION: str(opened.event_id)}


async def test_a_command_dispatched_by_a_handler_is_caused_by_that_command(
    backend: Backend,
) -> None:
    """Nested dispatch: the inner command shares the correlation and names the outer one as
    its cause."""
    bus = CommandBus(handlers=bank_handlers(backend.store))

    @bus.handler
    async def open_with_bonus(command: OpenWithBonus) -> str:
        await bus.dispatch(OpenAccount(command.account_id, "bob"))
        return current_context().causation_id or ""

    with message_context(correlation_id="request-2"):
        outer = await bus.dispatch(OpenWithBonus("2"))
    assert outer.value == outer.command_id  # the handler ran with its command as the cause
    (event,) = await backend.store.read_stream("account-2")
    assert event.metadata.correlation_id == "request-2"
    assert event.metadata.causation_id != outer.command_id
    assert event.metadata.extra == {COMMAND_CAUSATION: outer.command_id}


async def test_metadata_an_event_sets_itself_wins_over_the_context(backend: Backend) -> None:
    """The context fills only what the event's own metadata leaves unset; extras merge."""
    with message_context(correlation_id="ctx", user_id="ctx-user", headers={"source": "ctx"}):
        await backend.store.append(
            "audit-1",
            [
                NewEvent(
                    type="audit.Noted",
                    data={"n": 1},
                    metadata=Metadata(user_id="own-user", extra={"client": "cli"}),
                )
            ],
        )
    (event,) = await backend.store.read_stream("audit-1")
    assert event.metadata == Metadata(
        correlation_id="ctx", user_id="own-user", extra={"source": "ctx", "client": "cli"}
    )


async def test_appends_outside_any_context_carry_no_metadata(backend: Backend) -> None:
    """No context, no metadata: nothing is invented."""
    await backend.store.append("audit-1", [NewEvent(type="audit.Noted", data={"n": 1})])
    (event,) = await backend.store.read_stream("audit-1")
    assert event.metadata == Metadata.EMPTY


@pytest.mark.parametrize("field", ["correlation_id", "user_id", "tenant_id"])
async def test_the_context_is_restored_after_the_block(field: str) -> None:
    """Leaving a `message_context` block brings back what was in force before it."""
    with message_context(**{field: "outer"}):
        with message_context(**{field: "inner"}):
            assert getattr(current_context(), field) == "inner"
        assert getattr(current_context(), field) == "outer"
    assert getattr(current_context(), field) is None
