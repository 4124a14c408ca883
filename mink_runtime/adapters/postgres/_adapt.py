"""How values cross the psycopg boundary: JSON stays bytes (orjson parses it), xid8 is an int."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.adapt import Dumper, Loader
from psycopg.postgres import types as builtin_types

__all__ = ["JsonBytes", "configure"]

_JSONB_OID = builtin_types["jsonb"].oid
_XID8_OID = 5069


class JsonBytes(bytes):
    """Bytes that already hold JSON text: sent to PostgreSQL as jsonb without re-encoding."""

    __slots__ = ()


class _JsonBytesDumper(Dumper):
    oid = _JSONB_OID

    def dump(self, obj: Any) -> bytes:
        return obj  # type: ignore[no-any-return]


class _RawJsonLoader(Loader):
    """jsonb/json as the server's text, undecoded: the codec decodes it once, with orjson."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


class _Xid8Loader(Loader):
    def load(self, data: Any) -> int:
        return int(bytes(data))


async def configure(connection: AsyncConnection[Any]) -> None:
    """Give a pooled connection mink's adapters."""
    connection.adapters.register_dumper(JsonBytes, _JsonBytesDumper)
    connection.adapters.register_loader("jsonb", _RawJsonLoader)
    connection.adapters.register_loader("json", _RawJsonLoader)
    connection.adapters.register_loader(_XID8_OID, _Xid8Loader)
