"""`mink projection`: the project's projections and the store's, operated from the command line.

`status`, `pause`, `resume` and `dead_letters` work from the store alone (through the engine's
control table, which running workers in any process obey); with the project's code at hand they
also know its projections' event filters, so lag counts only the events a projection reads.
`run` and `rebuild` need the project's `projections(store)` function (the `projections`
setting).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, suppress
from dataclasses import dataclass

from mink_cli.errors import ProjectError, UsageError
from mink_cli.ops.project import load_projections, load_registry
from mink_cli.ops.store import connected
from mink_cli.settings import Settings
from mink_runtime.application.projections import Projection, ProjectionEngine, ProjectionReport
from mink_runtime.domain import Checkpoint, DeadLetter, EventRegistry, ProjectionStatus
from mink_runtime.errors import ConfigurationError, MinkError, ProjectionFailedError

__all__ = [
    "Failure",
    "ProjectionSummary",
    "Status",
    "dead_letters",
    "list_projections",
    "pause",
    "rebuild",
    "resume",
    "run",
    "run_once",
    "status",
]

Log = Callable[[str], object]
"""Where a long-running operation says what it does (a line on stderr)."""

ProgressFor = Callable[[str], AbstractContextManager[Callable[[int, int], object]]]
"""`progress_for(name)`: a context whose value is called `(done, total)` during a rebuild."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionSummary:
    """One projection as `mink projection list` shows it."""

    name: str
    versions: tuple[int, ...]
    kind: str
    """`async` (defined by the project) or `stored` (only the store knows it)."""
    active_version: int | None
    status: str
    """Its workers' statuses (the worst first), `paused`, or `never run`."""
    paused: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """The reports of `mink projection status`, and why the project's code was not used."""

    reports: list[ProjectionReport]
    warning: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A projection whose rebuild failed, and why."""

    name: str
    error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Loaded:
    engine: ProjectionEngine
    defined: list[Projection]
    warning: str | None


@asynccontextmanager
async def _engine(settings: Settings, *, project: bool | None) -> AsyncIterator[_Loaded]:
    """An engine over the settings' store; with `project` True it holds the project's
    projections (or fails), with None it does when they load, with False never."""
    registry: EventRegistry | None = None
    warning: str | None = None
    if project is not False:
        try:
            registry = load_registry(settings)
        except ProjectError as error:
            if project:
                raise
            warning = None if settings.project_dir is None else str(error)
    async with connected(settings, registry=registry) as store:
        defined: list[Projection] = []
        engine: ProjectionEngine | None = None
        if registry is not None:
            try:
                defined = load_projections(settings, store)
                engine = ProjectionEngine(store, defined)
            except (ProjectError, ConfigurationError) as error:
                if project:
                    raise
                defined, warning = [], str(error)
        yield _Loaded(
            engine=engine if engine is not None else ProjectionEngine(store),
            defined=defined,
            warning=warning,
        )


async def _known(loaded: _Loaded) -> list[str]:
    stored = {r.name for r in await loaded.engine.projection_store.list()}
    return sorted(stored | {p.name for p in loaded.defined})


def _unknown(name: str, known: Sequence[str]) -> UsageError:
    return UsageError(
        f"no projection named {name!r} (known: {', '.join(known) or 'none'})",
        hint="`mink projection list` shows them",
    )


_SEVERITY = {
    ProjectionStatus.FAULTED: 0,
    ProjectionStatus.REBUILDING: 1,
    ProjectionStatus.PAUSED: 2,
    ProjectionStatus.CATCHING_UP: 3,
    ProjectionStatus.RUNNING: 4,
    ProjectionStatus.STOPPED: 5,
}


async def list_projections(settings: Settings) -> tuple[list[ProjectionSummary], str | None]:
    """The projections the project defines and those the store knows, and a warning when the
    project's code could not be loaded (then only the store's are listed)."""
    async with _engine(settings, project=None) as loaded:
        store = loaded.engine.projection_store
        records = await store.list()
        versions: dict[str, set[int]] = {}
        for projection in loaded.defined:
            versions.setdefault(projection.name, set()).add(projection.version)
        for record in records:
            versions.setdefault(record.name, set()).add(record.version)
        defined = {p.name for p in loaded.defined}
        found = []
        for name in sorted(versions):
            control = await store.control(name)
            statuses = sorted(
                {r.status for r in records if r.name == name}, key=_SEVERITY.__getitem__
            )
            shown = ", ".join(s.value for s in statuses) or "never run"
            found.append(
                ProjectionSummary(
                    name=name,
                    versions=tuple(sorted(versions[name])),
                    kind="async" if name in defined else "stored",
                    active_version=control.active_version,
                    status="paused" if control.paused else shown,
                    paused=control.paused,
                )
            )
        return found, loaded.warning


async def status(settings: Settings, name: str | None = None) -> Status:
    """Every projection's (or one's) position, lag against the real head, status and last
    error, per version and partition.

    Raises:
        UsageError: no projection of that name is known.
    """
    async with _engine(settings, project=None) as loaded:
        if name is not None and name not in await _known(loaded):
            raise _unknown(name, await _known(loaded))
        return Status(reports=await loaded.engine.status(name), warning=loaded.warning)


async def pause(settings: Settings, name: str) -> None:
    """Pause a projection: its workers, in whatever process, hold still before their next
    batch until resumed.

    Raises:
        UsageError: no projection of that name is known.
    """
    async with _engine(settings, project=None) as loaded:
        if name not in await _known(loaded):
            raise _unknown(name, await _known(loaded))
        await loaded.engine.pause(name)


async def resume(settings: Settings, name: str) -> None:
    """Resume a paused or faulted projection (a faulted one retries the event it failed on).

    Raises:
        UsageError: no projection of that name is known.
    """
    async with _engine(settings, project=None) as loaded:
        if name not in await _known(loaded):
            raise _unknown(name, await _known(loaded))
        await loaded.engine.resume(name)


async def dead_letters(
    settings: Settings, name: str | None = None, *, limit: int = 100
) -> list[DeadLetter]:
    """The events projections could not process (of one projection, or all), oldest first."""
    async with connected(settings) as store:
        engine = ProjectionEngine(store)
        return await engine.projection_store.dead_letters(name, limit=limit)


def _chosen(loaded: _Loaded, names: Sequence[str]) -> list[Projection]:
    defined = sorted({p.name for p in loaded.defined})
    for name in names:
        if name not in defined:
            raise UsageError(
                f"the project defines no projection named {name!r} "
                f"(defined: {', '.join(defined) or 'none'})",
                hint="`mink projection list` shows them",
            )
    return [p for p in loaded.defined if not names or p.name in names]


def _logger(log: Log) -> Callable[[str, Checkpoint, int], object]:
    def on_batch(name: str, checkpoint: Checkpoint, events: int) -> None:
        log(f"{name}: {events} events, at {checkpoint}")

    return on_batch


async def run_once(settings: Settings, names: Sequence[str] = (), *, log: Log) -> Status:
    """Catch the project's projections (or those named) up to the head of the log once; the
    reports afterwards (a faulted projection shows as FAULTED, with its error).

    Raises:
        UsageError: the project defines no projection of a name given.
    """
    async with _engine(settings, project=True) as loaded:
        chosen = _chosen(loaded, names)
        engine = ProjectionEngine(loaded.engine.events, chosen, on_batch=_logger(log))
        try:
            await engine.catch_up()
        except ProjectionFailedError as error:
            log(f"failed: {error}")
        reports = [r for r in await engine.status() if r.name in {p.name for p in chosen}]
        return Status(reports=reports)


async def run(
    settings: Settings,
    names: Sequence[str] = (),
    *,
    log: Log,
    started: Callable[[], object] | None = None,
) -> None:
    """Run the project's projections (or those named) in the foreground until SIGINT or
    SIGTERM, then stop every worker cleanly (each leaves its status STOPPED).

    Raises:
        UsageError: the project defines no projection of a name given.
    """
    async with _engine(settings, project=True) as loaded:
        chosen = _chosen(loaded, names)
        engine = ProjectionEngine(loaded.engine.events, chosen, on_batch=_logger(log))
        loop = asyncio.get_running_loop()

        def stop(signum: int) -> None:
            log(f"{signal.Signals(signum).name}: stopping")
            engine.stop()

        handled = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop, signum)
                handled.append(signum)
        log(f"running {', '.join(p.name for p in chosen) or 'no projections'}")
        try:
            task = asyncio.create_task(engine.run())
            await asyncio.sleep(0)
            if started is not None:
                started()
            await task
        finally:
            for signum in handled:
                loop.remove_signal_handler(signum)
        log("stopped")


class _Seen:
    """A rebuild's progress callback that also remembers how far it got."""

    def __init__(self) -> None:
        self.done, self.total = 0, 0
        self.show: Callable[[int, int], object] = lambda done, total: None

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.show(done, total)


async def rebuild(
    settings: Settings,
    names: Sequence[str],
    *,
    all_: bool = False,
    progress_for: ProgressFor,
    log: Log,
) -> list[Failure]:
    """Rebuild projections in place (clear their read models, replay the log), one after the
    other, going on past failures; the failures.

    Raises:
        UsageError: no names and not `all_`, or a name the project does not define.
    """
    if not names and not all_:
        raise UsageError("name the projections to rebuild, or pass --all")
    async with _engine(settings, project=True) as loaded:
        chosen = sorted({p.name for p in _chosen(loaded, () if all_ else names)})
        failures = []
        for name in chosen:
            log(f"{name}: rebuilding")
            seen = _Seen()
            try:
                with progress_for(name) as show:
                    seen.show = show
                    await loaded.engine.rebuild(name, progress=seen)
            except MinkError as error:
                log(f"{name}: failed after {seen.done} of {seen.total} events: {error}")
                failures.append(Failure(name=name, error=str(error)))
            else:
                log(f"{name}: rebuilt from {seen.done} events")
        return failures
