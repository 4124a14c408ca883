"""The blocking twins of the projection engine and of subscriptions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from mink_runtime import EventRegistry, Projection, ProjectionStatus, handles, sync
from mink_runtime.ports import ReadModelRepository

registry = EventRegistry()


@registry.event("sync.Clicked")
@dataclass(frozen=True)
class Clicked:
    button: str


@dataclass(frozen=True)
class Clicks:
    id: str
    count: int


class ClickCounts(Projection):
    def __init__(self, clicks: ReadModelRepository[Clicks]) -> None:
        self.clicks = clicks

    @handles
    async def clicked(self, event: Clicked) -> None:
        current = await self.clicks.get(event.button)
        await self.clicks.upsert(Clicks(event.button, (current.count if current else 0) + 1))

    async def clear(self) -> None:
        await self.clicks.clear()


def test_the_blocking_engine_catches_up_and_reports() -> None:
    """catch_up, status, wait_for, rebuild and live work from plain blocking code."""
    store = sync.InMemoryEventStore(registry=registry)
    clicks = sync.InMemoryReadModelRepository(Clicks, store=store)
    engine = sync.ProjectionEngine(store, [ClickCounts(clicks.async_repository)])
    for button in ["ok", "ok", "cancel"]:
        result = engine.store.append(f"button-{button}", [Clicked(button)])
    engine.catch_up()
    engine.wait_for(result)
    assert clicks.get("ok") == Clicks("ok", 2)
    [report] = engine.status()
    assert (report.name, report.status, report.lag) == ("click_counts", ProjectionStatus.STOPPED, 0)
    done: list[int] = []
    engine.rebuild("click_counts", progress=lambda n, total: done.append(n))
    assert done[-1] == 3
    assert clicks.get("cancel") == Clicks("cancel", 1)
    assert store.count_events(event_types=["sync.Clicked"]) == 3


def test_the_blocking_subscription_iterates() -> None:
    """`for event in subscription` yields the log's events, and acks them."""
    store = sync.InMemoryEventStore(registry=registry)
    store.append("button-a", [Clicked("a"), Clicked("b")])
    subscription = sync.Subscription(store, "reader")
    events = list(itertools.islice(subscription, 2))
    assert [e.data.button for e in events] == ["a", "b"]
    subscription.ack(events[-1])
