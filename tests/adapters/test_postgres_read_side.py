"""The read side's storage on PostgreSQL across processes: leases that outlive their holder's
death only as long as the server takes to notice, and wake-ups by LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest

from mink_runtime.adapters.postgres import PostgresEventStore, PostgresProjectionStore
from mink_runtime.testing import contract_registry
from mink_runtime.testing._contract_events import ItemAdded
from mink_runtime.testing._event_store_contract import PATIENCE

pytestmark = pytest.mark.postgres

HOLD_A_LEASE = """
import asyncio, sys
from mink_runtime.adapters.postgres import PostgresEventStore, PostgresProjectionStore

async def main() -> None:
    store = await PostgresEventStore.connect(sys.argv[1], schema=sys.argv[2])
    async with PostgresProjectionStore(store).lease("orders", wait=30) as lease:
        assert lease is not None
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""

APPEND_ONE = """
import asyncio, sys
from mink_runtime.adapters.postgres import PostgresEventStore
from mink_runtime.domain import NewEvent

async def main() -> None:
    async with await PostgresEventStore.connect(sys.argv[1], schema=sys.argv[2]) as store:
        await store.append("audit-9", [NewEvent(type="Audited", data={"n": 9})])

asyncio.run(main())
"""


@pytest.fixture
async def store(postgres_url: str, clean_postgres: str) -> AsyncIterator[PostgresEventStore]:
    opened = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry
    )
    yield opened
    await opened.close()


@pytest.fixture
def run_python(postgres_url: str, clean_postgres: str) -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by the test, killed at its end if still running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _start(script: str, url: str, schema: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, url, schema],
        stdout=subprocess.PIPE,
        text=True,
    )


async def _readline(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(60):
        return await asyncio.to_thread(process.stdout.readline)


async def test_a_lease_of_a_killed_process_is_taken_over(
    store: PostgresEventStore,
    postgres_url: str,
    clean_postgres: str,
    run_python: list[subprocess.Popen[str]],
) -> None:
    """A worker process killed with SIGKILL loses its lease with its connection: a standby
    waiting for it gets it."""
    holder = _start(HOLD_A_LEASE, postgres_url, clean_postgres)
    run_python.append(holder)
    assert await _readline(holder) == "held\n"
    projections = PostgresProjectionStore(store)
    async with projections.lease("orders") as lease:
        assert lease is None
    os.kill(holder.pid, signal.SIGKILL)
    async with projections.lease("orders", wait=PATIENCE) as lease:
        assert lease is not None
        assert await lease.held()


async def test_a_lease_whose_connection_was_lost_is_no_longer_held(
    store: PostgresEventStore, postgres_url: str
) -> None:
    """`held()` turns False when the server ends the lease's session, and another worker can
    take the lease at once."""
    projections = PostgresProjectionStore(store)
    async with projections.lease("orders") as lease:
        assert lease is not None
        assert await lease.held()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            # The session that holds the advisory lock is the one to end.
            holder = admin.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
                " AND ((classid::bigint << 32) | objid::bigint) = %s",
                (lease._number,),  # type: ignore[attr-defined]
            ).fetchone()
            assert holder is not None
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", holder)
        assert not await lease.held()
        async with projections.lease("orders", wait=PATIENCE) as other:
            assert other is not None


async def test_a_commit_of_another_process_wakes_a_watch(
    store: PostgresEventStore,
    postgres_url: str,
    clean_postgres: str,
    run_python: list[subprocess.Popen[str]],
) -> None:
    """An append in another process reaches this one's watch by NOTIFY, even when that
    process exits right after it."""
    async with store.watch() as watch:
        appender = _start(APPEND_ONE, postgres_url, clean_postgres)
        run_python.append(appender)
        assert await watch.wait(PATIENCE) is True
        assert await asyncio.to_thread(appender.wait, 60) == 0


async def test_a_notify_from_another_connection_wakes_a_watch(
    store: PostgresEventStore, postgres_url: str, clean_postgres: str
) -> None:
    """Any session's NOTIFY on the store's channel wakes its watches: readers then re-read."""
    async with store.watch() as watch:
        assert await watch.wait(0.05) is False
        with psycopg.connect(postgres_url, autocommit=True) as other:
            other.execute(f"NOTIFY mink_events_{clean_postgres}")
        assert await watch.wait(PATIENCE) is True


async def test_the_listener_comes_back_after_its_connection_dropped(
    store: PostgresEventStore, postgres_url: str, clean_postgres: str
) -> None:
    """When the LISTEN connection is killed, watches are woken (something may have been
    missed) and notifications arrive again once it has reconnected."""
    channel = f"mink_events_{clean_postgres}"
    async with store.watch() as watch:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query = %s AND pid <> pg_backend_pid()",
                (f"LISTEN {channel}",),
            ).fetchone()
            assert killed == (1,)
        assert await watch.wait(PATIENCE) is True  # the reconnection's wake-up
        await store.for_tenant("acme").append("order-1", [ItemAdded("a")])
        assert await watch.wait(PATIENCE) is True
        with psycopg.connect(postgres_url, autocommit=True) as other:
            other.execute(f"NOTIFY {channel}")
        assert await watch.wait(PATIENCE) is True


async def test_closing_the_store_closes_its_listening_and_notifying_connections(
    postgres_url: str, clean_postgres: str
) -> None:
    """The connections opened beside the pool for wake-ups end with the store."""
    channel = f"mink_events_{clean_postgres}"
    store = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry
    )
    async with store.watch() as watch:
        await store.append("audit-1", [ItemAdded("a")])
        assert await watch.wait(PATIENCE) is True
    assert await _sessions_of(postgres_url, channel) > 0
    await store.close()
    for _ in range(int(PATIENCE / 0.05)):  # the server ends closed sessions soon after
        if not await _sessions_of(postgres_url, channel):
            break
        await asyncio.sleep(0.05)
    assert await _sessions_of(postgres_url, channel) == 0


async def _sessions_of(url: str, channel: str) -> int:
    """How many sessions last ran LISTEN or NOTIFY on `channel`."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        cursor = await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query IN (%s, %s)",
            (f"LISTEN {channel}", f"NOTIFY {channel}"),
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
