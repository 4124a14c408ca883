"""`SnapshotStoreContract`: the behaviour every `SnapshotStore` adapter must show.

Subclass it once per adapter with a `snapshot_store` fixture returning a fresh, empty store
for the default tenant, and a `tenant_snapshot_store` fixture returning a store over the same
storage for the tenant `"acme"`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mink_runtime.domain import Snapshot
from mink_runtime.ports import SnapshotStore

__all__ = ["SnapshotStoreContract"]

TAKEN = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def snapshot(version: int, stream_id: str = "order-1", **state: object) -> Snapshot:
    return Snapshot(
        stream_id=stream_id,
        version=version,
        aggregate_type="Order",
        schema_version=3,
        state=state or {"status": "open", "lines": [{"sku": "a", "qty": 2}], "total": "9.50"},
        taken_at=TAKEN,
    )


class SnapshotStoreContract:
    """The shared behaviour of snapshot stores."""

    @pytest.fixture
    def snapshot_store(self) -> SnapshotStore:
        raise NotImplementedError("subclasses provide a snapshot_store fixture")

    @pytest.fixture
    def tenant_snapshot_store(self) -> SnapshotStore:
        raise NotImplementedError("subclasses provide a tenant_snapshot_store fixture")

    async def test_a_saved_snapshot_loads_back_equal(self, snapshot_store: SnapshotStore) -> None:
        """Every field of a snapshot survives the round trip."""
        await snapshot_store.save(snapshot(7))
        loaded = await snapshot_store.load("order-1")
        assert loaded == snapshot(7)

    async def test_a_missing_snapshot_loads_as_none(self, snapshot_store: SnapshotStore) -> None:
        """No snapshot is not an error."""
        assert await snapshot_store.load("order-404") is None

    async def test_a_newer_snapshot_replaces_an_older_one(
        self, snapshot_store: SnapshotStore
    ) -> None:
        """Only the newest snapshot of a stream is kept."""
        await snapshot_store.save(snapshot(5, status="a"))
        await snapshot_store.save(snapshot(9, status="b"))
        loaded = await snapshot_store.load("order-1")
        assert loaded is not None
        assert (loaded.version, loaded.state["status"]) == (9, "b")

    async def test_an_older_snapshot_never_replaces_a_newer_one(
        self, snapshot_store: SnapshotStore
    ) -> None:
        """A slow writer saving an older snapshot does not roll the newest one back."""
        await snapshot_store.save(snapshot(9, status="new"))
        await snapshot_store.save(snapshot(5, status="old"))
        loaded = await snapshot_store.load("order-1")
        assert loaded is not None
        assert loaded.version == 9

    async def test_delete_forgets_the_snapshot(self, snapshot_store: SnapshotStore) -> None:
        """After delete the stream has no snapshot; deleting again is harmless."""
        await snapshot_store.save(snapshot(3))
        await snapshot_store.delete("order-1")
        assert await snapshot_store.load("order-1") is None
        await snapshot_store.delete("order-1")

    async def test_snapshots_are_per_stream_and_per_tenant(
        self, snapshot_store: SnapshotStore, tenant_snapshot_store: SnapshotStore
    ) -> None:
        """Streams and tenants do not see each other's snapshots."""
        await snapshot_store.save(snapshot(1, stream_id="order-1", who="default"))
        await snapshot_store.save(snapshot(2, stream_id="order-2", who="default"))
        await tenant_snapshot_store.save(snapshot(4, stream_id="order-1", who="acme"))
        mine = await snapshot_store.load("order-1")
        theirs = await tenant_snapshot_store.load("order-1")
        assert mine is not None
        assert theirs is not None
        assert (mine.version, mine.state["who"]) == (1, "default")
        assert (theirs.version, theirs.state["who"]) == (4, "acme")
        assert await tenant_snapshot_store.load("order-2") is None
