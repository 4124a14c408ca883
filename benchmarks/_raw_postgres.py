"""The raw-psycopg baselines: what a careful hand-written data layer does, and no more.

Writes go to an *equivalent table*: `CREATE TABLE … (LIKE <mink>.events INCLUDING ALL)` in a
schema of its own, so it has the same columns, types, collations, defaults, identity, primary
key, unique constraints, check constraint and indexes as mink's events table, whatever the
migration that made that one. Reads go to mink's own table, so both sides read the same rows.
Connections are autocommit; JSON goes through orjson both ways, as mink's does.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import psycopg
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads

from benchmarks._model import EVENT_TYPE

__all__ = [
    "connect",
    "connect_sync",
    "create_equivalent_table",
    "insert_sql",
    "read_page_sql",
    "read_stream_sql",
    "row",
]

_WRITE_COLUMNS = (
    "tenant_id, stream_id, version, event_id, event_type, schema_version, data, metadata"
)
_READ_COLUMNS = (
    "event_id, tenant_id, stream_id, version, position, transaction_id, event_type, "
    "schema_version, data, metadata, recorded_at"
)


def insert_sql(schema: str) -> str:
    """One-row INSERT into the equivalent table in `schema`."""
    values = ", ".join(["%s"] * 8)
    return f"INSERT INTO {schema}.events ({_WRITE_COLUMNS}) VALUES ({values})"


def copy_sql(schema: str) -> str:
    """COPY of rows into the equivalent table in `schema`."""
    return f"COPY {schema}.events ({_WRITE_COLUMNS}) FROM STDIN"


def read_stream_sql(schema: str) -> str:
    """One stream's events in version order, from mink's table."""
    return (
        f"SELECT {_READ_COLUMNS} FROM {schema}.events "
        "WHERE tenant_id = '' AND stream_id = %s ORDER BY version"
    )


def read_page_sql(schema: str) -> str:
    """The next page of the whole log by position (keyset paging), from mink's table."""
    return (
        f"SELECT {_READ_COLUMNS} FROM {schema}.events "
        "WHERE position > %s ORDER BY position LIMIT %s"
    )


def row(stream_id: str, version: int, data: object) -> tuple[Any, ...]:
    """The values of one event's row: a fresh id, the type name, the data as jsonb."""
    return ("", stream_id, version, uuid.uuid4(), EVENT_TYPE, 1, Jsonb(data), None)


def _use_orjson(conn: psycopg.AsyncConnection[Any] | psycopg.Connection[Any]) -> None:
    set_json_dumps(orjson.dumps, context=conn)
    set_json_loads(orjson.loads, context=conn)


async def connect(url: str) -> psycopg.AsyncConnection[Any]:
    """An autocommit async connection with orjson for JSON."""
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    _use_orjson(conn)
    return conn


def connect_sync(url: str) -> psycopg.Connection[Any]:
    """An autocommit blocking connection with orjson for JSON."""
    conn = psycopg.Connection.connect(url, autocommit=True)
    _use_orjson(conn)
    return conn


def create_equivalent_table(url: str, schema: str, *, like: str) -> None:
    """(Re)create `<schema>.events` with the structure of the events table in schema `like`."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.events (LIKE {like}.events INCLUDING ALL)")
