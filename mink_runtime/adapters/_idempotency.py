"""What the idempotency stores of every backend share: argument checks, and results as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import orjson

from mink_runtime.errors import ConfigurationError, SerializationError

__all__ = [
    "already_claimed",
    "check_batch_size",
    "check_ttl",
    "dump_result",
    "json_copy",
    "not_claimed",
    "outside_transaction",
]


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


def already_claimed(key: str) -> ConfigurationError:
    """The error for a second claim of one key inside one transaction."""
    return ConfigurationError(
        f"idempotency key {key!r} is already claimed in this transaction; a command "
        "dispatched from inside another needs a key of its own"
    )


def not_claimed(key: str) -> ConfigurationError:
    """The error for completing a key this transaction did not claim."""
    return ConfigurationError(
        f"idempotency key {key!r} is not claimed in this transaction; claim it first"
    )


def check_batch_size(batch_size: int) -> None:
    """Refuse a cleanup batch size below 1.

    Raises:
        ConfigurationError: it is.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigurationError(f"batch_size must be 1 or more, got {batch_size!r}")
