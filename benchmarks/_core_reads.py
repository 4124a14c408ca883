"""The core suite's PostgreSQL read figures: loading an aggregate, reading the global log.

Both sides read the same rows of mink's own events table; the raw side decodes the JSON with
orjson and keeps psycopg's tuples, the mink side builds what its API returns.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from benchmarks import _raw_postgres as raw
from benchmarks._core_bench import CoreBench, Result
from benchmarks._harness import Side, percentile, rate, timed_each_async
from benchmarks._model import Cart, item
from benchmarks._report import FigureSpec

__all__ = ["pg_load_aggregate", "pg_read_all"]


def pg_load_aggregate(bench: CoreBench, spec: FigureSpec) -> Result:
    """4. Load a 100-event aggregate: p50 latency against a raw fetch of its stream."""
    from mink_runtime import NO_STREAM, AggregateRepository

    carts, length, n = 50, 100, bench.size(500, 100)
    store = bench.store
    ids = [f"load{k}" for k in range(carts)]
    streams = [f"cart-{cart_id}" for cart_id in ids]

    async def populate() -> None:
        for cart_id, stream in zip(ids, streams, strict=True):
            events = [item(cart_id, i) for i in range(length)]
            await store.append(stream, events, expected_version=NO_STREAM)

    bench.run(populate())
    bench.analyze()
    repo = AggregateRepository(store, Cart)
    conn = bench.raw_connection()
    sql = raw.read_stream_sql(bench.schema)

    def mink(t: int) -> float:
        async def op(i: int) -> None:
            await repo.load(ids[i % carts])

        return percentile(bench.run(timed_each_async(op, n)), 50) / 1000

    def baseline(t: int) -> float:
        async def op(i: int) -> None:
            cursor = await conn.execute(sql, (streams[i % carts],))
            await cursor.fetchall()

        return percentile(bench.run(timed_each_async(op, n)), 50) / 1000

    stats = bench.compare(spec.key, Side("mink", mink), Side("raw", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name="mink AggregateRepository.load (no snapshots)",
        baseline_name=(
            "raw psycopg SELECT ... WHERE stream_id = %s ORDER BY version, fetchall, "
            "JSON decoded by orjson (rows stay tuples)"
        ),
        workload=(
            f"{n} loads per trial, round robin over {carts} carts of {length} events (mink: "
            "read_stream, event objects, apply to a Cart); p50 of each trial; tables analyzed"
        ),
    )
    return figure, []


def pg_read_all(bench: CoreBench, spec: FigureSpec) -> Result:
    """5. Page through the whole global log: events/s against raw keyset paging."""
    from mink_runtime import Checkpoint

    streams, length, page = bench.size(200, 50), 100, 1000
    total = streams * length
    store = bench.store

    async def populate() -> None:
        for s in range(streams):
            events = [item(f"r{s}", i) for i in range(length)]
            await store.append(f"cart-read{s}", events, expected_version=0)

    bench.run(populate())
    bench.analyze()
    conn = bench.raw_connection()
    sql = raw.read_page_sql(bench.schema)

    def mink(t: int) -> float:
        async def read() -> int:
            checkpoint, count = Checkpoint.START, 0
            while True:
                batch = await store.read_all(after=checkpoint, limit=page)
                count += len(batch.events)
                checkpoint = batch.checkpoint
                if batch.is_end:
                    return count

        return _read_rate(bench, read, total)

    def baseline(t: int) -> float:
        async def read() -> int:
            position, count = 0, 0
            while True:
                cursor = await conn.execute(sql, (position, page))
                rows = await cursor.fetchall()
                count += len(rows)
                if len(rows) < page:
                    return count
                position = rows[-1][4]

        return _read_rate(bench, read, total)

    stats = bench.compare(spec.key, Side("mink", mink), Side("raw", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name="mink PostgresEventStore.read_all",
        baseline_name=(
            f"raw psycopg keyset paging by position (LIMIT {page}), fetchall, JSON decoded by "
            "orjson (rows stay tuples)"
        ),
        workload=(
            f"read all {total:,} events ({streams} streams of {length}) in pages of {page} per "
            "trial; mink builds RecordedEvents holding event objects; tables analyzed"
        ),
    )
    return figure, []


def _read_rate(bench: CoreBench, read: Callable[[], Awaitable[int]], total: int) -> float:
    async def timed() -> tuple[int, int]:
        start = time.perf_counter_ns()
        count = await read()
        return count, time.perf_counter_ns() - start

    count, elapsed = bench.run(timed())
    if count != total:  # a long transaction elsewhere holds mink's read horizon back
        bench.progress(f"  warning: read {count} events of {total}")
    return rate(count, elapsed)
