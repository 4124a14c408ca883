"""The rules of an append, shared by every adapter that checks them in Python.

(PostgreSQL checks the same rules in its append function; the contract suite holds them equal.)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from mink_runtime.domain._versions import ExpectedVersion, StreamState
from mink_runtime.errors import ConcurrencyError, ConfigurationError, StreamDeletedError

__all__ = [
    "conflict_error",
    "expectation_holds",
    "expected_label",
    "retry_matches",
    "validate_append",
]


def validate_append(stream_id: str, expected: int | ExpectedVersion, count: int) -> None:
    """Reject a malformed append before touching the store.

    Raises:
        ConfigurationError: empty stream id, no events, or a negative expected version.
    """
    if not isinstance(stream_id, str) or not stream_id:
        raise ConfigurationError(f"a stream id is a non-empty string, got {stream_id!r}")
    if count == 0:
        raise ConfigurationError(f"append to {stream_id!r} needs at least one event")
    if not isinstance(expected, ExpectedVersion) and (
        not isinstance(expected, int) or isinstance(expected, bool) or expected < 0
    ):
        raise ConfigurationError(
            f"expected_version must be a version (0 or more) or an ExpectedVersion, "
            f"got {expected!r}"
        )


def expected_label(expected: int | ExpectedVersion) -> int | str:
    """The expected version as `ConcurrencyError` reports it."""
    return expected if isinstance(expected, int) else expected.value


def expectation_holds(
    stream_id: str, expected: int | ExpectedVersion, *, version: int, state: StreamState | None
) -> bool:
    """Whether a stream at `version` in `state` (None: never written) meets `expected`.

    A soft-deleted stream counts as no stream, but keeps its version for exact expectations.

    Raises:
        StreamDeletedError: the stream is tombstoned.
    """
    if state is StreamState.TOMBSTONED:
        raise StreamDeletedError(stream_id)
    live = state is StreamState.ACTIVE and version > 0
    if expected is ExpectedVersion.ANY:
        return True
    if expected is ExpectedVersion.NO_STREAM:
        return not live
    if expected is ExpectedVersion.STREAM_EXISTS:
        return live
    return version == expected


def retry_matches(
    expected: int | ExpectedVersion,
    event_ids: Sequence[uuid.UUID],
    recorded: Sequence[tuple[uuid.UUID, int]],
    *,
    first_version_if_new: int,
) -> bool:
    """Whether `recorded` (event id, version in this stream; in version order) shows this append
    already happened: the same ids, consecutive, where the expectation put them.
    """
    if len(recorded) != len(event_ids):
        return False
    if [event_id for event_id, _ in recorded] != list(event_ids):
        return False
    first = recorded[0][1]
    if any(version != first + i for i, (_, version) in enumerate(recorded)):
        return False
    if isinstance(expected, int):
        return first == expected + 1
    if expected is ExpectedVersion.NO_STREAM:
        return first == first_version_if_new
    return True


def conflict_error(
    stream_id: str, expected: int | ExpectedVersion, *, version: int, state: StreamState | None
) -> ConcurrencyError:
    """The `ConcurrencyError` for a failed expectation."""
    actual = None if state is None or (state is StreamState.DELETED) else version
    return ConcurrencyError(
        stream_id, expected_version=expected_label(expected), actual_version=actual
    )
