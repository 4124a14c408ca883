"""The PostgreSQL backend (psycopg 3, psycopg_pool): the production event store, and read models
in typed tables of the same database."""

from mink_runtime.adapters.postgres._event_store import PostgresEventStore, PostgresTransaction
from mink_runtime.adapters.postgres._idempotency_store import PostgresIdempotencyStore
from mink_runtime.adapters.postgres._projection_store import PostgresProjectionStore
from mink_runtime.adapters.postgres._read_model_repository import PostgresReadModelRepository
from mink_runtime.adapters.postgres._snapshot_store import PostgresSnapshotStore

__all__ = [
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresProjectionStore",
    "PostgresReadModelRepository",
    "PostgresSnapshotStore",
    "PostgresTransaction",
]
