"""`ProjectionScenario`: feed events to a projection, run it, then look at its read model.

```python
scenario = ProjectionScenario(lambda store: OrderSummaries(
    InMemoryReadModelRepository(OrderSummary, store=store)))
await scenario.given(OrderPlaced("alice", 30), stream="order-1")
assert await scenario.projection.summaries.get("order-1") == OrderSummary(...)
```

It runs on an `InMemoryEventStore` by default (pass `store=` for another), through a real
`ProjectionEngine`: the projection sees the events exactly as a worker would (as an async
projection, caught up after each `given`; or `inline=True`, inside each append).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from mink_runtime.adapters.memory import InMemoryEventStore
from mink_runtime.application.projections import Projection, ProjectionEngine
from mink_runtime.domain import AppendResult, DeadLetter, EventRegistry
from mink_runtime.ports import EventStore

__all__ = ["ProjectionScenario"]

P = TypeVar("P", bound=Projection)


class ProjectionScenario(Generic[P]):
    """Given events, the projection has run; then inspect `projection` (or its repositories)."""

    def __init__(
        self,
        projection: P | Callable[[EventStore], P],
        *,
        store: EventStore | None = None,
        registry: EventRegistry | None = None,
        inline: bool = False,
    ) -> None:
        """`projection`: an instance, or a function building one on the scenario's store (so
        that its repositories join that store's transactions)."""
        self.store: EventStore = (
            store if store is not None else InMemoryEventStore(registry=registry)
        )
        self.projection: P = (
            projection if isinstance(projection, Projection) else projection(self.store)
        )
        self.engine = (
            ProjectionEngine(self.store, inline=[self.projection])
            if inline
            else ProjectionEngine(self.store, [self.projection])
        )
        self._inline = inline

    async def given(self, *events: Any, stream: str) -> AppendResult:
        """Append events to a stream and run the projection over them.

        Raises:
            ProjectionFailedError: a handler failed (and the projection stops on errors).
        """
        result = await self.engine.store.append(stream, list(events))
        if not self._inline:
            await self.engine.catch_up()
        return result

    async def dead_letters(self) -> list[DeadLetter]:
        """The events the projection could not process (with `OnError.SKIP`)."""
        return await self.engine.projection_store.dead_letters(self.projection.name)
