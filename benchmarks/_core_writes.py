"""The core suite's PostgreSQL write figures: one event, 16 writers, 100 events, the sync door.

Every mink side and its baseline write the same event objects to the same shape of streams;
each side encodes them itself (mink through its codec, the raw side with orjson and uuid4)
inside the timed loop, and builds its stream ids and versions before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from benchmarks import _raw_postgres as raw
from benchmarks._core_bench import (
    PER_STREAM,
    WRITERS,
    CoreBench,
    Result,
    streams_of,
    timed_gather,
    version_of,
)
from benchmarks._harness import Side, rate, timed_async, timed_sync
from benchmarks._model import REGISTRY, Cart, item
from benchmarks._report import Context, FigureSpec

__all__ = [
    "pg_append_100",
    "pg_append_one",
    "pg_concurrent_es",
    "pg_concurrent_raw",
    "pg_sync_door",
]

Plan = list[tuple[str, Any, object]]
"""(stream, expected version, event) for each append of one writer."""


def pg_append_one(bench: CoreBench, spec: FigureSpec) -> Result:
    """1. One event per append, one append at a time."""
    n = bench.size(1200, 200)
    events = [item("c", i) for i in range(n)]
    versions = [i % PER_STREAM for i in range(n)]
    conn = bench.raw_connection()
    sconn = bench.raw_connection_sync()
    sql = raw.insert_sql(bench.raw_schema)

    def through(store: Any, tag: str) -> Callable[[int], float]:
        def mink(t: int) -> float:
            streams = streams_of(f"cart-{tag}{t}", n)

            async def op(i: int) -> None:
                await store.append(streams[i], [events[i]], expected_version=versions[i])

            return rate(n, bench.run(timed_async(op, n)))

        return mink

    def baseline(t: int) -> float:
        streams = streams_of(f"cart-r{t}", n)

        async def op(i: int) -> None:
            await conn.execute(sql, raw.row(streams[i], versions[i] + 1, events[i]))

        return rate(n, bench.run(timed_async(op, n)))

    def baseline_sync(t: int) -> float:
        streams = streams_of(f"cart-s{t}", n)

        def op(i: int) -> None:
            sconn.execute(sql, raw.row(streams[i], versions[i] + 1, events[i]))

        return rate(n, timed_sync(op, n))

    stats = bench.compare(
        spec.key,
        Side("mink", through(bench.store, "m")),
        Side("raw", baseline),
        Side("raw sync", baseline_sync),
        Side("mink pool16", through(bench.store16, "p")),
    )
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name="mink PostgresEventStore.append (default pool: 1 connection in use)",
        baseline_name="raw psycopg async INSERT (autocommit, 1 connection), equivalent table",
        workload=(
            f"{n} appends of 1 event per trial, one at a time; {PER_STREAM} events per stream, "
            "exact expected versions (the first append of a stream creates it)"
        ),
    )
    context = [
        Context(
            key=f"{spec.key}.raw_sync",
            name="raw psycopg sync INSERT (autocommit)",
            unit="events/s",
            stats=stats["raw sync"],
            note="figure 1's baseline, blocking",
        ),
        Context(
            key=f"{spec.key}.pool16",
            name="mink append through a pool of 16 open connections",
            unit="events/s",
            stats=stats["mink pool16"],
            note="figure 1's mink side; psycopg_pool hands its connections out in turn",
        ),
    ]
    return figure, context


def pg_concurrent_raw(bench: CoreBench, spec: FigureSpec) -> Result:
    """2. Sixteen writers at once, against raw inserts on sixteen connections."""
    from mink_runtime import ANY

    per_writer = bench.size(250, 50)
    total = WRITERS * per_writer
    store = bench.store16
    conns = [bench.raw_connection() for _ in range(WRITERS)]
    sql = raw.insert_sql(bench.raw_schema)

    def mink(t: int) -> float:
        plans = [_writer_plan(f"m{t}", w, per_writer, shared=ANY) for w in range(WRITERS)]

        async def writer(plan: Plan) -> None:
            for stream, expected, event in plan:
                await store.append(stream, [event], expected_version=expected)

        return rate(total, bench.run(timed_gather(writer(p) for p in plans)))

    def baseline(t: int) -> float:
        plans = [_writer_plan(f"r{t}", w, per_writer, shared=None) for w in range(WRITERS)]
        counters: dict[str, itertools.count[int]] = {}

        async def writer(conn: Any, plan: Plan) -> None:
            for stream, expected, event in plan:
                if expected is None:  # a shared stream: its next version
                    version = next(counters.setdefault(stream, itertools.count(1)))
                else:
                    version = expected + 1
                await conn.execute(sql, raw.row(stream, version, event))

        writers = (writer(c, p) for c, p in zip(conns, plans, strict=True))
        return rate(total, bench.run(timed_gather(writers)))

    stats = bench.compare(spec.key, Side("mink", mink), Side("raw", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name=f"mink PostgresEventStore.append, {WRITERS} asyncio tasks, pool of {WRITERS}",
        baseline_name=f"raw psycopg, {WRITERS} async connections, one INSERT per event",
        workload=(
            f"{WRITERS} writers x {per_writer} single-event appends per trial; each writer "
            "sends 3 of 4 appends to its own 4 streams (exact expected version), 1 of 4 to 8 "
            "streams shared by all (ANY; the raw side takes the next version from a counter)"
        ),
    )
    return figure, []


def pg_concurrent_es(bench: CoreBench, spec: FigureSpec) -> Result:
    """2b. Sixteen writers saving aggregates, against the `eventsourcing` library."""
    from benchmarks._es_baseline import EventsourcingBench
    from mink_runtime import AggregateRepository

    per_writer = bench.size(120, 30)
    carts_each = 4
    total = WRITERS * per_writer
    repo = AggregateRepository(bench.store16, Cart)
    bench.progress("  creating the eventsourcing application and its tables")
    es = EventsourcingBench(bench.url, schema=bench.es_schema, writers=WRITERS)
    bench.on_close(es.close)

    def mink(t: int) -> float:
        async def create() -> list[list[Cart]]:
            carts = [[Cart(f"m{t}.{w}.{k}") for k in range(carts_each)] for w in range(WRITERS)]
            for cart in itertools.chain.from_iterable(carts):
                cart.add(0)
                await repo.save(cart)
            return carts

        carts = bench.run(create())

        async def writer(mine: list[Cart]) -> None:
            for i in range(per_writer):
                cart = mine[i % carts_each]
                cart.add(i)
                await repo.save(cart)

        return rate(total, bench.run(timed_gather(writer(m) for m in carts)))

    def baseline(t: int) -> float:
        carts = es.new_carts(carts_each, f"e{t}")
        return rate(total, es.saves(carts, per_writer))

    stats = bench.compare(spec.key, Side("mink", mink), Side("eventsourcing", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["eventsourcing"],
        mink_name=f"mink AggregateRepository.save, {WRITERS} asyncio tasks, pool of {WRITERS}",
        baseline_name=(
            f"eventsourcing {version_of('eventsourcing')} Application.save (its PostgreSQL "
            f"persistence), {WRITERS} threads, pool of {WRITERS}"
        ),
        workload=(
            f"{WRITERS} writers x {per_writer} saves per trial, each of an aggregate the writer "
            f"owns ({carts_each} each, created before timing) with one new event"
        ),
    )
    return figure, []


def pg_append_100(bench: CoreBench, spec: FigureSpec) -> Result:
    """3. A hundred events in one append, against COPY."""
    n, batch = bench.size(120, 30), 100
    store = bench.store
    events = [item("c", i) for i in range(batch)]
    conn = bench.raw_connection()
    copy_sql = raw.copy_sql(bench.raw_schema)

    def mink(t: int) -> float:
        streams = [f"cart-m{t}.{i}" for i in range(n)]

        async def op(i: int) -> None:
            await store.append(streams[i], events, expected_version=0)

        return rate(n * batch, bench.run(timed_async(op, n)))

    def baseline(t: int) -> float:
        streams = [f"cart-r{t}.{i}" for i in range(n)]
        cursor = conn.cursor()

        async def op(i: int) -> None:
            stream = streams[i]
            async with cursor.copy(copy_sql) as copy:
                for version, event in enumerate(events, 1):
                    await copy.write_row(raw.row(stream, version, event))

        return rate(n * batch, bench.run(timed_async(op, n)))

    stats = bench.compare(spec.key, Side("mink", mink), Side("raw", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        baseline_name="raw psycopg async COPY of 100 rows (autocommit), equivalent table",
        workload=f"{n} appends of {batch} events per trial, each to a new stream",
    )
    return figure, []


def pg_sync_door(bench: CoreBench, spec: FigureSpec) -> Result:
    """7. The blocking twin's append against the async append it wraps."""
    from mink_runtime import sync

    n = bench.size(1200, 200)
    store = bench.store
    blocking = sync.PostgresEventStore.connect(bench.url, schema=bench.schema, registry=REGISTRY)
    bench.on_close(blocking.close)
    events = [item("c", i) for i in range(n)]
    versions = [i % PER_STREAM for i in range(n)]

    def through_sync(t: int) -> float:
        streams = streams_of(f"cart-s{t}", n)

        def op(i: int) -> None:
            blocking.append(streams[i], [events[i]], expected_version=versions[i])

        return timed_sync(op, n) / n / 1000

    def through_async(t: int) -> float:
        streams = streams_of(f"cart-a{t}", n)

        async def op(i: int) -> None:
            await store.append(streams[i], [events[i]], expected_version=versions[i])

        return bench.run(timed_async(op, n)) / n / 1000  # type: ignore[no-any-return]

    stats = bench.compare(spec.key, Side("sync", through_sync), Side("async", through_async))
    figure = spec.measured(
        stats["sync"],
        stats["async"],
        mink_name="mink_runtime.sync.PostgresEventStore.append (blocking twin)",
        baseline_name=(
            "await PostgresEventStore.append (async), same pool settings; "
            "ratio = sync time / async time"
        ),
        workload=f"{n} single-event appends per trial, as in figure 1; mean µs per append",
    )
    return figure, []


def _writer_plan(tag: str, writer: int, count: int, *, shared: Any) -> Plan:
    """One concurrent writer's appends; `shared` is the expected version for shared streams."""
    plan: Plan = []
    own = 0
    for j in range(count):
        if j % 4 == 3:
            stream = f"cart-{tag}.shared{(writer + j) % 8}"
            plan.append((stream, shared, item(stream, j)))
        else:
            stream = f"cart-{tag}.w{writer}.{own % 4}"
            plan.append((stream, own // 4, item(stream, j)))
            own += 1
    return plan
