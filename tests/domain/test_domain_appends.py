"""The rules of an append that every adapter shares: validation, expectations, retries."""

from __future__ import annotations

import uuid

import pytest

from mink_runtime.domain import (
    ExpectedVersion,
    StreamState,
    conflict_error,
    expectation_holds,
    expected_label,
    retry_matches,
    validate_append,
)
from mink_runtime.errors import ConfigurationError, StreamDeletedError

ANY, NO_STREAM, STREAM_EXISTS = (
    ExpectedVersion.ANY,
    ExpectedVersion.NO_STREAM,
    ExpectedVersion.STREAM_EXISTS,
)
ACTIVE, DELETED = StreamState.ACTIVE, StreamState.DELETED
IDS = [uuid.UUID(int=1), uuid.UUID(int=2)]


def test_a_well_formed_append_passes_validation() -> None:
    """A stream id, at least one event and a valid expectation are accepted."""
    validate_append("order-1", 0, 1)
    validate_append("order-1", 7, 3)
    validate_append("order-1", ANY, 1)


@pytest.mark.parametrize(
    ("stream_id", "expected", "count", "complaint"),
    [
        ("", ANY, 1, "non-empty string"),
        ("order-1", ANY, 0, "at least one event"),
        ("order-1", -1, 1, "0 or more"),
        ("order-1", True, 1, "0 or more"),
        ("order-1", "3", 1, "0 or more"),
    ],
    ids=["empty-stream-id", "no-events", "negative", "bool", "text"],
)
def test_a_malformed_append_is_refused_before_touching_the_store(
    stream_id: str, expected: object, count: int, complaint: str
) -> None:
    """Each kind of mistake raises ConfigurationError saying what is wrong."""
    with pytest.raises(ConfigurationError, match=complaint):
        validate_append(stream_id, expected, count)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expected", "version", "state", "holds"),
    [
        (ANY, 0, None, True),
        (ANY, 4, ACTIVE, True),
        (NO_STREAM, 0, None, True),
        (NO_STREAM, 4, ACTIVE, False),
        (NO_STREAM, 4, DELETED, True),
        (STREAM_EXISTS, 0, None, False),
        (STREAM_EXISTS, 4, ACTIVE, True),
        (STREAM_EXISTS, 4, DELETED, False),
        (0, 0, None, True),
        (4, 4, ACTIVE, True),
        (3, 4, ACTIVE, False),
        (4, 4, DELETED, True),
    ],
)
def test_an_expectation_holds_exactly_when_the_stream_matches_it(
    expected: int | ExpectedVersion, version: int, state: StreamState | None, holds: bool
) -> None:
    """A soft-deleted stream counts as no stream but keeps its version for exact expectations."""
    assert expectation_holds("s", expected, version=version, state=state) is holds


def test_any_expectation_on_a_tombstoned_stream_raises_stream_deleted() -> None:
    """A hard-deleted stream can never be written, whatever was expected."""
    with pytest.raises(StreamDeletedError) as raised:
        expectation_holds("order-1", ANY, version=3, state=StreamState.TOMBSTONED)
    assert raised.value.stream_id == "order-1"


def test_the_expected_label_is_the_number_or_the_enum_value() -> None:
    """ConcurrencyError reports 3 as 3 and NO_STREAM as 'no_stream'."""
    assert expected_label(3) == 3
    assert expected_label(NO_STREAM) == "no_stream"


def test_a_conflict_reports_the_actual_version_of_a_live_stream() -> None:
    """The error carries the stream, what was expected and where the stream is."""
    error = conflict_error("order-1", 2, version=5, state=ACTIVE)
    assert (error.stream_id, error.expected_version, error.actual_version) == ("order-1", 2, 5)
    assert "is at version 5" in str(error)


@pytest.mark.parametrize("state", [None, DELETED])
def test_a_conflict_on_a_missing_or_deleted_stream_has_no_actual_version(
    state: StreamState | None,
) -> None:
    """A stream never written or soft-deleted is reported as not existing."""
    error = conflict_error("order-1", STREAM_EXISTS, version=5, state=state)
    assert error.actual_version is None
    assert error.expected_version == "stream_exists"
    assert "does not exist" in str(error)


@pytest.mark.parametrize(
    ("expected", "recorded", "matches"),
    [
        (2, [(IDS[0], 3), (IDS[1], 4)], True),
        (1, [(IDS[0], 3), (IDS[1], 4)], False),
        (NO_STREAM, [(IDS[0], 1), (IDS[1], 2)], True),
        (NO_STREAM, [(IDS[0], 3), (IDS[1], 4)], False),
        (ANY, [(IDS[0], 8), (IDS[1], 9)], True),
        (ANY, [(IDS[0], 8)], False),
        (ANY, [(IDS[1], 8), (IDS[0], 9)], False),
        (ANY, [(IDS[0], 8), (IDS[1], 10)], False),
    ],
    ids=[
        "exact-in-place",
        "exact-elsewhere",
        "no-stream-at-start",
        "no-stream-later",
        "any",
        "only-some-ids",
        "other-order",
        "not-consecutive",
    ],
)
def test_a_repeated_append_is_recognised_only_where_it_was_written(
    expected: int | ExpectedVersion, recorded: list[tuple[uuid.UUID, int]], matches: bool
) -> None:
    """The same ids, consecutive and in order, where the expectation put them, make a retry."""
    assert retry_matches(expected, IDS, recorded, first_version_if_new=1) is matches
