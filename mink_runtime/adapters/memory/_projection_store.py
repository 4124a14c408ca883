"""`InMemoryProjectionStore`: the projection engine's state in process memory, beside an
in-memory event store.

Everything lives with the event store's memory, so every projection store over it (and every
tenant view) shares it. Writes made inside `store.transaction()` are staged in the open
`InMemoryTransaction` and applied by its commit, so a checkpoint commits with the read-model
changes of its batch; reads inside the block see them. Leases are held in process: one worker
per projection, version and partition among the tasks of this process.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Self

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._projections import check_lease_wait, lease_name
from mink_runtime.adapters.memory._event_store import InMemoryEventStore, InMemoryTransaction
from mink_runtime.domain import (
    Checkpoint,
    DeadLetter,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
)
from mink_runtime.errors import CheckpointConflictError, ConfigurationError

__all__ = ["InMemoryProjectionStore"]

RecordKey = tuple[str, str, int, int]  # tenant, name, version, partition
ControlKey = tuple[str, str]  # tenant, name


class _State:
    """What every projection store over one memory shares."""

    def __init__(self) -> None:
        self.records: dict[RecordKey, ProjectionRecord] = {}
        self.controls: dict[ControlKey, ProjectionControl] = {}
        self.letters: dict[int, tuple[str, DeadLetter]] = {}
        self.next_letter = 1
        self.leases: dict[tuple[str, str], _MemoryLease] = {}
        self.released = asyncio.Event()


class _Staged:
    """The writes of one transaction, applied on its commit."""

    def __init__(self) -> None:
        self.records: dict[RecordKey, ProjectionRecord] = {}
        self.controls: dict[ControlKey, ProjectionControl] = {}
        self.letters: list[tuple[str, DeadLetter]] = []


_states: weakref.WeakKeyDictionary[object, _State] = weakref.WeakKeyDictionary()
_staged: weakref.WeakKeyDictionary[InMemoryTransaction, _Staged] = weakref.WeakKeyDictionary()


class _MemoryLease:
    def __init__(self, key: str) -> None:
        self._key = key
        self.holding = True

    @property
    def key(self) -> str:
        return self._key

    async def held(self) -> bool:
        return self.holding


class InMemoryProjectionStore:
    """Projection checkpoints, status, switches, dead letters and leases beside an
    `InMemoryEventStore` (and for its tenant). Public API: for tests and examples."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._memory = store._memory
        self.tenant_id = store.tenant_id
        self._state = _states.setdefault(self._memory, _State())

    def for_tenant(self, tenant_id: str) -> Self:
        return type(self)(self._store.for_tenant(tenant_id))

    # --- reading -------------------------------------------------------------------------

    async def get(self, name: str, *, version: int = 1, partition: int = 0) -> ProjectionRecord:
        found = self._records().get((self.tenant_id, name, version, partition))
        return found or ProjectionRecord(name=name, version=version, partition=partition)

    async def list(self, name: str | None = None) -> list[ProjectionRecord]:
        records = [
            record
            for (tenant, named, _, _), record in self._records().items()
            if tenant == self.tenant_id and (name is None or named == name)
        ]
        return sorted(records, key=lambda r: (r.name, r.version, r.partition))

    async def control(self, name: str) -> ProjectionControl:
        staged = self._transaction()
        key = (self.tenant_id, name)
        found = staged.controls.get(key) if staged is not None else None
        return found or self._state.controls.get(key) or ProjectionControl(name=name)

    async def dead_letters(
        self, name: str | None = None, *, version: int | None = None, limit: int = 100
    ) -> builtins.list[DeadLetter]:
        letters = [
            letter
            for tenant, letter in self._state.letters.values()
            if tenant == self.tenant_id
            and (name is None or letter.projection == name)
            and (version is None or letter.version == version)
        ]
        return letters[: max(limit, 0)]

    # --- writing -------------------------------------------------------------------------

    async def save_checkpoint(
        self,
        name: str,
        checkpoint: Checkpoint,
        *,
        expected: Checkpoint,
        version: int = 1,
        partition: int = 0,
    ) -> None:
        current = await self.get(name, version=version, partition=partition)
        if current.checkpoint != expected:
            raise CheckpointConflictError(name, expected, current.checkpoint)
        self._put(replace(current, checkpoint=checkpoint, updated_at=datetime.now(UTC)))

    async def set_status(
        self,
        name: str,
        status: ProjectionStatus,
        *,
        version: int = 1,
        partition: int = 0,
        error: str | None = None,
    ) -> None:
        current = await self.get(name, version=version, partition=partition)
        self._put(replace(current, status=status, last_error=error, updated_at=datetime.now(UTC)))

    async def reset(self, name: str, *, version: int = 1) -> None:
        for record in await self.list(name):
            if record.version == version:
                self._put(
                    replace(record, checkpoint=Checkpoint.START, updated_at=datetime.now(UTC))
                )

    async def drop(self, name: str, *, version: int) -> None:
        tenant = self.tenant_id
        for key in [k for k in self._state.records if k[:3] == (tenant, name, version)]:
            del self._state.records[key]
        for letter_id, (owner, letter) in list(self._state.letters.items()):
            if owner == tenant and letter.projection == name and letter.version == version:
                del self._state.letters[letter_id]

    async def set_paused(self, name: str, paused: bool) -> None:
        control = await self.control(name)
        self._put_control(replace(control, paused=paused, updated_at=datetime.now(UTC)))

    async def set_active_version(self, name: str, version: int) -> None:
        if version < 1:
            raise ConfigurationError(f"projection {name!r}: a version is 1 or more, not {version}")
        control = await self.control(name)
        self._put_control(replace(control, active_version=version, updated_at=datetime.now(UTC)))

    async def add_dead_letter(self, letter: DeadLetter) -> DeadLetter:
        state = self._state
        recorded = replace(letter, id=state.next_letter)
        state.next_letter += 1
        staged = self._transaction()
        if staged is None:
            state.letters[recorded.id] = (self.tenant_id, recorded)  # type: ignore[index]
        else:
            staged.letters.append((self.tenant_id, recorded))
        return recorded

    async def remove_dead_letters(self, ids: Sequence[int]) -> int:
        removed = 0
        for letter_id in ids:
            found = self._state.letters.get(letter_id)
            if found is not None and found[0] == self.tenant_id:
                del self._state.letters[letter_id]
                removed += 1
        return removed

    # --- the lease -----------------------------------------------------------------------

    @asynccontextmanager
    async def lease(
        self, name: str, *, version: int = 1, partition: int = 0, wait: float | None = None
    ) -> AsyncIterator[_MemoryLease | None]:
        """The lease of one projection version and partition among this process's tasks, or
        None when another holds it and `wait` ran out.

        Raises:
            ConfigurationError: `wait` is negative.
        """
        check_lease_wait(wait)
        state = self._state
        slot = (self.tenant_id, lease_name(name, version, partition))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (wait or 0.0)
        while slot in state.leases:
            left = deadline - loop.time()
            if left <= 0:
                yield None
                return
            released = state.released
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), min(left, 0.5))
        lease = state.leases[slot] = _MemoryLease(slot[1])
        try:
            yield lease
        finally:
            lease.holding = False
            if state.leases.get(slot) is lease:
                del state.leases[slot]
            state.released.set()
            state.released = asyncio.Event()

    # --- the transaction -----------------------------------------------------------------

    def _transaction(self) -> _Staged | None:
        transaction: InMemoryTransaction | None = ambient(self._memory)
        if transaction is None:
            return None
        staged = _staged.get(transaction)
        if staged is None:
            staged = _staged[transaction] = _Staged()
            state = self._state

            def commit() -> None:
                state.records.update(staged.records)
                state.controls.update(staged.controls)
                for tenant, letter in staged.letters:
                    state.letters[letter.id] = (tenant, letter)  # type: ignore[index]

            transaction.on_commit(commit)
        return staged

    def _records(self) -> dict[RecordKey, ProjectionRecord]:
        staged = self._transaction()
        if staged is None or not staged.records:
            return self._state.records
        return {**self._state.records, **staged.records}

    def _put(self, record: ProjectionRecord) -> None:
        key = (self.tenant_id, record.name, record.version, record.partition)
        staged = self._transaction()
        (self._state.records if staged is None else staged.records)[key] = record

    def _put_control(self, control: ProjectionControl) -> None:
        key = (self.tenant_id, control.name)
        staged = self._transaction()
        (self._state.controls if staged is None else staged.controls)[key] = control
