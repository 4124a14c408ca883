"""The in-memory backend: public API, for tests and examples."""

from mink_runtime.adapters.memory._event_store import InMemoryEventStore, InMemoryTransaction
from mink_runtime.adapters.memory._idempotency_store import InMemoryIdempotencyStore
from mink_runtime.adapters.memory._projection_store import InMemoryProjectionStore
from mink_runtime.adapters.memory._read_model_repository import InMemoryReadModelRepository
from mink_runtime.adapters.memory._snapshot_store import InMemorySnapshotStore

__all__ = [
    "InMemoryEventStore",
    "InMemoryIdempotencyStore",
    "InMemoryProjectionStore",
    "InMemoryReadModelRepository",
    "InMemorySnapshotStore",
    "InMemoryTransaction",
]
