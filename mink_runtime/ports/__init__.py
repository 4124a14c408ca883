"""Ports: the small protocols the application layer talks to; adapters implement them."""

from mink_runtime.ports._event_store import EventStore, EventStoreTransaction, Watch
from mink_runtime.ports._idempotency_store import IdempotencyStore
from mink_runtime.ports._projection_store import Lease, ProjectionStore
from mink_runtime.ports._read_model_repository import ReadModelRepository
from mink_runtime.ports._snapshot_store import SnapshotStore

__all__ = [
    "EventStore",
    "EventStoreTransaction",
    "IdempotencyStore",
    "Lease",
    "ProjectionStore",
    "ReadModelRepository",
    "SnapshotStore",
    "Watch",
]
