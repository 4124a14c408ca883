"""How values cross the psycopg boundary: JSON mink already encoded goes out as jsonb untouched.

(Reads select JSON as text and transaction ids as bigint, so psycopg's C loaders handle them.)
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.adapt import Dumper
from psycopg.postgres import types as builtin_types

__all__ = ["JsonBytes", "configure"]

_JSONB_OID = builtin_types["jsonb"].oid


class JsonBytes(bytes):
    """Bytes that already hold JSON text: sent to PostgreSQL as jsonb without re-encoding."""

    __slots__ = ()


class _JsonBytesDumper(Dumper):
    oid = _JSONB_OID

    def dump(self, obj: Any) -> bytes:
        return obj  # type: ignore[no-any-return]


async def configure(connection: AsyncConnection[Any]) -> None:
    """Set up a connection of mink's pool: its adapters, and generic plans.

    mink's statements are prepared on first use (`prepare_threshold=0` in the pool) and their
    plans do not depend on the parameters' values; left to choose, PostgreSQL would plan the
    append afresh on each call, which costs more than running it.
    """
    connection.adapters.register_dumper(JsonBytes, _JsonBytesDumper)
    await connection.execute("SET plan_cache_mode = force_generic_plan")
