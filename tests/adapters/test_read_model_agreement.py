"""Every backend agrees with the in-Python evaluator on hundreds of generated queries.

The contract suite checks hand-written answers; this checks the long tail: random mixes of
operators, values, groups, orderings, limits and offsets over the contract's sample orders, run
on each backend and compared with `evaluate()` over the same models.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from mink_runtime.adapters.memory import InMemoryReadModelRepository
from mink_runtime.adapters.postgres import PostgresEventStore, PostgresReadModelRepository
from mink_runtime.adapters.redis import RedisReadModelRepository
from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteReadModelRepository
from mink_runtime.domain import F, Query, all_of, any_of, evaluate
from mink_runtime.domain._query import Filter
from mink_runtime.ports import ReadModelRepository
from mink_runtime.testing import OrderSummary
from mink_runtime.testing._contract_models import START, Priority, Status, sample_orders

QUERIES = 250

Make = Callable[[random.Random], Filter]

CONDITIONS: list[Make] = [
    lambda r: F("items") == r.randint(0, 7),
    lambda r: F("items") != r.randint(0, 7),
    lambda r: F("items") < r.randint(0, 8),
    lambda r: F("items") >= r.randint(0, 8),
    lambda r: F("items").between(r.randint(0, 4), r.randint(2, 8)),
    lambda r: F("items").in_(r.sample(range(9), r.randint(0, 4))),
    lambda r: F("items").not_in(r.sample(range(9), r.randint(0, 4))),
    lambda r: F("total") > Decimal(r.choice(["-6", "0.1", "9.5", "9.50", "10", "99.99"])),
    lambda r: F("total") <= Decimal(r.choice(["-5.25", "0.10", "9.5", "20", "100"])),
    lambda r: F("total") == Decimal(r.choice(["9.5", "10.0", "20", "0.1"])),
    lambda r: F("weight") > r.choice([0.0, 1, 2.25, 3.75]),
    lambda r: F("paid") == r.choice([True, False]),
    lambda r: F("status") == r.choice(list(Status)),
    lambda r: F("status") != r.choice(["paid", "pending"]),
    lambda r: F("priority") >= r.choice(list(Priority)),
    lambda r: F("customer") > r.choice(["Bob", "a", "alice", "bob", "Zoë", "é"]),
    lambda r: F("customer").like(r.choice(["a%", "%o%", "_o_", "%e", "B%", "%ë"])),
    lambda r: F("customer").in_(r.sample(["alice", "Bob", "bob", "carol", "x"], 2)),
    lambda r: F("note").contains(r.choice(["door", "Leave", "", "%", "x"])),
    lambda r: F("note") != r.choice(["", "100% cotton", "x"]),
    lambda r: F("note").like(r.choice(["%", "L%", "%door", "100\\%%"])),
    lambda r: F("note").is_null() if r.random() < 0.5 else F("note").is_not_null(),
    lambda r: F("due") < date(2025, 3, r.randint(1, 31)),
    lambda r: F("due").is_null(),
    lambda r: F("placed_at") >= START + timedelta(minutes=r.randint(-1500, 5000)),
    lambda r: (
        F("reference")
        == r.choice([uuid.UUID("00000000-0000-4000-8000-000000000001"), uuid.uuid4()])
    ),
    lambda r: F("reference") > uuid.UUID("00000000-0000-4000-8000-000000000001"),
    lambda r: F("tags").contains(r.choice(["gift", "express", "bulk", "none"])),
    lambda r: F("codes").contains(r.choice([3, 7, 11, 12])),
    lambda r: F("attributes").contains(r.choice(["floor", "gate", "door"])),
]
SORTABLE = [
    "customer",
    "status",
    "total",
    "items",
    "weight",
    "paid",
    "placed_at",
    "due",
    "reference",
    "note",
    "priority",
]


def a_filter(r: random.Random, depth: int = 0) -> Filter:
    if depth < 2 and r.random() < 0.3:
        members = [a_filter(r, depth + 1) for _ in range(r.randint(1, 3))]
        return any_of(*members) if r.random() < 0.5 else all_of(*members)
    return r.choice(CONDITIONS)(r)


def a_query(r: random.Random) -> Query:
    query = Query().where(*(a_filter(r) for _ in range(r.randint(0, 2))))
    keys = r.sample(SORTABLE, r.randint(0, 3))
    query = query.order_by(*(("-" if r.random() < 0.5 else "") + k for k in keys))
    if r.random() < 0.4:
        query = query.limit(r.randint(0, 5))
    if r.random() < 0.3:
        query = query.offset(r.randint(0, 4))
    return query


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
async def repository(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[ReadModelRepository[OrderSummary]]:
    """A repository of each backend holding the sample orders."""
    backend = request.param
    closers: list[Any] = []
    if backend == "memory":
        repo: ReadModelRepository[OrderSummary] = InMemoryReadModelRepository(OrderSummary)
    elif backend == "sqlite":
        sqlite_store = await SQLiteEventStore.open(tmp_path / "agree.db", migrate=True)
        closers.append(sqlite_store.close)
        sqlite_repo = SQLiteReadModelRepository(sqlite_store, OrderSummary)
        await sqlite_repo.create_table()
        repo = sqlite_repo
    elif backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("clean_postgres")
        pg_store = await PostgresEventStore.connect(url, schema=schema)
        closers.append(pg_store.close)
        pg_repo = PostgresReadModelRepository(pg_store, OrderSummary, schema=schema)
        await pg_repo.create_table()
        await pg_repo.clear()
        repo = pg_repo
    else:
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix") + "_agree"
        client = aioredis.Redis.from_url(url)
        closers.append(client.aclose)
        repo = RedisReadModelRepository(client, OrderSummary, prefix=prefix)
        await repo.clear()
    for model in sample_orders():
        await repo.insert(model)
    yield repo
    await repo.clear()
    for close in closers:
        await close()


async def test_every_backend_agrees_with_the_evaluator(
    repository: ReadModelRepository[OrderSummary],
) -> None:
    """find() and count() of generated queries equal evaluate() over the same models."""
    models = sample_orders()
    r = random.Random(20261129)
    for _ in range(QUERIES):
        query = a_query(r)
        expected = [m.id for m in evaluate(query, models, OrderSummary)]
        assert [m.id for m in await repository.find(query)] == expected, query
        unpaged = Query().where(*query.filters)
        assert await repository.count(query) == len(evaluate(unpaged, models, OrderSummary))
