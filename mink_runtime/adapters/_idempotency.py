"""What the idempotency stores of every backend share: argument checks, and results as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from mink_runtime.errors import ConfigurationError, SerializationError

__all__ = ["check_ttl", "dump_result", "json_copy", "outside_transaction"]


def check_ttl(ttl: timedelta) -> None:
    """Refuse a time to live that is not a non-negative `timedelta`.

    Raises:
        ConfigurationError: it is not.
    """
    if not isinstance(ttl, timedelta) or ttl < timedelta(0):
        raise ConfigurationError(
            f"an idempotency key's time to live is a timedelta of 0 or more, got {ttl!r}"
        )


def json_copy(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """A result as JSON would give it back, so that every backend returns the same thing.

    Raises:
        SerializationError: it has no JSON form.
    """
    try:
        return orjson.loads(orjson.dumps(result))  # type: ignore[no-any-return]
    except TypeError as error:
        raise SerializationError(
            f"a command result stored for idempotency must be JSON-compatible: {error}"
        ) from error


def dump_result(result: Mapping[str, Any]) -> bytes:
    """A result as JSON bytes for a database row.

    Raises:
        SerializationError: it has no JSON form.
    """
    try:
        return orjson.dumps(result)
    except TypeError as error:
        raise SerializationError(
            f"a command result stored for idempotency must be JSON-compatible: {error}"
        ) from error


def outside_transaction(operation: str) -> ConfigurationError:
    """The error for a claim or completion with no transaction of the store's backend open."""
    return ConfigurationError(
        f"an idempotency {operation} runs inside `store.transaction()` (the command's events "
        "must commit with it); open one first"
    )
