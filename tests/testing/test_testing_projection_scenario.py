"""ProjectionScenario: given events, the projection ran; its read model can be inspected."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mink_runtime import (
    EventRegistry,
    InMemoryReadModelRepository,
    OnError,
    Projection,
    ProjectionFailedError,
    handles,
)
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import ProjectionScenario

registry = EventRegistry()


@registry.event("scenario.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


@dataclass(frozen=True)
class Balance:
    id: str
    amount: int


class Balances(Projection):
    def __init__(self, balances: ReadModelRepository[Balance]) -> None:
        self.balances = balances

    @handles
    async def deposited(self, event: Deposited, recorded: object) -> None:
        if event.amount < 0:
            raise ValueError("a negative deposit")
        stream_id = recorded.stream_id  # type: ignore[attr-defined]
        current = await self.balances.get(stream_id)
        total = (current.amount if current else 0) + event.amount
        await self.balances.upsert(Balance(stream_id, total))


def build(store: EventStore) -> Balances:
    return Balances(InMemoryReadModelRepository(Balance, store=store))  # type: ignore[arg-type]


@pytest.mark.parametrize("inline", [False, True])
async def test_given_events_the_read_model_is_updated(inline: bool) -> None:
    """As an async or an inline projection, the events given are applied in order."""
    scenario = ProjectionScenario(build, registry=registry, inline=inline)
    await scenario.given(Deposited(10), Deposited(5), stream="account-1")
    await scenario.given(Deposited(1), stream="account-2")
    assert await scenario.projection.balances.find() == [
        Balance("account-1", 15),
        Balance("account-2", 1),
    ]


async def test_a_failing_handler_raises_or_is_dead_lettered() -> None:
    """STOP raises ProjectionFailedError; SKIP records a dead letter."""
    scenario = ProjectionScenario(build, registry=registry)
    with pytest.raises(ProjectionFailedError, match="a negative deposit"):
        await scenario.given(Deposited(-1), stream="account-1")

    class Lenient(Balances):
        name = "lenient"
        on_error = OnError.SKIP
        retries = 1

    lenient = ProjectionScenario(
        lambda store: Lenient(InMemoryReadModelRepository(Balance, store=store)),  # type: ignore[arg-type]
        registry=registry,
    )
    await lenient.given(Deposited(-1), Deposited(2), stream="account-1")
    assert [letter.stream_version for letter in await lenient.dead_letters()] == [1]
    assert await lenient.projection.balances.get("account-1") == Balance("account-1", 2)
