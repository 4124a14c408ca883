"""The worker of one async projection (one version, one partition): catch-up and live in one loop.

Take the lease; then, before each batch, check the lease and the operator's pause switch, read
the next batch of the log after the checkpoint (the projection's event types, the streams of its
partition), and apply it in one transaction of the event store's backend together with the
checkpoint's move (`save_checkpoint(expected=previous)`), so read model and checkpoint commit
together. At the end of the log, wait on `store.watch()` (opened before the first read), with
a poll as fallback, and read again.

A batch whose handler fails is applied again one event at a time; the failing event is retried
`projection.retries` times, then recorded as a dead letter and skipped (`OnError.SKIP`) or the
worker stops and marks the projection FAULTED (`OnError.STOP`) until an operator resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from mink_runtime.application.projections._backoff import TRANSIENT, backoff
from mink_runtime.application.projections._groups import partition_of
from mink_runtime.application.projections._projection import OnError, Projection
from mink_runtime.domain import (
    Checkpoint,
    DeadLetter,
    LogSlice,
    ProjectionStatus,
    RecordedEvent,
)
from mink_runtime.errors import CheckpointConflictError, ProjectionFailedError
from mink_runtime.ports import EventStore, Lease, ProjectionStore

__all__ = ["Worker", "WorkerSettings", "log_readable_to", "reached"]

log = logging.getLogger("mink.projections")

_ONCE_POLL = 0.05
"""Seconds between reads while a run `once` waits for the log to become readable."""
_ONCE_PATIENCE = 60.0
"""Seconds a run `once` waits for the log up to the head to become readable (on PostgreSQL a
long transaction of another session holds readers back)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSettings:
    """How workers wait and retry (the engine's options)."""

    poll_interval: float = 1.0
    """Seconds between reads of an idle log when no wake-up came (and between looks at the
    pause switch while paused or faulted)."""
    lease_wait: float = 1.0
    """Seconds a standby worker waits for the lease before looking at the switches again."""
    retry_delay: float = 0.05
    """First backoff after a transient error or a failing handler; it doubles up to
    `max_backoff`."""
    max_backoff: float = 5.0


class Worker:
    """Runs one projection version and partition."""

    def __init__(
        self,
        store: EventStore,
        projections: ProjectionStore,
        projection: Projection,
        partition: int,
        settings: WorkerSettings,
        *,
        newest_version: Callable[[], int],
        on_batch: Callable[[str, Checkpoint, int], object] | None = None,
    ) -> None:
        self.store = store
        self.projections = projections
        self.projection = projection
        self.name = projection.name
        self.version = projection.version
        self.partition = partition
        self.partitions = projection.partitions
        self.settings = settings
        self.event_types = projection.event_types(store.codec.registry)
        # A projection of every event type the registry knows reads the log unfiltered (the
        # store's fastest read) and passes over the few events of other types itself.
        known = {entry.name for entry in store.codec.registry}
        self._wanted = frozenset(self.event_types)
        self._read_types: list[str] | None = (
            None if known and self._wanted >= known else self.event_types
        )
        self._newest_version = newest_version
        self._on_batch = on_batch
        self._once_deadline: float | None = None
        self._status: ProjectionStatus | None = None
        self.progress: Callable[[int], None] | None = None
        """Called with the number of events each applied batch held (for rebuilds)."""

    # --- the loops -------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Work until `stopping` is set or the task is cancelled: wait for the lease, follow
        the log, step back while paused or faulted, retry transient errors with backoff."""
        attempt = 0
        while not stopping.is_set():
            try:
                if await self._held_back():
                    await _pause(stopping, self.settings.poll_interval)
                    continue
                async with self.projections.lease(
                    self.name,
                    version=self.version,
                    partition=self.partition,
                    wait=self.settings.lease_wait,
                ) as lease:
                    if lease is None:
                        continue
                    await self.follow(lease, stopping)
                attempt = 0
            except TRANSIENT as error:
                attempt += 1
                log.warning("projection %s: %s; retrying", self._label, error)
                await _pause(stopping, self._backoff(attempt))
            except CheckpointConflictError as error:
                log.warning("projection %s: %s", self._label, error)
            except ProjectionFailedError as error:
                log.error("%s", error)
            except Exception:
                attempt += 1
                log.exception("projection %s failed; retrying", self._label)
                await _pause(stopping, self._backoff(attempt))

    async def run_once(self, *, wait: float) -> bool:
        """Process everything up to the head of the log once; False when another worker holds
        the lease (it keeps the projection up to date).

        Raises:
            ProjectionFailedError: a handler failed and the projection stops on errors.
        """
        attempt = 0
        while True:
            try:
                async with self.projections.lease(
                    self.name, version=self.version, partition=self.partition, wait=wait
                ) as lease:
                    if lease is None:
                        return False
                    await self.follow(lease, None, once=True, until=await self.store.head())
                    return True
            except TRANSIENT:
                attempt += 1
                if attempt >= 5:
                    raise
                await asyncio.sleep(self._backoff(attempt))

    async def follow(
        self,
        lease: Lease,
        stopping: asyncio.Event | None,
        *,
        once: bool = False,
        obey_pause: bool = True,
        status: ProjectionStatus | None = None,
        until: Checkpoint | None = None,
    ) -> None:
        """Catch up and follow the log while the lease is held; with `once`, only until the
        end of the log (at least up to `until`, waiting a while for it to become readable)."""
        record = await self.projections.get(
            self.name, version=self.version, partition=self.partition
        )
        if record.status is ProjectionStatus.FAULTED and not once:
            return
        checkpoint = record.checkpoint
        self._status = record.status if record.status is not ProjectionStatus.FAULTED else None
        settings = self.settings
        try:
            async with self.store.watch() as watch:
                while stopping is None or not stopping.is_set():
                    if not await lease.held():
                        return
                    control = await self.projections.control(self.name)
                    if obey_pause and control.paused:
                        await self._set_status(ProjectionStatus.PAUSED)
                        return
                    page = await self.store.read_all(
                        after=checkpoint,
                        limit=self.projection.batch_size,
                        event_types=self._read_types,
                    )
                    if page.events or page.checkpoint > checkpoint:
                        if not page.is_end or self._status is not ProjectionStatus.RUNNING:
                            await self._set_status(
                                status or self._catching_up(control.active_version)
                            )
                        checkpoint = await self._apply(page, checkpoint)
                    if not page.is_end:
                        continue
                    if status is None:
                        await self._set_status(ProjectionStatus.RUNNING)
                        await self._caught_up(control.active_version)
                    if once:
                        if not await self._done(checkpoint, until):
                            await watch.wait(_ONCE_POLL)
                            continue
                        if status is None:
                            await self._set_status(ProjectionStatus.STOPPED)
                        return
                    await watch.wait(settings.poll_interval)
        except asyncio.CancelledError:
            if self._status not in (None, ProjectionStatus.FAULTED):
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._write_status(ProjectionStatus.STOPPED))
            raise

    async def _done(self, checkpoint: Checkpoint, until: Checkpoint | None) -> bool:
        """Whether a run `once` has gone far enough: up to `until`, or it waited long enough
        for the log up to there to become readable."""
        if until is None or await reached(self.store, checkpoint, until, self.event_types):
            self._once_deadline = None
            return True
        now = asyncio.get_running_loop().time()
        if self._once_deadline is None:
            self._once_deadline = now + _ONCE_PATIENCE
        if now < self._once_deadline:
            return False
        log.warning("projection %s: the log up to %s did not become readable", self._label, until)
        self._once_deadline = None
        return True

    # --- applying batches ------------------------------------------------------------------

    async def _apply(self, page: LogSlice, checkpoint: Checkpoint) -> Checkpoint:
        """Apply a batch with its checkpoint; the new checkpoint."""
        events = self._mine(page.events)
        projection = self.projection
        try:
            async with self.store.transaction():
                for event in events:
                    await projection.apply(event)
                await projection.flush()
                await self._save(page.checkpoint, checkpoint)
        except (*TRANSIENT, CheckpointConflictError):
            projection.discard()
            raise
        except Exception:
            projection.discard()
            return await self._apply_singly(events, page.checkpoint, checkpoint)
        self._count(len(events))
        if self._on_batch is not None:
            self._on_batch(self.name, page.checkpoint, len(events))
        return page.checkpoint

    async def _apply_singly(
        self, events: list[RecordedEvent], end: Checkpoint, checkpoint: Checkpoint
    ) -> Checkpoint:
        """A batch failed: apply its events one transaction each, to find the failing one."""
        for event in events:
            attempts = 0
            while True:
                attempts += 1
                try:
                    async with self.store.transaction():
                        await self.projection.apply(event)
                        await self.projection.flush()
                        await self._save(event.checkpoint, checkpoint)
                except (*TRANSIENT, CheckpointConflictError):
                    self.projection.discard()
                    raise
                except Exception as error:
                    self.projection.discard()
                    if attempts < self.projection.retries:
                        await asyncio.sleep(self._backoff(attempts))
                        continue
                    await self._give_up(event, error, attempts, checkpoint)
                checkpoint = event.checkpoint
                self._count(1)
                break
        if end > checkpoint:
            async with self.store.transaction():
                await self._save(end, checkpoint)
            checkpoint = end
        if self._on_batch is not None:
            self._on_batch(self.name, checkpoint, len(events))
        return checkpoint

    async def _give_up(
        self, event: RecordedEvent, error: Exception, attempts: int, checkpoint: Checkpoint
    ) -> None:
        """Dead-letter the event; skip it (in the same transaction) or stop."""
        described = f"{type(error).__name__}: {error}"
        letter = DeadLetter(
            projection=self.name,
            version=self.version,
            event_id=str(event.event_id),
            stream_id=event.stream_id,
            stream_version=event.version,
            checkpoint=event.checkpoint,
            event_type=event.type,
            error=described,
            attempts=attempts,
            failed_at=datetime.now(UTC),
        )
        if self.projection.on_error is OnError.SKIP:
            log.warning(
                "projection %s skipped event %s (%s): %s",
                self._label,
                event.event_id,
                event.type,
                described,
            )
            async with self.store.transaction():
                await self.projections.add_dead_letter(letter)
                await self._save(event.checkpoint, checkpoint)
            return
        await self.projections.add_dead_letter(letter)
        await self._write_status(ProjectionStatus.FAULTED, error=described)
        raise ProjectionFailedError(self.name, str(event.event_id), event.type, error) from error

    def _mine(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        """The events of a batch this worker applies: of its types, in its partition."""
        if self._read_types is None:
            wanted = self._wanted
            events = [e for e in events if e.type in wanted]
        if self.partitions == 1:
            return events
        size, me = self.partitions, self.partition
        return [e for e in events if partition_of(e.stream_id, size) == me]

    async def _save(self, checkpoint: Checkpoint, expected: Checkpoint) -> None:
        await self.projections.save_checkpoint(
            self.name,
            checkpoint,
            expected=expected,
            version=self.version,
            partition=self.partition,
        )

    def _count(self, applied: int) -> None:
        if self.progress is not None:
            self.progress(applied)

    # --- status and switches ----------------------------------------------------------------

    async def _held_back(self) -> bool:
        """Whether the operator paused the projection, or it is faulted and not resumed."""
        if (await self.projections.control(self.name)).paused:
            return True
        record = await self.projections.get(
            self.name, version=self.version, partition=self.partition
        )
        return record.status is ProjectionStatus.FAULTED

    def _catching_up(self, active_version: int | None) -> ProjectionStatus:
        if active_version is not None and active_version < self.version:
            return ProjectionStatus.REBUILDING  # a new version built beside the one serving
        return ProjectionStatus.CATCHING_UP

    async def _caught_up(self, active_version: int | None) -> None:
        """Point readers at this version when it is the newest and all its partitions have
        caught up (the switch of a blue/green rebuild), or when none is active yet."""
        if active_version is not None and (
            active_version >= self.version or self.version != self._newest_version()
        ):
            return
        records = await self.projections.list(self.name)
        caught_up = (ProjectionStatus.RUNNING, ProjectionStatus.STOPPED)
        running = {
            r.partition
            for r in records
            if r.version == self.version and r.status in caught_up and r.updated_at is not None
        }
        if running >= set(range(self.partitions)):
            await self.projections.set_active_version(self.name, self.version)
            log.info("projection %s: version %d is now active", self.name, self.version)

    async def _set_status(self, status: ProjectionStatus) -> None:
        if status is not self._status:
            await self._write_status(status)

    async def _write_status(self, status: ProjectionStatus, error: str | None = None) -> None:
        await self.projections.set_status(
            self.name, status, version=self.version, partition=self.partition, error=error
        )
        self._status = status

    def _backoff(self, attempt: int) -> float:
        return backoff(attempt, first=self.settings.retry_delay, limit=self.settings.max_backoff)

    @property
    def _label(self) -> str:
        label = self.name if self.version == 1 else f"{self.name}@{self.version}"
        return label if self.partitions == 1 else f"{label}#{self.partition}"


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


async def log_readable_to(store: EventStore, target: Checkpoint) -> bool:
    """Whether readers of the log can see everything up to `target` yet (on PostgreSQL an open
    transaction of another session can hold them back)."""
    if target == Checkpoint.START:
        return True
    before = Checkpoint(target.transaction, max(target.position - 1, 0))
    page = await store.read_all(after=before, limit=1)
    return page.checkpoint >= target


async def reached(
    store: EventStore, checkpoint: Checkpoint, target: Checkpoint, event_types: list[str] | None
) -> bool:
    """Whether a reader at `checkpoint` has taken into account everything up to `target`: it is
    past it, or none of the events in between pass its filter (once they can be read)."""
    if checkpoint >= target:
        return True
    if not await log_readable_to(store, target):
        return False
    return not await store.count_events(after=checkpoint, until=target, event_types=event_types)
