"""A projection worker process for the crash and takeover tests.

    python projection_worker.py URL SCHEMA TABLE [--stall-at N]

It runs the `Counted` projection into TABLE until killed. With `--stall-at N` the handler
prints `STALLED` and sleeps when it reaches its N-th event, in the middle of a batch, so that
the test can kill it there. Every row it writes carries this process's pid.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from projection_shop import Counted, CountedRow, registry

from mink_runtime import PostgresEventStore, PostgresReadModelRepository, ProjectionEngine


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("schema")
    parser.add_argument("table")
    parser.add_argument("--stall-at", type=int, default=0)
    args = parser.parse_args()
    store = await PostgresEventStore.connect(args.url, schema=args.schema, registry=registry)
    rows = PostgresReadModelRepository(store, CountedRow, table=args.table, schema=args.schema)
    projection = Counted(rows, pid=os.getpid(), stall_at=args.stall_at)
    engine = ProjectionEngine(store, [projection], poll_interval=0.2, lease_wait=0.2)
    print("STARTED", flush=True)
    await engine.run()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
