"""What the projection stores of every backend share: lease names and keys, waiting for a
lease, and the records as rows (`record_of`, `letter_of`)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from mink_runtime.domain import Checkpoint, DeadLetter, ProjectionRecord, ProjectionStatus
from mink_runtime.errors import ConfigurationError

__all__ = [
    "LEASE_POLL",
    "check_lease_wait",
    "checkpoint_of",
    "lease_hash",
    "lease_name",
    "letter_of",
    "parse_status",
    "poll_for",
    "record_of",
]

LEASE_POLL = 0.1
"""Seconds between two attempts to take a lease another worker holds."""


def lease_name(name: str, version: int, partition: int) -> str:
    """What a lease is for, as people read it: `name`, `name@2`, `name#3`, `name@2#3`."""
    text = name if version == 1 else f"{name}@{version}"
    return text if partition == 0 else f"{text}#{partition}"


def lease_hash(*parts: object) -> int:
    """A stable signed 64-bit key of the parts (the same in every process and on every run,
    unlike `hash()`), for an advisory lock or a lock file's name."""
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


def check_lease_wait(wait: float | None) -> None:
    """Refuse a negative or non-numeric `wait`.

    Raises:
        ConfigurationError: it is one.
    """
    if wait is None:
        return
    if isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0:
        raise ConfigurationError(f"a lease's wait is None or seconds (0 or more), got {wait!r}")


async def poll_for(attempt: Callable[[], Awaitable[bool]], wait: float | None) -> bool:
    """Call `attempt` until it succeeds or `wait` seconds ran out (None: once); whether it did."""
    if await attempt():
        return True
    if not wait:
        return False
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while (left := deadline - loop.time()) > 0:
        await asyncio.sleep(min(LEASE_POLL, left))
        if await attempt():
            return True
    return False


def parse_status(text: str) -> ProjectionStatus:
    """A stored status; an unknown one (written by a newer mink) reads as STOPPED."""
    try:
        return ProjectionStatus(text)
    except ValueError:
        return ProjectionStatus.STOPPED


def checkpoint_of(transaction: int, position: int) -> Checkpoint:
    """A stored checkpoint pair as a `Checkpoint` (START for 0/0)."""
    return Checkpoint(transaction, position) if transaction or position else Checkpoint.START


def _as_is(value: Any) -> datetime | None:
    return value  # type: ignore[no-any-return]


def record_of(
    row: tuple[Any, ...], time: Callable[[Any], datetime | None] = _as_is
) -> ProjectionRecord:
    """A `projections` row (name, version, partition, transaction, position, status,
    last_error, updated_at) as a record; `time` reads the backend's timestamps."""
    name, version, partition, transaction, position, status, last_error, updated_at = row
    return ProjectionRecord(
        name=name,
        version=version,
        partition=partition,
        checkpoint=checkpoint_of(transaction, position),
        status=parse_status(status),
        last_error=last_error,
        updated_at=time(updated_at),
    )


def letter_of(row: tuple[Any, ...], time: Callable[[Any], datetime | None] = _as_is) -> DeadLetter:
    """A `dead_letters` row (id, projection, version, event_id, stream_id, stream_version,
    transaction, position, event_type, error, attempts, failed_at) as a dead letter."""
    (
        letter_id,
        projection,
        version,
        event_id,
        stream_id,
        stream_version,
        transaction,
        position,
        event_type,
        error,
        attempts,
        failed_at,
    ) = row
    failed = time(failed_at)
    assert failed is not None
    return DeadLetter(
        id=letter_id,
        projection=projection,
        version=version,
        event_id=event_id,
        stream_id=stream_id,
        stream_version=stream_version,
        checkpoint=checkpoint_of(transaction, position),
        event_type=event_type,
        error=error,
        attempts=attempts,
        failed_at=failed,
    )
