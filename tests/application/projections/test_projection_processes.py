"""Worker processes on PostgreSQL: a worker killed mid-batch loses and doubles nothing, and a
standby takes over from a dead one."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from projection_shop import CountedRow, Placed, registry

from mink_runtime import ProjectionEngine
from mink_runtime.ports import EventStore

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HERE = Path(__file__).resolve().parent


@pytest.fixture
async def store(postgres_url: str, clean_postgres: str) -> AsyncIterator[EventStore]:
    from mink_runtime import PostgresEventStore

    opened = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=registry
    )
    yield opened
    await opened.close()


@pytest.fixture
async def rows(store: EventStore, clean_postgres: str) -> AsyncIterator[object]:
    from mink_runtime import PostgresReadModelRepository

    repository = PostgresReadModelRepository(
        store,
        CountedRow,
        table="counted_rows",
        schema=clean_postgres,  # type: ignore[arg-type]
    )
    await repository.drop_table()
    await repository.create_table()
    yield repository
    await repository.drop_table()


@pytest.fixture
def workers(postgres_url: str, clean_postgres: str) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def start_worker(
    url: str, schema: str, started: list[subprocess.Popen[str]], *extra: str
) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(HERE))
    process = subprocess.Popen(
        [sys.executable, str(HERE / "projection_worker.py"), url, schema, "counted_rows", *extra],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    started.append(process)
    return process


async def read_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout)
    return line.strip()


async def place_orders(store: EventStore, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        await store.append(f"order-{i % 13}", [Placed(str(i), i)])


async def expected_rows(store: EventStore) -> dict[str, tuple[int, int]]:
    """A fold from scratch: per stream, its number of events and their amounts' sum."""
    folded: dict[str, tuple[int, int]] = {}
    for stream in [f"order-{i}" for i in range(13)]:
        events = await store.read_stream(stream)
        folded[stream] = (len(events), sum(e.data.amount for e in events))
    return folded


async def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    store: EventStore, rows: object, postgres_url: str, clean_postgres: str, workers: list
) -> None:
    """SIGKILL in the middle of a batch, restart: the read model equals a fold from scratch."""
    await place_orders(store, 300)
    crashing = start_worker(postgres_url, clean_postgres, workers, "--stall-at", "130")
    assert await read_line(crashing) == "STARTED"
    assert await read_line(crashing) == "STALLED"  # two batches committed, the third half done
    crashing.send_signal(signal.SIGKILL)
    crashing.wait(10)
    engine = ProjectionEngine(store, poll_interval=0.1)
    [report] = await engine.status("counted")
    assert report.lag == 200  # 100 committed (two batches of 50); the third rolled back

    restarted = start_worker(postgres_url, clean_postgres, workers)
    assert await read_line(restarted) == "STARTED"
    await place_orders(store, 50, start=300)
    await engine.wait_for(await store.head(), names=["counted"], timeout=60)
    found = {r.id: (r.events, r.amount) for r in await rows.find()}  # type: ignore[attr-defined]
    assert found == await expected_rows(store)


async def test_a_standby_worker_takes_over_when_the_active_one_dies(
    store: EventStore, rows: object, postgres_url: str, clean_postgres: str, workers: list
) -> None:
    """Two workers: every row comes from one of them; kill it and the other takes over."""
    first = start_worker(postgres_url, clean_postgres, workers)
    second = start_worker(postgres_url, clean_postgres, workers)
    assert await read_line(first) == "STARTED"
    assert await read_line(second) == "STARTED"
    engine = ProjectionEngine(store, poll_interval=0.1)
    await place_orders(store, 100)
    await engine.wait_for(await store.head(), names=["counted"], timeout=60)
    await place_orders(store, 100, start=100)
    await engine.wait_for(await store.head(), names=["counted"], timeout=60)
    writers = {r.pid for r in await rows.find()}  # type: ignore[attr-defined]
    assert len(writers) == 1
    [active] = writers
    standby = second if active == first.pid else first
    os.kill(active, signal.SIGKILL)

    killed_at = time.monotonic()
    await place_orders(store, 26, start=200)
    await engine.wait_for(await store.head(), names=["counted"], timeout=30)
    assert time.monotonic() - killed_at < 30
    after = {r.pid for r in await rows.find()}  # type: ignore[attr-defined]
    assert after == {standby.pid}  # each of the 13 rows was written again by the standby
    found = {r.id: (r.events, r.amount) for r in await rows.find()}  # type: ignore[attr-defined]
    assert found == await expected_rows(store)
