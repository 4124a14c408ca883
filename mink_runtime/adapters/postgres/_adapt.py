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
    """Give a pooled connection mink's adapters."""
    connection.adapters.register_dumper(JsonBytes, _JsonBytesDumper)
