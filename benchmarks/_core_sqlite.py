"""The core suite's SQLite figure: the embedded store's append against sqlite3 itself."""

from __future__ import annotations

from benchmarks._core_bench import PER_STREAM, CoreBench, Result, streams_of
from benchmarks._harness import Side, rate, timed_async, timed_sync
from benchmarks._model import REGISTRY, item
from benchmarks._raw_sqlite import RawSQLite
from benchmarks._report import FigureSpec

__all__ = ["sqlite_append_one"]

SYNCHRONOUS = "NORMAL"


def sqlite_append_one(bench: CoreBench, spec: FigureSpec) -> Result:
    """6. One event per append, one append at a time, in WAL mode at synchronous=NORMAL."""
    from mink_runtime import SQLiteEventStore

    n = bench.size(3000, 600)
    events = [item("c", i) for i in range(n)]
    versions = [i % PER_STREAM for i in range(n)]
    mink_db = bench.tmp / "mink.db"
    store = bench.run(
        SQLiteEventStore.open(
            mink_db, schema="mink", migrate=True, synchronous=SYNCHRONOUS, registry=REGISTRY
        )
    )
    bench.on_close(lambda: bench.run(store.close()))
    baseline_db = RawSQLite(
        bench.tmp / "raw.db", mink_db=mink_db, table="mink_events", synchronous=SYNCHRONOUS
    )
    bench.on_close(baseline_db.close)

    def mink(t: int) -> float:
        streams = streams_of(f"cart-m{t}", n)

        async def op(i: int) -> None:
            await store.append(streams[i], [events[i]], expected_version=versions[i])

        return rate(n, bench.run(timed_async(op, n)))

    def baseline(t: int) -> float:
        streams = streams_of(f"cart-r{t}", n)
        append = baseline_db.append

        def op(i: int) -> None:
            append(streams[i], versions[i] + 1, events[i])

        return rate(n, timed_sync(op, n))

    stats = bench.compare(spec.key, Side("mink", mink), Side("raw", baseline))
    figure = spec.measured(
        stats["mink"],
        stats["raw"],
        mink_name=f"mink SQLiteEventStore.append (WAL, synchronous={SYNCHRONOUS})",
        baseline_name=(
            f"raw sqlite3 INSERT + COMMIT (WAL, synchronous={SYNCHRONOUS}), equivalent table"
        ),
        workload=(
            f"{n} appends of 1 event per trial, one at a time; {PER_STREAM} events per stream, "
            "exact expected versions; both files in one temporary directory"
        ),
    )
    return figure, []
