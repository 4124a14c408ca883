"""The projections suite: an async projection into a PostgreSQL read model, in the same run as a
raw psycopg loop doing the same work.

Figures:

1. Catch-up throughput: an async projection replays the log into a PostgreSQL read model, each
   batch's upserts and its checkpoint in one transaction (exactly once), at least 20,000
   events/s. Baseline: a raw psycopg loop reading the same events in batches of the same size and
   writing the same upserts and a checkpoint row, one transaction per batch.
2. Live latency: p50 from the return of an append to the running projection having committed
   the event, woken through the store's watch (LISTEN/NOTIFY across processes; this process's
   commits wake it at once), at most 20 ms. Baseline: a raw NOTIFY round trip between two
   connections (the floor of any cross-process wake-up).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import _raw_postgres as raw
from benchmarks._core_bench import CoreBench, Result, load_average
from benchmarks._harness import Options, Progress, Side, percentile, rate
from benchmarks._model import REGISTRY, ItemAdded, item
from benchmarks._report import Context, FigureSpec, Goal, Report
from benchmarks._suite import Suite

__all__ = ["FIGURES", "SUITE"]

Measure = Callable[[CoreBench, FigureSpec], Result]

BATCH = 500
PER_STREAM = 20


@dataclass(frozen=True)
class CartLine:
    """The read model: the last line added to each cart, and how many lines it has."""

    id: str
    lines: int
    sku: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class _Other:
    note: str


def _projection_class(name: str, *, buffered: bool = True) -> type[Any]:
    from mink_runtime import Projection, RecordedEvent, handles

    class CartLines(Projection):
        batch_size = BATCH

        def __init__(self, rows: Any) -> None:
            self.rows = self.buffered(rows) if buffered else rows

        @handles
        async def added(self, event: ItemAdded, recorded: RecordedEvent) -> None:
            await self.rows.upsert(
                CartLine(
                    recorded.stream_id,
                    recorded.version,
                    event.sku,
                    event.quantity,
                    event.unit_price_cents,
                )
            )

    CartLines.name = name
    return CartLines


def _upsert_sql(table: str) -> str:
    return (
        f"INSERT INTO {table} (id, lines, sku, quantity, unit_price_cents) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET lines = EXCLUDED.lines, "
        "sku = EXCLUDED.sku, quantity = EXCLUDED.quantity, "
        "unit_price_cents = EXCLUDED.unit_price_cents"
    )


def catch_up(bench: CoreBench, spec: FigureSpec) -> Result:
    """1. Events/s of an async projection catching up, against the raw loop."""
    from mink_runtime import (
        EventRegistry,
        PostgresEventStore,
        PostgresReadModelRepository,
        ProjectionEngine,
    )

    n = bench.size(30_000, 4_000)
    store = bench.store
    schema = bench.schema

    async def fill() -> None:
        for start in range(0, n, PER_STREAM):
            cart = f"cart-{start // PER_STREAM}"
            await store.append(cart, [item(cart, i) for i in range(start, start + PER_STREAM)])

    bench.progress(f"  appending {n} events")
    bench.run(fill())
    bench.analyze()
    rows = PostgresReadModelRepository(store, CartLine, table="bench_cart_lines", schema=schema)
    bench.run(rows.create_table())
    raw_table = f"{bench.raw_schema}.cart_lines"
    admin = bench.raw_connection_sync()
    admin.execute(f"DROP TABLE IF EXISTS {raw_table}")
    admin.execute(f"CREATE TABLE {raw_table} (LIKE {schema}.bench_cart_lines INCLUDING ALL)")
    admin.execute(
        f"CREATE TABLE IF NOT EXISTS {bench.raw_schema}.checkpoints "
        "(name text PRIMARY KEY, position bigint NOT NULL)"
    )
    conn = bench.raw_connection()
    read_sql = raw.read_page_sql(schema)
    upsert_sql = _upsert_sql(raw_table)
    checkpoint_sql = (
        f"INSERT INTO {bench.raw_schema}.checkpoints VALUES (%s, %s) "
        "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position"
    )

    # The same store with a registry that knows one more event type: the projection then
    # reads through the store's event-type filter instead of the whole log.
    wider = EventRegistry()
    wider.merge(REGISTRY)
    wider.register(_Other, name="bench.Other")
    filtered_store = bench.run(PostgresEventStore.connect(bench.url, schema=schema, registry=wider))
    bench.on_close(lambda: bench.run(filtered_store.close()))

    def side(buffered: bool, *, filtered: bool = False) -> Callable[[int], float]:
        def trial(t: int) -> float:
            admin.execute(f"TRUNCATE {schema}.bench_cart_lines")
            tag = ("b" if buffered else "e") + ("f" if filtered else "")
            projection = _projection_class(f"bench_carts_{tag}{t + 1}", buffered=buffered)(rows)
            engine = ProjectionEngine(filtered_store if filtered else store, [projection])
            start = time.perf_counter_ns()
            bench.run(engine.catch_up())
            elapsed = time.perf_counter_ns() - start
            assert bench.run(rows.count()) == n // PER_STREAM
            return rate(n, elapsed)

        return trial

    def baseline(t: int) -> float:
        admin.execute(f"TRUNCATE {raw_table}")
        name = f"raw_{t + 1}"

        async def loop() -> None:
            position = 0
            while True:
                cursor = await conn.execute(read_sql, (position, BATCH))
                events = await cursor.fetchall()
                if not events:
                    return
                # The rows the batch leaves, as the projection's buffer writes them: the last
                # line of each cart in the batch.
                latest = {
                    e[2]: (e[2], e[3], e[8]["sku"], e[8]["quantity"], e[8]["unit_price_cents"])
                    for e in events
                }
                async with conn.transaction():
                    async with conn.cursor() as cur:
                        await cur.executemany(upsert_sql, list(latest.values()))
                    position = events[-1][4]
                    await conn.execute(checkpoint_sql, (name, position))

        start = time.perf_counter_ns()
        bench.run(loop())
        return rate(n, time.perf_counter_ns() - start)

    stats = bench.compare(
        spec.key,
        Side("mink", side(buffered=True)),
        Side("raw", baseline),
        Side("per_event", side(buffered=False)),
        Side("filtered", side(buffered=True, filtered=True)),
    )
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name="ProjectionEngine.catch_up, a buffered PostgresReadModelRepository (upsert_many "
        "at the end of each batch), checkpoint in the batch's transaction",
        baseline_name="raw psycopg: read a page, executemany the same upserts + checkpoint, commit",
        workload=(
            f"{n} events ({PER_STREAM} per stream), batches of {BATCH}; an upsert per event of a "
            "5-column row keyed by stream id, the last of each stream per batch written"
        ),
    )
    context = [
        Context(
            key=f"{spec.key}.per_event",
            name="the same projection, unbuffered: one upsert statement per event",
            unit="events/s",
            stats=stats["per_event"],
            note="a round trip per event inside the batch's transaction",
        ),
        Context(
            key=f"{spec.key}.filtered",
            name="buffered, reading through the store's event-type filter",
            unit="events/s",
            stats=stats["filtered"],
            note="the registry knows another event type, so the projection's reads filter by "
            "type (the figure's projection handles every known type and reads the whole log)",
        ),
    ]
    return figure, context


def latency(bench: CoreBench, spec: FigureSpec) -> Result:
    """2. p50 ms from an append's return to the projection having committed it."""
    from mink_runtime import PostgresReadModelRepository, ProjectionEngine

    n = bench.size(300, 60)
    store = bench.store
    # The engine has a store of its own, as a worker process would: appends through `store`
    # reach it by NOTIFY, not by the in-process wake-up.
    worker_store = bench._connect_store(min_size=1, max_size=4)
    rows = PostgresReadModelRepository(
        worker_store, CartLine, table="bench_live_lines", schema=bench.schema
    )
    bench.run(rows.create_table())

    def mink(t: int) -> float:
        committed: asyncio.Queue[int] = asyncio.Queue()
        projection = _projection_class(f"bench_live_{t + 1}")(rows)

        def on_batch(name: str, checkpoint: Any, applied: int) -> None:
            if applied:
                committed.put_nowait(time.perf_counter_ns())

        async def measure() -> list[float]:
            head = await store.head()
            engine = ProjectionEngine(
                worker_store, [projection], on_batch=on_batch, poll_interval=5
            )
            out: list[float] = []
            async with engine.running():
                await engine.wait_for(head, timeout=60)
                while not committed.empty():
                    committed.get_nowait()
                for i in range(n):
                    cart = f"cart-live{t + 1}-{i}"
                    await store.append(cart, [item(cart, i)])
                    sent = time.perf_counter_ns()
                    done = await asyncio.wait_for(committed.get(), 10)
                    out.append((done - sent) / 1e6)
            return out

        return percentile(bench.run(measure()), 50)

    listener = bench.raw_connection()
    notifier = bench.raw_connection()
    channel = f"bench_{bench.schema}"

    def baseline(t: int) -> float:
        async def received() -> None:
            async for _ in listener.notifies(timeout=10, stop_after=1):
                return
            raise TimeoutError("no notification within 10 s")

        async def measure() -> list[float]:
            await listener.execute(f"LISTEN {channel}")
            out: list[float] = []
            for _ in range(n):
                waiting = asyncio.create_task(received())
                await asyncio.sleep(0)  # the listener waits before the notification is sent
                start = time.perf_counter_ns()
                await notifier.execute(f"NOTIFY {channel}")
                await waiting
                out.append((time.perf_counter_ns() - start) / 1e6)
            await listener.execute(f"UNLISTEN {channel}")
            return out

        return percentile(bench.run(measure()), 50)

    stats = bench.compare(spec.key, Side("mink", mink), Side("notify", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["notify"],
        mink_name="append → async projection in another store (woken by NOTIFY) committed it (p50)",
        baseline_name="raw NOTIFY → LISTEN round trip between two connections (p50)",
        workload=f"{n} single-event appends per trial, one at a time, each waited for",
    )
    return figure, []


FIGURES: tuple[tuple[FigureSpec, Measure], ...] = (
    (
        FigureSpec(
            "pg_catch_up",
            "Async projection catch-up into PostgreSQL",
            "events/s",
            Goal(">=", 20_000, unit="events/s"),
        ),
        catch_up,
    ),
    (
        FigureSpec(
            "pg_live_latency",
            "Append → projection applied (LISTEN/NOTIFY)",
            "ms",
            Goal("<=", 20, unit="ms"),
        ),
        latency,
    ),
)


def run(options: Options, progress: Progress) -> Report:
    """Measure the selected figures; a figure that fails is reported with its error."""
    report = Report(suite="projections", options=options)
    with asyncio.Runner() as runner, tempfile.TemporaryDirectory(prefix="mink-bench-") as tmp:
        bench = CoreBench(options, progress, runner, Path(tmp))
        bench.trials = options.trials_or(full=5, quick=2)
        report.environment = bench.describe()
        try:
            report.environment.update(bench.prepare_postgres())
            for spec, measure in FIGURES:
                if not options.selects(spec.key):
                    continue
                progress(f"{spec.key}: {spec.name}")
                try:
                    bench.reset_tables()
                    figure, context = measure(bench, spec)
                except Exception as error:
                    progress(f"{spec.key} failed:\n{traceback.format_exc()}")
                    figure, context = spec.failed(error), []
                report.figures.append(figure)
                report.context.extend(context)
        finally:
            bench.close()
    report.environment["load_average_after"] = load_average()
    return report


SUITE = Suite(name="projections", figures=[(spec.key, spec.name) for spec, _ in FIGURES], run=run)
