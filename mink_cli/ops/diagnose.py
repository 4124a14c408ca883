"""`mink diagnose`: health checks with stable ids, each finding with a runnable hint.

| id                       | finds                                                        |
| ------------------------ | ------------------------------------------------------------ |
| `db.reachable`           | the database cannot be reached                               |
| `schema.at_head`         | mink's or the project's migrations are not all applied       |
| `schema.single_head`     | a migration tree has several heads                           |
| `log.held_back`          | a long-running writing transaction holds global readers back |
| `registry.unknown_types` | stored event types the project's registry does not know      |
| `projections.faulted`    | a projection stopped on an error (its worker waits)          |
| `projections.paused`     | an operator paused a projection                              |
| `projections.lagging`    | a projection is more than `projection_lag` events behind     |

A check is an async function of a `Diagnosis` returning its results; `CHECKS` lists them in
order. The projections' lag is counted against the real head of the log.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from mink_cli.ops import database, migrate
from mink_cli.ops.project import load_registry
from mink_cli.ops.store import connected
from mink_cli.settings import Settings
from mink_runtime.application.projections import ProjectionReport
from mink_runtime.domain import ProjectionStatus
from mink_runtime.errors import MinkError, StoreUnavailableError
from mink_runtime.urls import backend_of

__all__ = ["CHECKS", "CheckResult", "Diagnosis", "Level", "diagnose", "fails"]

HELD_BACK_WARNING = timedelta(seconds=5)
"""A writing transaction open this long is reported (a warning; past twelve times it, an error)."""


class Level(enum.IntEnum):
    """How bad a finding is; `--fail-level` picks the lowest that fails the run."""

    OK = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """One check's outcome: its id, a level, what it found and a runnable hint."""

    id: str
    level: Level
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "level": str(self.level), "message": self.message, "hint": self.hint}


@dataclass(slots=True)
class Diagnosis:
    """What the checks share: the settings, and what earlier checks learned."""

    settings: Settings
    held_back_after: timedelta = HELD_BACK_WARNING
    reachable: bool = False
    trees: list[migrate.TreeStatus] = field(default_factory=list)


Check = Callable[[Diagnosis], Awaitable[list[CheckResult]]]


async def _reachable(diagnosis: Diagnosis) -> list[CheckResult]:
    settings = diagnosis.settings
    try:
        diagnosis.trees = migrate.status(settings)
    except StoreUnavailableError as error:
        return [
            CheckResult(
                id="db.reachable",
                level=Level.ERROR,
                message=str(error),
                hint="mink --database-url URL diagnose  (is the server up, the URL right?)",
            )
        ]
    diagnosis.reachable = True
    return [CheckResult(id="db.reachable", level=Level.OK, message=f"{settings.shown_url} answers")]


async def _at_head(diagnosis: Diagnosis) -> list[CheckResult]:
    if not diagnosis.reachable:
        return []
    behind = [t for t in diagnosis.trees if not t.at_head]
    if not behind:
        return [CheckResult(id="schema.at_head", level=Level.OK, message="migrations all applied")]
    shown = "; ".join(
        f"{t.tree} at {', '.join(t.current or ()) or 'nothing'}, head {', '.join(t.heads)}"
        for t in behind
    )
    return [
        CheckResult(
            id="schema.at_head",
            level=Level.ERROR,
            message=f"migrations pending: {shown}",
            hint="mink migrate up",
        )
    ]


async def _single_head(diagnosis: Diagnosis) -> list[CheckResult]:
    split = [
        t for t in (diagnosis.trees or migrate.history(diagnosis.settings)) if len(t.heads) > 1
    ]
    if not split:
        return [CheckResult(id="schema.single_head", level=Level.OK, message="one head per tree")]
    return [
        CheckResult(
            id="schema.single_head",
            level=Level.ERROR,
            message=f"{t.tree} migrations have {len(t.heads)} heads: {', '.join(t.heads)}",
            hint="mink migrate new 'merge heads' --merge",
        )
        for t in split
    ]


_HELD_BACK_SQL = """
    SELECT pid, extract(epoch FROM clock_timestamp() - xact_start), state,
           left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 120)
      FROM pg_stat_activity
     WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
       AND datname = current_database()
     ORDER BY xact_start
     LIMIT 3
"""


async def _held_back(diagnosis: Diagnosis) -> list[CheckResult]:
    settings = diagnosis.settings
    if not diagnosis.reachable or backend_of(settings.database_url) != "postgresql":
        return []
    with database.connect(settings, lock=False) as connection:
        rows = connection.exec_driver_sql(_HELD_BACK_SQL).fetchall()
    results = []
    for pid, age_seconds, state, query in rows:
        age = timedelta(seconds=float(age_seconds or 0))
        if age < diagnosis.held_back_after:
            continue
        level = Level.ERROR if age >= 12 * diagnosis.held_back_after else Level.WARNING
        results.append(
            CheckResult(
                id="log.held_back",
                level=level,
                message=f"transaction of pid {pid} ({state}) has been open "
                f"{age.total_seconds():.0f} s and holds global-log readers back: {query!r}",
                hint=f"psql -c 'SELECT pg_terminate_backend({pid})'  (or commit or roll it back)",
            )
        )
    return results or [
        CheckResult(id="log.held_back", level=Level.OK, message="no long writing transaction")
    ]


async def _unknown_types(diagnosis: Diagnosis) -> list[CheckResult]:
    settings = diagnosis.settings
    if not diagnosis.reachable:
        return []
    if settings.get("registry") is None:
        return [
            CheckResult(
                id="registry.unknown_types",
                level=Level.INFO,
                message="no `registry` setting: stored event types not checked",
                hint="add registry = 'myapp.domain:registry' to mink.toml",
            )
        ]
    registry = load_registry(settings)
    try:
        async with connected(settings) as store:
            stored = await store.event_types()
    except MinkError as error:
        return [CheckResult(id="registry.unknown_types", level=Level.WARNING, message=str(error))]
    unknown = [t for t in stored if t.type not in registry]
    if not unknown:
        return [
            CheckResult(
                id="registry.unknown_types",
                level=Level.OK,
                message=f"all {len(stored)} stored event types are registered",
            )
        ]
    shown = ", ".join(f"{t.type} ({t.count})" for t in unknown)
    return [
        CheckResult(
            id="registry.unknown_types",
            level=Level.ERROR,
            message=f"stored event types the registry does not know: {shown}",
            hint="mink schema check --against database",
        )
    ]


async def _projections(diagnosis: Diagnosis) -> list[CheckResult]:
    from mink_cli.ops import projection

    settings = diagnosis.settings
    if not diagnosis.reachable or any(not t.at_head for t in diagnosis.trees):
        return []
    try:
        reports = (await projection.status(settings)).reports
    except MinkError as error:
        return [CheckResult(id="projections.faulted", level=Level.WARNING, message=str(error))]
    threshold = settings.projection_lag
    faulted = [r for r in reports if r.status is ProjectionStatus.FAULTED]
    paused = sorted({r.name for r in reports if r.paused})
    lagging = [r for r in reports if r.lag > threshold and r.name not in paused]
    results = [
        CheckResult(
            id="projections.faulted",
            level=Level.ERROR,
            message=f"projection {_label(r)} faulted at {r.checkpoint}: {r.last_error}",
            hint=f"mink projection resume {r.name}  (after fixing its handler)",
        )
        for r in faulted
    ]
    results += [
        CheckResult(
            id="projections.paused",
            level=Level.WARNING,
            message=f"projection {name} is paused",
            hint=f"mink projection resume {name}",
        )
        for name in paused
    ]
    results += [
        CheckResult(
            id="projections.lagging",
            level=Level.WARNING,
            message=f"projection {_label(r)} is {r.lag} events behind the head "
            f"(more than projection_lag = {threshold})",
            hint="mink projection run",
        )
        for r in lagging
        if r not in faulted
    ]
    return results or [
        CheckResult(
            id="projections.faulted",
            level=Level.OK,
            message=f"{len(reports)} projection workers healthy, none over {threshold} behind",
        )
    ]


def _label(report: ProjectionReport) -> str:
    label = report.name if report.version == 1 else f"{report.name}@{report.version}"
    return label if report.partition == 0 else f"{label}#{report.partition}"


CHECKS: list[Check] = [
    _reachable,
    _at_head,
    _single_head,
    _held_back,
    _unknown_types,
    _projections,
]
"""The checks in the order they run; each may rely on what earlier ones put in the Diagnosis."""


async def diagnose(
    settings: Settings, *, held_back_after: timedelta = HELD_BACK_WARNING
) -> list[CheckResult]:
    """Run every check; a check that cannot run reports why as its finding."""
    diagnosis = Diagnosis(settings, held_back_after=held_back_after)
    results: list[CheckResult] = []
    for check in CHECKS:
        results.extend(await check(diagnosis))
    return results


def fails(results: list[CheckResult], fail_level: Level) -> list[CheckResult]:
    """The findings at or above the fail level."""
    return [r for r in results if r.level >= fail_level and r.level is not Level.OK]
