"""The core suite: mink's event store against raw drivers (and `eventsourcing`) on one machine.

Figures (the goal bounds the ratio mink / baseline):

1. PostgreSQL single-event append, events/s, vs a raw async INSERT into an equivalent table: ≥ 0.8
2. 16 concurrent writers, events/s, vs raw inserts on 16 connections: ≥ 0.7; and saving
   aggregates vs the `eventsourcing` library's PostgreSQL persistence on 16 threads: ≥ 5
3. 100-event append, events/s, vs a raw COPY of 100 rows: ≥ 0.7
4. Loading a 100-event aggregate, p50 µs, vs a raw SELECT + orjson decode: ≤ 1.5
5. Global read into `RecordedEvent`s, events/s, vs raw keyset paging + orjson decode: ≥ 0.8
6. SQLite single-event append, events/s, vs raw sqlite3 INSERT + COMMIT: ≥ 0.7
7. The sync door: `mink_runtime.sync` append time / async append time: ≤ 1.05

The PostgreSQL tables live in schemas of the run's own (`mink_bench_<pid>`, with `_raw` and
`_es` for the baselines), truncated before every figure and dropped at the end; SQLite files
live in a temporary directory. The figures' code: `_core_writes`, `_core_reads`,
`_core_sqlite`; what they share: `_core_bench`.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from benchmarks._core_bench import CoreBench, Measure, load_average
from benchmarks._core_reads import pg_load_aggregate, pg_read_all
from benchmarks._core_sqlite import sqlite_append_one
from benchmarks._core_writes import (
    pg_append_100,
    pg_append_one,
    pg_concurrent_es,
    pg_concurrent_raw,
    pg_sync_door,
)
from benchmarks._harness import Options, Progress
from benchmarks._report import FigureSpec, Report, at_least, at_most
from benchmarks._suite import Suite

__all__ = ["FIGURES", "SUITE"]


FIGURES: tuple[tuple[FigureSpec, Measure], ...] = (
    (
        FigureSpec("pg_append_one", "PostgreSQL single-event append", "events/s", at_least(0.8)),
        pg_append_one,
    ),
    (
        FigureSpec(
            "pg_concurrent_raw", "PostgreSQL 16 concurrent writers", "events/s", at_least(0.7)
        ),
        pg_concurrent_raw,
    ),
    (
        FigureSpec(
            "pg_concurrent_es", "PostgreSQL 16 writers vs eventsourcing", "events/s", at_least(5)
        ),
        pg_concurrent_es,
    ),
    (
        FigureSpec("pg_append_100", "PostgreSQL 100-event append", "events/s", at_least(0.7)),
        pg_append_100,
    ),
    (
        FigureSpec("pg_load_aggregate", "Load a 100-event aggregate", "µs (p50)", at_most(1.5)),
        pg_load_aggregate,
    ),
    (
        FigureSpec("pg_read_all", "Global read into RecordedEvents", "events/s", at_least(0.8)),
        pg_read_all,
    ),
    (
        FigureSpec("sqlite_append_one", "SQLite single-event append", "events/s", at_least(0.7)),
        sqlite_append_one,
    ),
    (
        FigureSpec("pg_sync_door", "Sync door: blocking append", "µs/append", at_most(1.05)),
        pg_sync_door,
    ),
)


def run(options: Options, progress: Progress) -> Report:
    """Measure the selected figures; a figure that fails is reported with its error."""
    report = Report(suite="core", options=options)
    with asyncio.Runner() as runner, tempfile.TemporaryDirectory(prefix="mink-bench-") as tmp:
        bench = CoreBench(options, progress, runner, Path(tmp))
        report.environment = bench.describe()
        try:
            if any(options.selects(spec.key) for spec, _ in FIGURES if spec.key.startswith("pg_")):
                report.environment.update(bench.prepare_postgres())
            bench.measure_all(FIGURES, report)
        finally:
            bench.close()
    report.environment["load_average_after"] = load_average()
    return report


SUITE = Suite(name="core", figures=[(spec.key, spec.name) for spec, _ in FIGURES], run=run)
