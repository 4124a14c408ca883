"""The SQLite backend (stdlib `sqlite3`, WAL): mink's embedded default.

```python
store = await SQLiteEventStore.open("app.db")            # migrated with `mink migrate up`
store = await SQLiteEventStore.open(":memory:", migrate=True)
async with store:
    await store.append("order-1", [OrderPlaced(...)], expected_version=NO_STREAM)
    snapshot = await store.snapshots.load("order-1")      # SQLiteSnapshotStore, same database
```

The modules behind it: `_event_store` (the store), `_append` and `_transaction` (writing),
`_connection` (connections, locking, busy waits), `_sql` (statements), `_rows` (row formats),
`_schema` (migrations and the schema check), `_snapshot_store`, `_idempotency_store`,
`_projection_store` (checkpoints, switches and dead letters of projections), `_lease` (one
worker per projection), `_errors` (the `sqlite3` edge), `_read_model_repository` (read models
in tables of the same database).
"""

from mink_runtime.adapters.sqlite._event_store import SQLiteEventStore
from mink_runtime.adapters.sqlite._idempotency_store import SQLiteIdempotencyStore
from mink_runtime.adapters.sqlite._projection_store import SQLiteProjectionStore
from mink_runtime.adapters.sqlite._read_model_repository import SQLiteReadModelRepository
from mink_runtime.adapters.sqlite._snapshot_store import SQLiteSnapshotStore
from mink_runtime.adapters.sqlite._transaction import SQLiteTransaction

__all__ = [
    "SQLiteEventStore",
    "SQLiteIdempotencyStore",
    "SQLiteProjectionStore",
    "SQLiteReadModelRepository",
    "SQLiteSnapshotStore",
    "SQLiteTransaction",
]
