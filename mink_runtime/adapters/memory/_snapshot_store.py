"""`InMemorySnapshotStore`: snapshots in a dict, for tests."""

from __future__ import annotations

from dataclasses import replace

import orjson

from mink_runtime.domain import Snapshot

__all__ = ["InMemorySnapshotStore"]


class InMemorySnapshotStore:
    """Keeps the newest snapshot of each stream in memory."""

    def __init__(self, tenant_id: str = "") -> None:
        self.tenant_id = tenant_id
        self._snapshots: dict[tuple[str, str], Snapshot] = {}

    def for_tenant(self, tenant_id: str) -> InMemorySnapshotStore:
        """The same snapshots, scoped to another tenant."""
        view = InMemorySnapshotStore(tenant_id)
        view._snapshots = self._snapshots
        return view

    async def save(self, snapshot: Snapshot) -> None:
        key = (self.tenant_id, snapshot.stream_id)
        current = self._snapshots.get(key)
        if current is None or current.version <= snapshot.version:
            self._snapshots[key] = _copy(snapshot)

    async def load(self, stream_id: str) -> Snapshot | None:
        snapshot = self._snapshots.get((self.tenant_id, stream_id))
        return None if snapshot is None else _copy(snapshot)

    async def delete(self, stream_id: str) -> None:
        self._snapshots.pop((self.tenant_id, stream_id), None)


def _copy(snapshot: Snapshot) -> Snapshot:
    """A snapshot whose state shares nothing with the caller's, as if stored in a database."""
    return replace(snapshot, state=orjson.loads(orjson.dumps(dict(snapshot.state))))
