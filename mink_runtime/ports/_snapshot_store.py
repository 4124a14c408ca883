"""The `SnapshotStore` port: newest snapshot per stream."""

from __future__ import annotations

from typing import Protocol

from mink_runtime.domain import Snapshot

__all__ = ["SnapshotStore"]


class SnapshotStore(Protocol):
    """Keeps the newest snapshot of each stream."""

    async def save(self, snapshot: Snapshot) -> None:
        """Store a snapshot, replacing an older one of the same stream (never a newer one)."""
        ...

    async def load(self, stream_id: str) -> Snapshot | None:
        """The newest snapshot of a stream, or None."""
        ...

    async def delete(self, stream_id: str) -> None:
        """Forget a stream's snapshot."""
        ...
