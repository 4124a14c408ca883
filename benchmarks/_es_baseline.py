"""The `eventsourcing` library as a baseline: its PostgreSQL persistence, its sync API, threads.

The workload matches mink's side of the same figure: writers that each own a few aggregates,
already created, and save each of them with one new event at a time (an exact expected version,
which is what saving an aggregate means in both libraries).
"""

from __future__ import annotations

import functools
import getpass
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

__all__ = ["EventsourcingBench"]


def _env(url: str, schema: str, pool_size: int) -> dict[str, str]:
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or getpass.getuser()),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or getpass.getuser()),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }


class EventsourcingBench:
    """An `eventsourcing` application on PostgreSQL, and writer threads that save aggregates."""

    def __init__(self, url: str, *, schema: str, writers: int) -> None:
        """An application whose tables live in `schema`, (re)created here."""
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate, event

        class BenchCart(Aggregate):
            def __init__(self, name: str) -> None:
                self.name = name
                self.items = 0
                self.total_cents = 0

            @event("ItemAdded")
            def add(self, sku: str, quantity: int, unit_price_cents: int) -> None:
                self.items += quantity
                self.total_cents += quantity * unit_price_cents

        class BenchApp(Application[Any]):
            pass

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
        self._cart = BenchCart
        self.app = BenchApp(env=_env(url, schema, writers))
        self.writers = writers

    def new_carts(self, per_writer: int, prefix: str) -> list[list[Any]]:
        """Create and save `per_writer` carts for each writer (untimed set-up)."""
        carts = []
        for w in range(self.writers):
            mine = [self._cart(f"{prefix}-{w}-{k}") for k in range(per_writer)]
            self.app.save(*mine)
            carts.append(mine)
        return carts

    def saves(self, carts: list[list[Any]], per_writer: int) -> int:
        """Nanoseconds for every writer thread to add-and-save `per_writer` times, all at once."""
        app = self.app
        barrier = threading.Barrier(self.writers + 1)
        errors: list[BaseException] = []

        def writer(mine: list[Any]) -> None:
            count = len(mine)
            barrier.wait()
            try:
                for i in range(per_writer):
                    cart = mine[i % count]
                    cart.add(f"SKU-{i % 997:05d}", 1 + i % 5, 1999)
                    app.save(cart)
            except BaseException as error:  # reported by the caller
                errors.append(error)

        bodies = [functools.partial(writer, mine) for mine in carts]
        return _run_threads(bodies, barrier, errors)

    def close(self) -> None:
        self.app.close()


def _run_threads(
    bodies: Sequence[Callable[[], None]], barrier: threading.Barrier, errors: list[BaseException]
) -> int:
    threads = [threading.Thread(target=body, daemon=True) for body in bodies]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter_ns()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter_ns() - start
    if errors:
        raise errors[0]
    return elapsed
