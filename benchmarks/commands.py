"""The commands suite: what the command bus costs, against calling the handler, in the same run.

Figures:

1. The pipeline with all default middleware (recovery, correlation, logging, validation,
   timeout, retry) adds at most 50 µs per dispatch over awaiting the same handler directly;
   memory store, a handler that creates an aggregate with one event (`aggregate_handler`).
2. End to end on PostgreSQL, a command whose handler appends one event (the expected version
   carried by the command), through the default pipeline: at least 0.8 times mink's single-event
   append (the core suite's figure 1, measured here on the same workload).

For context: the pipeline with idempotency on the memory store; on PostgreSQL, an aggregate
command that loads, decides and saves (two round trips), and a keyed command under the
idempotency middleware (its transaction, claim and result: more round trips).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._core_bench import PER_STREAM, CoreBench, Measure, Result, load_average, streams_of
from benchmarks._harness import Options, Progress, Side, rate, timed_async
from benchmarks._model import REGISTRY, Cart, item
from benchmarks._report import Context, FigureSpec, Report, at_least, at_most_added
from benchmarks._suite import Suite

__all__ = ["FIGURES", "SUITE"]


@dataclass(frozen=True, slots=True)
class OpenCart:
    cart_id: str
    n: int


@dataclass(frozen=True, slots=True)
class AddItem:
    cart_id: str
    n: int
    expected_version: int
    idempotency_key: str | None = None


def _per_op_us(elapsed_ns: int, n: int) -> float:
    return elapsed_ns / n / 1000


def pipeline_overhead(bench: CoreBench, spec: FigureSpec) -> Result:
    """1. µs per dispatch through the default pipeline against awaiting the handler."""
    from mink_runtime import AggregateRepository, CommandBus, InMemoryEventStore, aggregate_handler
    from mink_runtime.adapters.memory import InMemoryIdempotencyStore
    from mink_runtime.application.commands import Idempotency, default_middleware

    n = bench.size(5000, 500)

    def fresh(with_keys: bool = False) -> tuple[Any, Any, list[OpenCart]]:
        store = InMemoryEventStore(registry=REGISTRY)
        handler = aggregate_handler(
            AggregateRepository(store, Cart),
            lambda cart, c: cart.add(c.n),
            id_of="cart_id",
            create=True,
        )
        idempotency = Idempotency(InMemoryIdempotencyStore(store)) if with_keys else None
        bus = CommandBus(middleware=default_middleware(idempotency=idempotency))
        bus.register(OpenCart, handler)
        return bus, handler, [OpenCart(f"c{i}", i) for i in range(n)]

    def side(through_bus: bool, with_keys: bool = False) -> Callable[[int], float]:
        def trial(t: int) -> float:
            bus, handler, commands = fresh(with_keys)
            if through_bus:
                keys = [f"k{t}-{i}" for i in range(n)] if with_keys else [None] * n

                async def op(i: int) -> None:
                    await bus.dispatch(commands[i], idempotency_key=keys[i])
            else:

                async def op(i: int) -> None:
                    await handler(commands[i])

            return _per_op_us(bench.run(timed_async(op, n)), n)

        return trial

    stats = bench.compare(
        spec.key,
        Side("bus", side(True)),
        Side("direct", side(False)),
        Side("bus+idempotency", side(True, with_keys=True)),
    )
    figure = spec.measured(
        stats["bus"],
        stats["direct"],
        mink_name="CommandBus.dispatch, default middleware (logging below its level)",
        baseline_name="awaiting the same handler directly",
        workload=(
            f"{n} commands per trial, each creating a cart with one event "
            "(aggregate_handler, create=True) in a fresh InMemoryEventStore"
        ),
    )
    context = [
        Context(
            key=f"{spec.key}.idempotency",
            name="default pipeline + Idempotency (memory store)",
            unit="µs/dispatch",
            stats=stats["bus+idempotency"],
            note="a key per command: a transaction, a claim and a stored result each",
        )
    ]
    return figure, context


def pg_command(bench: CoreBench, spec: FigureSpec) -> Result:
    """2. Commands appending one event each on PostgreSQL against mink's own append."""
    from mink_runtime import AggregateRepository, CommandBus, aggregate_handler
    from mink_runtime.adapters.postgres import PostgresIdempotencyStore
    from mink_runtime.application.commands import Idempotency, default_middleware

    n = bench.size(1200, 200)
    store = bench.store
    events = [item("c", i) for i in range(n)]
    versions = [i % PER_STREAM for i in range(n)]

    async def add_item(command: AddItem) -> Any:
        return await store.append(
            command.cart_id,
            [item(command.cart_id, command.n)],
            expected_version=command.expected_version,
        )

    plain = CommandBus()
    plain.register(AddItem, add_item)
    keyed = CommandBus(
        middleware=default_middleware(idempotency=Idempotency(PostgresIdempotencyStore(store)))
    )
    keyed.register(AddItem, add_item)
    carts = AggregateRepository(store, Cart)
    loading = CommandBus()
    loading.register(
        OpenCart, aggregate_handler(carts, lambda cart, c: cart.add(c.n), id_of="cart_id")
    )

    def commands(tag: str, t: int, *, keys: bool = False) -> list[AddItem]:
        streams = streams_of(f"cart-{tag}{t}", n)
        return [
            AddItem(streams[i], i, versions[i], f"{tag}{t}-{i}" if keys else None) for i in range(n)
        ]

    def through(bus: Any, tag: str, *, keys: bool = False) -> Callable[[int], float]:
        def trial(t: int) -> float:
            batch = commands(tag, t, keys=keys)

            async def op(i: int) -> None:
                await bus.dispatch(batch[i])

            return rate(n, bench.run(timed_async(op, n)))

        return trial

    def appends(t: int) -> float:
        streams = streams_of(f"cart-a{t}", n)

        async def op(i: int) -> None:
            await store.append(streams[i], [events[i]], expected_version=versions[i])

        return rate(n, bench.run(timed_async(op, n)))

    def aggregates(t: int) -> float:
        streams = streams_of(f"cart-g{t}", n)
        ids = [s.partition("-")[2] for s in streams]

        async def first_events() -> None:  # every cart exists: the commands load it
            for cart_id in dict.fromkeys(ids):
                await store.append(f"cart-{cart_id}", [item(cart_id, 0)])

        bench.run(first_events())
        batch = [OpenCart(ids[i], i) for i in range(n)]

        async def op(i: int) -> None:
            await loading.dispatch(batch[i])

        return rate(n, bench.run(timed_async(op, n)))

    stats = bench.compare(
        spec.key,
        Side("command", through(plain, "m")),
        Side("append", appends),
        Side("aggregate", aggregates),
        Side("keyed", through(keyed, "k", keys=True)),
    )
    figure = spec.measured(
        stats["command"],
        stats["append"],
        mink_name="CommandBus.dispatch (default middleware) → handler → PostgresEventStore.append",
        baseline_name="PostgresEventStore.append, the core suite's figure 1 workload",
        workload=(
            f"{n} commands (or appends) of 1 event per trial, one at a time; {PER_STREAM} events "
            "per stream, exact expected versions; default pool, 1 connection in use"
        ),
    )
    context = [
        Context(
            key=f"{spec.key}.aggregate",
            name="aggregate command: load, decide, save",
            unit="events/s",
            stats=stats["aggregate"],
            note="aggregate_handler; two round trips per command, the stream grows per trial",
        ),
        Context(
            key=f"{spec.key}.idempotent",
            name="keyed command under Idempotency",
            unit="events/s",
            stats=stats["keyed"],
            note="BEGIN, claim, append, result, COMMIT: one transaction per command",
        ),
    ]
    return figure, context


FIGURES: tuple[tuple[FigureSpec, Measure], ...] = (
    (
        FigureSpec(
            "pipeline_overhead",
            "Command pipeline overhead (memory store)",
            "µs/dispatch",
            at_most_added(50, "µs"),
        ),
        pipeline_overhead,
    ),
    (
        FigureSpec("pg_command", "PostgreSQL command → event", "events/s", at_least(0.8)),
        pg_command,
    ),
)


def run(options: Options, progress: Progress) -> Report:
    """Measure the selected figures; a figure that fails is reported with its error."""
    report = Report(suite="commands", options=options)
    with asyncio.Runner() as runner, tempfile.TemporaryDirectory(prefix="mink-bench-") as tmp:
        bench = CoreBench(options, progress, runner, Path(tmp))
        report.environment = bench.describe()
        try:
            if options.selects("pg_command"):
                report.environment.update(bench.prepare_postgres())
            bench.measure_all(FIGURES, report)
        finally:
            bench.close()
    report.environment["load_average_after"] = load_average()
    return report


SUITE = Suite(name="commands", figures=[(spec.key, spec.name) for spec, _ in FIGURES], run=run)
