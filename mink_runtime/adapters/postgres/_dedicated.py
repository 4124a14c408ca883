"""Connections of their own, opened beside a store's pool with the pool's settings.

Some work must not borrow from the pool: a session advisory lock lives as long as its session
(a lease), a `LISTEN` keeps its connection waiting for hours, and a `NOTIFY` sent after commits
must never wait behind the requests the pool serves.
"""

from __future__ import annotations

import inspect
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

__all__ = ["connect_beside"]


async def connect_beside(
    pool: AsyncConnectionPool[AsyncConnection[Any]], *, timeout: float = 10.0
) -> AsyncConnection[Any]:
    """A new autocommit connection to the pool's server, with the pool's connection settings.

    Raises:
        psycopg.Error: it could not be opened (the caller translates it).
    """
    conninfo: Any = pool.conninfo
    if callable(conninfo):
        conninfo = conninfo()
        if inspect.isawaitable(conninfo):
            conninfo = await conninfo
    kwargs: Any = pool.kwargs or {}
    if callable(kwargs):
        kwargs = kwargs()
        if inspect.isawaitable(kwargs):
            kwargs = await kwargs
    options = dict(kwargs)
    options["autocommit"] = True
    options.setdefault("connect_timeout", max(round(timeout), 1))
    return await AsyncConnection.connect(conninfo or "", **options)
