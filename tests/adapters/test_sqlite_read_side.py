"""The read side's storage on SQLite across processes and in memory: leases held as locks on
side files, released by the kernel when their holder dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteProjectionStore
from mink_runtime.domain import Checkpoint
from mink_runtime.errors import StoreUnavailableError
from mink_runtime.testing._event_store_contract import PATIENCE

START = Checkpoint.START
HOLD_A_LEASE = """
import asyncio, sys
from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteProjectionStore

async def main() -> None:
    store = await SQLiteEventStore.open(sys.argv[1])
    async with SQLiteProjectionStore(store).lease("orders", partition=1) as lease:
        assert lease is not None
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


def _start_holder(path: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD_A_LEASE, path], stdout=subprocess.PIPE, text=True
    )


def _lock_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("app.db.lease-*"))


def _replace_with_a_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.fixture
async def file_store(tmp_path: Path) -> AsyncIterator[SQLiteEventStore]:
    async with await SQLiteEventStore.open(tmp_path / "app.db", migrate=True) as store:
        yield store


async def test_a_lease_of_a_killed_process_is_taken_over(
    file_store: SQLiteEventStore,
) -> None:
    """The kernel drops a killed worker's lock: a standby waiting for the lease gets it."""
    holder = _start_holder(file_store.path)
    try:
        assert holder.stdout is not None
        async with asyncio.timeout(60):
            assert await asyncio.to_thread(holder.stdout.readline) == "held\n"
        projections = SQLiteProjectionStore(file_store)
        async with projections.lease("orders", partition=1) as lease:
            assert lease is None
        os.kill(holder.pid, signal.SIGKILL)
        async with projections.lease("orders", partition=1, wait=PATIENCE) as lease:
            assert lease is not None
            assert lease.key == "orders#1"
            assert await lease.held()
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()


async def test_leases_live_in_side_files_next_to_the_database(
    file_store: SQLiteEventStore, tmp_path: Path
) -> None:
    """Each leased projection has a lock file beside the database; it stays after release."""
    async with SQLiteProjectionStore(file_store).lease("orders"):
        pass
    assert len(_lock_files(tmp_path)) == 1


async def test_an_in_memory_database_leases_within_its_process() -> None:
    """On ":memory:" a lease is exclusive among the users of that one database."""
    async with await SQLiteEventStore.open(":memory:", migrate=True) as store:
        projections = SQLiteProjectionStore(store)
        async with projections.lease("orders") as first:
            assert first is not None
            assert await first.held()
            async with projections.for_tenant("acme").lease("orders") as other_tenant:
                assert other_tenant is not None
            async with projections.lease("orders") as second:
                assert second is None
        async with projections.lease("orders") as again:
            assert again is not None


async def test_an_in_memory_database_keeps_checkpoints_in_its_transactions() -> None:
    """On ":memory:" too, a checkpoint saved in a rolled-back block is not kept."""
    async with await SQLiteEventStore.open(":memory:", migrate=True) as store:
        projections = SQLiteProjectionStore(store)
        with pytest.raises(RuntimeError, match="undo"):
            async with store.transaction():
                await projections.save_checkpoint("orders", Checkpoint(0, 3), expected=START)
                raise RuntimeError("undo")
        assert await projections.list() == []


async def test_a_lease_file_that_cannot_be_opened_is_reported(
    file_store: SQLiteEventStore, tmp_path: Path
) -> None:
    """A lease file that cannot be opened (here a directory stands in its place) gives a mink
    error naming the file and the fix."""
    projections = SQLiteProjectionStore(file_store)
    async with projections.lease("orders"):
        pass
    [name] = _lock_files(tmp_path)
    _replace_with_a_directory(tmp_path / name)
    with pytest.raises(StoreUnavailableError, match="must be writable"):
        async with projections.lease("orders"):
            pass
