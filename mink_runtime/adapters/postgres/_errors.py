"""Translating psycopg errors into mink errors, once, at the adapter's edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout, TooManyRequests

from mink_runtime.errors import (
    ConcurrencyError,
    DuplicateEventError,
    EventStoreError,
    SchemaNotReadyError,
    StoreUnavailableError,
    StreamDeletedError,
    TransactionConflictError,
)

__all__ = ["translate_errors"]

_EXPECTED_CODES = {-1: "any", -2: "no_stream", -3: "stream_exists"}
_SCHEMA_MISSING = {"42P01", "42883", "3F000"}  # undefined table / function / schema


@contextmanager
def translate_errors(stream_id: str = "", *, schema: str = "mink") -> Iterator[None]:
    """Raise the mink error for any psycopg or pool error inside the block."""
    try:
        yield
    except psycopg.Error as error:
        raise _translate(error, stream_id, schema) from error
    except (PoolTimeout, TooManyRequests) as error:
        raise StoreUnavailableError(
            f"no PostgreSQL connection became free in time ({error}); the pool may be too "
            "small for the load, or the server is unreachable"
        ) from error


def _translate(error: psycopg.Error, stream_id: str, schema: str) -> Exception:
    code = error.sqlstate or ""
    diag = error.diag
    if code == "MK001":
        expected_raw, _, actual_raw = (diag.message_detail or "|").partition("|")
        expected_num = int(expected_raw)
        expected: int | str = _EXPECTED_CODES.get(expected_num, expected_num)
        return ConcurrencyError(
            stream_id,
            expected_version=expected,
            actual_version=int(actual_raw) if actual_raw else None,
        )
    if code == "MK002":
        return StreamDeletedError(stream_id)
    if code == "MK004":
        return TransactionConflictError(stream_id)
    if code == "MK003":
        return DuplicateEventError(stream_id, event_id=diag.message_detail)
    if isinstance(error, pg_errors.UniqueViolation) and diag.constraint_name == (
        "events_event_id_key"
    ):
        return DuplicateEventError(stream_id)
    if code in _SCHEMA_MISSING:
        return SchemaNotReadyError(
            f"mink's tables are missing in schema {schema!r} ({diag.message_primary}); "
            "run `mink migrate up`, or connect with migrate=True"
        )
    if isinstance(error, psycopg.OperationalError | pg_errors.AdminShutdown):
        return StoreUnavailableError(f"PostgreSQL is unavailable: {error}")
    return EventStoreError(f"PostgreSQL error {code or ''}: {error}".strip())
