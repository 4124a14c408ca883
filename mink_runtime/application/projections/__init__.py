"""The read side's engine: projections (async, inline, live), subscriptions and consumer groups.

```python
from mink_runtime import Projection, ProjectionEngine, Subscription, handles

class OrderSummaries(Projection):
    @handles
    async def placed(self, event: OrderPlaced, recorded: RecordedEvent) -> None: ...

engine = ProjectionEngine(store, [OrderSummaries(summaries)])
async with engine.running():
    ...
```

It talks to storage only through the ports (`EventStore`, `ProjectionStore`,
`ReadModelRepository`); see docs/concepts/projections.md and docs/concepts/subscriptions.md.
"""

from mink_runtime.application.projections._buffer import BufferedRepository
from mink_runtime.application.projections._defaults import (
    default_projection_store,
    use_projection_stores,
)
from mink_runtime.application.projections._engine import ProjectionEngine, ProjectionReport
from mink_runtime.application.projections._groups import ConsumerGroup, partition_of
from mink_runtime.application.projections._inline import InlineProjectingStore
from mink_runtime.application.projections._live import live
from mink_runtime.application.projections._projection import OnError, Projection, handles
from mink_runtime.application.projections._subscription import Subscription
from mink_runtime.application.projections._worker import WorkerSettings

__all__ = [
    "BufferedRepository",
    "ConsumerGroup",
    "InlineProjectingStore",
    "OnError",
    "Projection",
    "ProjectionEngine",
    "ProjectionReport",
    "Subscription",
    "WorkerSettings",
    "default_projection_store",
    "handles",
    "live",
    "partition_of",
    "use_projection_stores",
]
