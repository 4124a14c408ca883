"""The shared state of the core suite's figures: the databases, the stores, the event loop.

One `asyncio.Runner` serves the whole run, so async stores and raw async connections live on
one loop, while the blocking sides (raw sqlite3, `mink_runtime.sync`, `eventsourcing`'s
threads) run between its calls with no loop running in the main thread.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import _raw_postgres as raw
from benchmarks._harness import Options, Progress, Side, run_trials
from benchmarks._model import REGISTRY
from benchmarks._report import Context, Figure, FigureSpec, Report, Stats
from benchmarks._suite import DatabaseUnreachableError

__all__ = [
    "PER_STREAM",
    "WRITERS",
    "CoreBench",
    "Measure",
    "Result",
    "streams_of",
    "timed_gather",
]

WRITERS = 16
PER_STREAM = 10
"""Single-event appends go to streams of this many events each, with exact expected versions."""

Result = tuple[Figure, list[Context]]
Measure = Callable[["CoreBench", FigureSpec], Result]


class CoreBench:
    """What the figures share; each figure starts from empty tables and opens what it needs.

    The PostgreSQL schemas are this run's own (`mink_bench_<pid>`, and `…_raw`, `…_es` for
    the baselines), so runs that overlap do not drop each other's tables; they are dropped at
    the end of the run.
    """

    def __init__(self, options: Options, progress: Progress, runner: asyncio.Runner, tmp: Path):
        self.options = options
        self.url = options.postgres_url
        self.progress = progress
        self.runner = runner
        self.tmp = tmp
        """A temporary directory for SQLite files."""
        self.trials = options.trials_or(full=9, quick=3)
        self.schema = f"mink_bench_{os.getpid()}"
        """mink's tables; the raw baseline's are in `raw_schema`, eventsourcing's in `es_schema`."""
        self.raw_schema = f"{self.schema}_raw"
        self.es_schema = f"{self.schema}_es"
        self._store: Any = None
        self._store16: Any = None
        self._admin: psycopg.Connection[Any] | None = None
        self._closers: list[Callable[[], object]] = []

    def describe(self) -> dict[str, Any]:
        """What describes this run's machine and software."""
        from mink_runtime import __version__

        return {
            "mink": __version__,
            "python": platform.python_version(),
            "psycopg": psycopg.__version__,
            "sqlite": sqlite3.sqlite_version,
            "cpus": len(os.sched_getaffinity(0)),
            "trials": self.trials,
            "load_average": load_average(),
        }

    def prepare_postgres(self) -> dict[str, Any]:
        """Check PostgreSQL, create this run's schemas; return what describes the server.

        Raises:
            DatabaseUnreachableError: PostgreSQL cannot be reached.
        """
        try:
            self._admin = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            from mink_runtime.urls import redact_url

            reason = " ".join(str(error).split())
            raise DatabaseUnreachableError(
                f"PostgreSQL is not reachable at {redact_url(self.url)} ({reason}); "
                "pass --postgres-url or set MINK_BENCH_POSTGRES_URL"
            ) from error
        from mink_runtime import migrations

        self.progress(f"migrating schema {self.schema}, creating the equivalent raw table")
        self._admin.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        migrations.upgrade(self.url, schema=self.schema)
        raw.create_equivalent_table(self.url, self.raw_schema, like=self.schema)
        settings = dict(
            self._admin.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('synchronous_commit', 'fsync', 'server_version')"
            ).fetchall()
        )
        return {
            "postgresql": settings.get("server_version", "?"),
            "synchronous_commit": settings.get("synchronous_commit", "?"),
            "fsync": settings.get("fsync", "?"),
        }

    def reset_tables(self) -> None:
        """Empty mink's tables and the raw table; checkpoint, so no figure pays for another."""
        if self._admin is None:
            return
        s = self.schema
        self._admin.execute(
            f"TRUNCATE {s}.events, {s}.streams, {s}.snapshots, {s}.idempotency, "
            f"{s}.projections, {s}.projection_control, {s}.dead_letters, "
            f"{self.raw_schema}.events "
            "RESTART IDENTITY"
        )
        self._admin.execute("CHECKPOINT")

    def analyze(self) -> None:
        """Give the planner statistics of mink's tables, as autovacuum does in a live system.

        Without them, freshly filled tables can get plans that scan the whole table.
        """
        assert self._admin is not None
        self._admin.execute(f"ANALYZE {self.schema}.events, {self.schema}.streams")

    @property
    def store(self) -> Any:
        """mink's PostgreSQL store with the pool's defaults, as one sequential client uses it.

        A sequential client needs one connection, and the default pool (min_size=1,
        max_size=10) keeps to one; the raw baselines of the one-at-a-time figures use one
        connection too.
        """
        if self._store is None:
            self._store = self._connect_store(min_size=1, max_size=10)
        return self._store

    @property
    def store16(self) -> Any:
        """mink's PostgreSQL store over a pool of 16 open connections, for the 16 writers."""
        if self._store16 is None:
            self._store16 = self._connect_store(min_size=WRITERS, max_size=WRITERS)
        return self._store16

    def _connect_store(self, *, min_size: int, max_size: int) -> Any:
        from mink_runtime import PostgresEventStore

        store = self.run(
            PostgresEventStore.connect(
                self.url,
                schema=self.schema,
                registry=REGISTRY,
                min_size=min_size,
                max_size=max_size,
            )
        )
        self.on_close(lambda: self.run(store.close()))
        return store

    def raw_connection(self) -> psycopg.AsyncConnection[Any]:
        """A raw autocommit async connection, closed at the end of the run."""
        conn = self.run(raw.connect(self.url))
        self.on_close(lambda: self.run(conn.close()))
        return conn  # type: ignore[no-any-return]

    def raw_connection_sync(self) -> psycopg.Connection[Any]:
        """A raw autocommit blocking connection, closed at the end of the run."""
        conn = raw.connect_sync(self.url)
        self.on_close(conn.close)
        return conn

    def on_close(self, closer: Callable[[], object]) -> None:
        self._closers.append(closer)

    def run(self, awaitable: Awaitable[Any]) -> Any:
        """Run a coroutine on the suite's loop and return its result."""
        return self.runner.run(_as_coroutine(awaitable))

    def compare(self, label: str, *sides: Side) -> dict[str, Stats]:
        """Alternating trials of the sides; each side's values."""
        values = run_trials(sides, trials=self.trials, progress=self.progress, label=label)
        return {name: Stats.of(v) for name, v in values.items()}

    def size(self, full: int, quick: int) -> int:
        return self.options.size(full, quick)

    def measure_all(self, figures: Iterable[tuple[FigureSpec, Measure]], report: Report) -> None:
        """Measure the selected figures on fresh tables, into `report`; a figure that fails is
        reported with its error and the others go on."""
        for spec, measure in figures:
            if not self.options.selects(spec.key):
                continue
            self.progress(f"{spec.key}: {spec.name}")
            try:
                self.reset_tables()
                figure, context = measure(self, spec)
            except Exception as error:
                self.progress(f"{spec.key} failed:\n{traceback.format_exc()}")
                figure, context = spec.failed(error), []
            report.figures.append(figure)
            report.context.extend(context)

    def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception as error:
                self.progress(f"closing: {error!r}")
        if self._admin is not None:
            for schema in (self.schema, self.raw_schema, self.es_schema):
                try:
                    self._admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                except psycopg.Error as error:
                    self.progress(f"dropping {schema}: {error!r}")
            self._admin.close()


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def timed_gather(coroutines: Iterable[Awaitable[object]]) -> int:
    """Nanoseconds until every one of the coroutines, started together, has finished."""
    tasks = list(coroutines)
    start = time.perf_counter_ns()
    await asyncio.gather(*tasks)
    return time.perf_counter_ns() - start


def streams_of(prefix: str, n: int) -> list[str]:
    """The stream of each of n single-event appends: PER_STREAM appends per stream."""
    return [f"{prefix}.{i // PER_STREAM}" for i in range(n)]


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load: other work on the machine skews every figure."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def version_of(distribution: str) -> str:
    """The installed version of a distribution, or '?'."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"
