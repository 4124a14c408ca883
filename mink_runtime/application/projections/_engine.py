"""`ProjectionEngine`: runs async projections in workers, inline projections in the append's
transaction, folds live ones on demand, and answers the operator (status, pause, resume,
rebuild, blue/green switch, retire, wait_for).

```python
engine = ProjectionEngine(store, [OrderSummaries(summaries)], inline=[Stock(stock)])
async with engine.running():                    # a worker per projection version and partition
    result = await engine.store.append("order-1", [OrderPlaced(...)])
    await engine.wait_for(result)               # read your own writes
```

The operator's calls work from the stores alone, without projection objects, so that another
process (the CLI) can act on running workers: `ProjectionEngine(store).status()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from mink_runtime.application.projections._defaults import default_projection_store
from mink_runtime.application.projections._inline import InlineProjectingStore
from mink_runtime.application.projections._live import live
from mink_runtime.application.projections._projection import Projection
from mink_runtime.application.projections._worker import Worker, WorkerSettings, log_readable_to
from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
)
from mink_runtime.errors import ConfigurationError, ProjectionError, ProjectionTimeoutError
from mink_runtime.ports import EventStore, Lease, ProjectionStore

__all__ = ["ProjectionEngine", "ProjectionReport"]

P = TypeVar("P", bound=Projection)

Progress = Callable[[int, int], object]
"""`progress(done, total)`: events replayed so far, and how many there are in all."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionReport:
    """One projection version and partition, as `ProjectionEngine.status()` reports it."""

    name: str
    version: int
    partition: int
    status: ProjectionStatus
    checkpoint: Checkpoint
    lag: int
    """Events of its filter between its checkpoint and the real head of the log (for a
    partitioned projection, those of the other partitions count too)."""
    last_error: str | None
    paused: bool
    active: bool
    """Whether readers use this version."""
    updated_at: datetime | None = None


class ProjectionEngine:
    """Runs projections over one event store; see the module docstring."""

    def __init__(
        self,
        store: EventStore,
        projections: Sequence[Projection] = (),
        *,
        inline: Sequence[Projection] = (),
        projection_store: ProjectionStore | None = None,
        poll_interval: float = 1.0,
        lease_wait: float = 1.0,
        retry_delay: float = 0.05,
        max_backoff: float = 5.0,
        on_batch: Callable[[str, Checkpoint, int], object] | None = None,
    ) -> None:
        """`projections` run in workers (`run()`, `running()`, `catch_up()`); `inline` ones run
        in the transaction of every append made through `engine.store`. The projection store
        defaults to the one of the store's backend. `on_batch(name, checkpoint, events)` is
        called after each batch a worker of this engine committed (for metrics).

        Raises:
            ConfigurationError: two projections share a name and version, or one handles an
                event class the store's registry does not know.
        """
        self.events = store
        self.projection_store = (
            projection_store if projection_store is not None else default_projection_store(store)
        )
        self.settings = WorkerSettings(
            poll_interval=poll_interval,
            lease_wait=lease_wait,
            retry_delay=retry_delay,
            max_backoff=max_backoff,
        )
        self._async: dict[str, dict[int, Projection]] = {}
        self._inline = tuple(inline)
        seen: set[tuple[str, int]] = set()
        for projection in [*projections, *inline]:
            key = (projection.name, projection.version)
            if key in seen:
                raise ConfigurationError(
                    f"two projections are registered as {projection.name!r} version "
                    f"{projection.version}; give one another name, or a higher version"
                )
            seen.add(key)
            projection.event_types(store.codec.registry)  # fails early on unknown classes
        for projection in projections:
            self._async.setdefault(projection.name, {})[projection.version] = projection
        self.store: EventStore = (
            InlineProjectingStore(store, self._inline, self.projection_store)
            if self._inline
            else store
        )
        """The event store to append through: it runs the inline projections."""
        self._on_batch = on_batch
        self._stopping: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Run a worker per async projection, version and partition until cancelled or
        `stop()`: each takes its lease (a standby waits, and takes over within seconds when
        the active worker dies), catches up, then follows the log live."""
        stopping = self._stopping = asyncio.Event()
        tasks = self._tasks = [
            asyncio.create_task(worker.run(stopping), name=f"mink-projection-{worker.name}")
            for worker in self._workers()
        ]
        try:
            # Cancelling run() cancels each worker once (through the gather), and then waits
            # for them to let go of their leases and connections.
            await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:
            await asyncio.wait(tasks)
            raise
        finally:
            self._tasks = []

    def stop(self) -> None:
        """Make `run()` return: every worker stops (its current batch rolls back)."""
        if self._stopping is not None:
            self._stopping.set()
        for task in self._tasks:
            if not task.done() and not task.cancelling():
                task.cancel()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ProjectionEngine]:
        """Run the workers in the background for the duration of the block."""
        task = asyncio.create_task(self.run())
        await asyncio.sleep(0)  # let run() start its workers
        try:
            yield self
        finally:
            self.stop()
            await task

    async def catch_up(self) -> None:
        """Process every async projection up to the current head of the log once, and return
        (tests, `mink projection run --once`). A projection that another worker runs is
        waited for instead; a paused one is left alone.

        Raises:
            ProjectionFailedError: a handler failed and the projection stops on errors.
        """
        head = await self.events.head()
        for worker in self._workers():
            if (await self.projection_store.control(worker.name)).paused:
                continue
            if not await worker.run_once(wait=0):
                await self.wait_for(head, names=[worker.name], timeout=60.0)

    def _workers(self) -> list[Worker]:
        return [
            Worker(
                self.events,
                self.projection_store,
                projection,
                partition,
                self.settings,
                newest_version=lambda name=name: max(self._async[name]),  # type: ignore[misc]
                on_batch=self._on_batch,
            )
            for name, versions in self._async.items()
            for projection in versions.values()
            for partition in range(projection.partitions)
        ]

    # --- reading ----------------------------------------------------------------------------

    async def live(
        self, projection: type[P] | P, *, stream_id: str | None = None, **options: object
    ) -> P:
        """Fold a stream (or the log's events the projection handles) into a fresh projection;
        see `mink_runtime.application.projections.live`."""
        return await live(self.events, projection, stream_id=stream_id, **options)  # type: ignore[arg-type]

    async def active(self, name: str) -> Projection:
        """The registered instance of the version readers should query: the one switched to
        last, or (before any switch) the lowest registered.

        Raises:
            ConfigurationError: no projection of that name (and active version) is registered.
        """
        versions = self._versions(name)
        control = await self.projection_store.control(name)
        version = control.active_version if control.active_version is not None else min(versions)
        if version not in versions:
            raise ConfigurationError(
                f"projection {name!r} is served by version {version}, which is not registered "
                f"here (registered: {sorted(versions)})"
            )
        return versions[version]

    async def status(self, name: str | None = None) -> list[ProjectionReport]:
        """What every projection (or the one named) is doing: its status, checkpoint, lag
        against the real head of the log, last error and switches; from the stores, so it also
        lists projections that are not registered here."""
        store = self.projection_store
        records = {(r.name, r.version, r.partition): r for r in await store.list(name)}
        for projection in self._registered(name):
            for partition in range(projection.partitions):
                key = (projection.name, projection.version, partition)
                if key not in records:
                    records[key] = await store.get(
                        projection.name, version=projection.version, partition=partition
                    )
        controls: dict[str, ProjectionControl] = {}
        reports = []
        for key in sorted(records):
            record = records[key]
            if record.name not in controls:
                controls[record.name] = await store.control(record.name)
            control = controls[record.name]
            reports.append(await self._report(record, control))
        return reports

    async def _report(
        self, record: ProjectionRecord, control: ProjectionControl
    ) -> ProjectionReport:
        types = self._types(record.name, record.version)
        lag = await self.events.count_events(after=record.checkpoint, event_types=types)
        if control.active_version is not None:
            active = control.active_version == record.version
        else:
            known = self._async.get(record.name)
            active = record.version == (min(known) if known else 1)
        return ProjectionReport(
            name=record.name,
            version=record.version,
            partition=record.partition,
            status=record.status,
            checkpoint=record.checkpoint,
            lag=lag,
            last_error=record.last_error,
            paused=control.paused,
            active=active,
            updated_at=record.updated_at,
        )

    async def wait_for(
        self,
        target: Checkpoint | AppendResult,
        *,
        timeout: float = 5.0,
        names: Sequence[str] | None = None,
    ) -> None:
        """Return when every async projection (or those named) has processed the log up to
        `target` (an append's result, or a checkpoint): read your own writes.

        Raises:
            ProjectionTimeoutError: `timeout` seconds passed first; it names those behind.
        """
        checkpoint = target.checkpoint if isinstance(target, AppendResult) else target
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.002
        while True:
            behind = await self._behind(checkpoint, names)
            if not behind:
                return
            if loop.time() >= deadline:
                raise ProjectionTimeoutError(checkpoint, tuple(behind), seconds=timeout)
            await asyncio.sleep(min(delay, max(deadline - loop.time(), 0)))
            delay = min(delay * 2, 0.05)

    async def _behind(self, target: Checkpoint, names: Sequence[str] | None) -> list[str]:
        store = self.projection_store
        records: list[ProjectionRecord] = []
        chosen = list(self._async) if names is None else list(names)
        for name in chosen:
            versions = self._async.get(name)
            if versions is None:
                records += await store.list(name)
                continue
            for projection in versions.values():
                for partition in range(projection.partitions):
                    records.append(
                        await store.get(name, version=projection.version, partition=partition)
                    )
        behind = []
        readable: bool | None = None
        for record in records:
            if record.checkpoint >= target:
                continue
            # Behind the target, but maybe with none of its events in between: then it is
            # there too — once the log up to the target can be read at all.
            if readable is None:
                readable = await log_readable_to(self.events, target)
            types = self._types(record.name, record.version)
            if not readable or await self.events.count_events(
                after=record.checkpoint, until=target, event_types=types
            ):
                behind.append(_label(record.name, record.version, record.partition))
        return behind

    # --- operating ---------------------------------------------------------------------------

    async def pause(self, name: str) -> None:
        """Pause every worker of a projection, in whatever process: each holds still before its
        next batch (and lets go of its lease) until resumed."""
        await self.projection_store.set_paused(name, True)

    async def resume(self, name: str) -> None:
        """Resume a paused projection, and a faulted one: its worker retries the failed event."""
        store = self.projection_store
        await store.set_paused(name, False)
        for record in await store.list(name):
            if record.status is ProjectionStatus.FAULTED:
                await store.set_status(
                    name,
                    ProjectionStatus.STOPPED,
                    version=record.version,
                    partition=record.partition,
                )

    async def rebuild(
        self,
        name: str,
        *,
        version: int | None = None,
        progress: Progress | None = None,
        wait: float = 30.0,
    ) -> None:
        """Rebuild a projection in place: take its leases (pausing running workers, which let
        go of them, waiting up to `wait` seconds), mark it REBUILDING, `clear()` it, reset its
        checkpoint and replay the log from the start in batches, calling `progress(done,
        total)` after each; then leave it STOPPED for the workers to take over.

        Raises:
            ConfigurationError: no such projection (version) is registered here.
            ProjectionError: a worker kept the lease for `wait` seconds.
            ProjectionFailedError: a handler failed and the projection stops on errors.
        """
        projection = self._pick(name, version)
        store = self.projection_store
        workers = [w for w in self._workers() if w.projection is projection]
        paused_here = False
        try:
            async with AsyncExitStack() as leases:
                held: list[Lease] = []
                for worker in workers:
                    lease = await leases.enter_async_context(
                        store.lease(name, version=projection.version, partition=worker.partition)
                    )
                    if lease is None:
                        if not paused_here and not (await store.control(name)).paused:
                            await store.set_paused(name, True)
                            paused_here = True
                        lease = await leases.enter_async_context(
                            store.lease(
                                name,
                                version=projection.version,
                                partition=worker.partition,
                                wait=wait,
                            )
                        )
                    if lease is None:
                        raise ProjectionError(
                            f"projection {name!r} could not be rebuilt: a worker held its lease "
                            f"for {wait:g} s; stop its workers (or pause it) and try again"
                        )
                    held.append(lease)
                await self._replay(projection, workers, held, progress)
        finally:
            if paused_here:
                await store.set_paused(name, False)

    async def _replay(
        self,
        projection: Projection,
        workers: list[Worker],
        leases: Sequence[Lease],
        progress: Progress | None,
    ) -> None:
        store, name, version = self.projection_store, projection.name, projection.version
        for worker in workers:
            await store.set_status(
                name, ProjectionStatus.REBUILDING, version=version, partition=worker.partition
            )
        async with self.events.transaction():
            await projection.clear()
            await store.reset(name, version=version)
        types = projection.event_types(self.events.codec.registry)
        total = await self.events.count_events(event_types=types)
        done = 0

        def count(applied: int) -> None:
            nonlocal done
            done += applied
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        head = await self.events.head()
        for worker, lease in zip(workers, leases, strict=True):
            worker.progress = count
            await worker.follow(
                lease,
                None,
                once=True,
                obey_pause=False,
                status=ProjectionStatus.REBUILDING,
                until=head,
            )
            await store.set_status(
                name, ProjectionStatus.STOPPED, version=version, partition=worker.partition
            )

    async def retire(self, name: str, *, version: int) -> None:
        """Drop an old version after a blue/green switch: its records and dead letters, and
        its read model through the instance's `drop()` hook (when it is registered here).

        Raises:
            ConfigurationError: the version is the one readers use.
        """
        store = self.projection_store
        control = await store.control(name)
        if control.active_version == version:
            raise ConfigurationError(
                f"version {version} of projection {name!r} is the one readers use; switch to "
                "another version before retiring it"
            )
        versions = self._async.get(name, {})
        retired = versions.pop(version, None)
        if not versions:
            self._async.pop(name, None)
        if retired is not None:
            await retired.drop()
        await store.drop(name, version=version)

    # --- helpers -------------------------------------------------------------------------------

    def _versions(self, name: str) -> dict[int, Projection]:
        versions = self._async.get(name)
        if not versions:
            known = sorted(self._async) or ["none"]
            raise ConfigurationError(
                f"no async projection named {name!r} is registered with this engine "
                f"(registered: {', '.join(known)})"
            )
        return versions

    def _pick(self, name: str, version: int | None) -> Projection:
        versions = self._versions(name)
        chosen = version if version is not None else max(versions)
        if chosen not in versions:
            raise ConfigurationError(
                f"projection {name!r} has no version {chosen} registered here "
                f"(registered: {sorted(versions)})"
            )
        return versions[chosen]

    def _registered(self, name: str | None) -> list[Projection]:
        found = [p for versions in self._async.values() for p in versions.values()]
        found += self._inline
        return [p for p in found if name is None or p.name == name]

    def _types(self, name: str, version: int) -> list[str] | None:
        for projection in self._registered(name):
            if projection.version == version:
                return projection.event_types(self.events.codec.registry)
        return None


def _label(name: str, version: int, partition: int) -> str:
    label = name if version == 1 else f"{name}@{version}"
    return label if partition == 0 else f"{label}#{partition}"
