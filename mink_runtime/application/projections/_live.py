"""Live projections: fold a stream (or a filtered read of the log) on demand, with no checkpoint.

```python
totals = await live(store, OrderTotals, stream_id="order-42")
print(totals.total)
```

The projection class is instantiated without arguments and keeps its state in plain
attributes; its `@handles` methods see every event of the stream (or of the log's filter) in
order.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from mink_runtime.application.projections._projection import Projection
from mink_runtime.domain import Checkpoint
from mink_runtime.errors import StreamNotFoundError
from mink_runtime.ports import EventStore

__all__ = ["live"]

P = TypeVar("P", bound=Projection)

_BATCH = 1000


async def live(
    store: EventStore,
    projection: type[P] | P,
    *,
    stream_id: str | None = None,
    categories: Collection[str] | None = None,
    until: Checkpoint | None = None,
) -> P:
    """Fold events into a fresh projection (a class, or an instance to fold into) and return it:
    the events of one stream, or those of the log that its handlers take (of `categories`,
    up to `until` when given). A stream that does not exist folds nothing.

    Raises:
        ConfigurationError: a handled event class is not in the store's registry.
        StreamDeletedError: the stream was hard-deleted.
    """
    folded = projection() if isinstance(projection, type) else projection
    if stream_id is not None:
        try:
            events = await store.read_stream(stream_id)
        except StreamNotFoundError:
            return folded
        for event in events:
            if folded.handles_event(event):
                await folded.apply(event)
        await folded.flush()
        return folded
    types = folded.event_types(store.codec.registry)
    after = Checkpoint.START
    while True:
        page = await store.read_all(
            after=after, limit=_BATCH, categories=categories, event_types=types
        )
        for event in page.events:
            if until is not None and event.checkpoint > until:
                break
            await folded.apply(event)
        else:
            after = page.checkpoint
            if not page.is_end:
                continue
        await folded.flush()
        return folded
