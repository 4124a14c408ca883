"""The `ProjectionStore` port: checkpoints, status, operator switches, dead letters and the
lease that keeps one worker per projection — everything the projection engine keeps in the
database beside the events."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, Self

from mink_runtime.domain import (
    Checkpoint,
    DeadLetter,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
)

__all__ = ["Lease", "ProjectionStore"]


class Lease(Protocol):
    """The right to be the one active worker of a projection (one version, one partition).

    On PostgreSQL it is a session advisory lock on a connection of its own: when the worker's
    process dies the connection closes, the lock is released, and a waiting worker gets it.
    """

    @property
    def key(self) -> str:
        """What is leased: `name`, `name@version` and `#partition` when not the defaults."""
        ...

    async def held(self) -> bool:
        """Whether the lease is still held (False once its connection was lost): a worker checks
        it before each batch and stops when it is gone."""
        ...


class ProjectionStore(Protocol):
    """Where the projection engine keeps its state, in the event store's database and tenant.

    Adapters: `InMemoryProjectionStore`, `SQLiteProjectionStore`, `PostgresProjectionStore`,
    each made from the event store of the same backend; each passes
    `mink_runtime.testing.ProjectionStoreContract`. Writes join the transaction open on the
    backend (`store.transaction()`), so a checkpoint commits with the read-model changes of its
    batch.
    """

    async def get(self, name: str, *, version: int = 1, partition: int = 0) -> ProjectionRecord:
        """The stored record, or a fresh one (START, STOPPED) when there is none."""
        ...

    async def list(self, name: str | None = None) -> list[ProjectionRecord]:
        """Every record (of one projection, when named), ordered by name, version, partition."""
        ...

    async def save_checkpoint(
        self,
        name: str,
        checkpoint: Checkpoint,
        *,
        expected: Checkpoint,
        version: int = 1,
        partition: int = 0,
    ) -> None:
        """Move the checkpoint from `expected` to `checkpoint`, joining the ambient transaction.

        Raises:
            CheckpointConflictError: the stored checkpoint is not `expected` (another worker
                moved it): the caller's transaction must roll back.
        """
        ...

    async def set_status(
        self,
        name: str,
        status: ProjectionStatus,
        *,
        version: int = 1,
        partition: int = 0,
        error: str | None = None,
    ) -> None:
        """Record what the worker is doing (and the error that faulted it; None clears it)."""
        ...

    async def reset(self, name: str, *, version: int = 1) -> None:
        """Set every partition of a version back to START (for a rebuild in place)."""
        ...

    async def drop(self, name: str, *, version: int) -> None:
        """Forget a version: its records and its dead letters (after a blue/green switch)."""
        ...

    async def control(self, name: str) -> ProjectionControl:
        """The operator switches of a projection (defaults when none were set)."""
        ...

    async def set_paused(self, name: str, paused: bool) -> None:
        """Pause or resume every worker of a projection; they obey before their next batch."""
        ...

    async def set_active_version(self, name: str, version: int) -> None:
        """Point readers at a version (the atomic switch of a blue/green rebuild)."""
        ...

    async def add_dead_letter(self, letter: DeadLetter) -> DeadLetter:
        """Record an event a projection could not process; returns it with its id."""
        ...

    async def dead_letters(
        self, name: str | None = None, *, version: int | None = None, limit: int = 100
    ) -> builtins.list[DeadLetter]:
        """Recorded dead letters, oldest first."""
        ...

    async def remove_dead_letters(self, ids: Sequence[int]) -> int:
        """Forget dead letters (after replaying or giving up on them); how many were removed."""
        ...

    def lease(
        self, name: str, *, version: int = 1, partition: int = 0, wait: float | None = None
    ) -> AbstractAsyncContextManager[Lease | None]:
        """Try to become the one active worker: the lease, or None when another worker holds it
        and `wait` (seconds; None: do not wait) ran out. Released on leaving the block."""
        ...

    def for_tenant(self, tenant_id: str) -> Self:
        """The same store, scoped to one tenant's projections."""
        ...
