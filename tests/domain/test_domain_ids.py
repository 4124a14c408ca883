"""`uuid7`: time-ordered event ids (RFC 9562)."""

from __future__ import annotations

import itertools
import time
import types
import uuid

import pytest

from mink_runtime.domain import _ids, uuid7


def _millis(value: uuid.UUID) -> int:
    return value.int >> 80


def test_an_id_is_a_version_7_rfc_uuid() -> None:
    """The version and variant bits say UUIDv7 as RFC 9562 defines it."""
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_the_timestamp_is_the_current_unix_time_in_milliseconds() -> None:
    """The first 48 bits are the creation time, so ids sort by when they were made."""
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    # A burst of ids earlier in the process may have borrowed a few milliseconds ahead.
    assert before <= _millis(value) <= after + 50


def test_ids_made_in_a_tight_loop_are_strictly_increasing() -> None:
    """Many ids within the same milliseconds still come out in increasing order, none equal."""
    values = [uuid7() for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert len({_millis(v) for v in values}) < len(values)  # many shared a millisecond


def test_ids_keep_increasing_when_the_clock_stands_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """More ids than fit one millisecond's counter still increase (the next one is borrowed)."""
    frozen = time.time_ns()
    monkeypatch.setattr(_ids, "time", types.SimpleNamespace(time_ns=lambda: frozen))
    values = [uuid7() for _ in range(5_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)


def test_ids_keep_increasing_when_the_clock_steps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """An NTP adjustment backwards does not make a later id sort before an earlier one."""
    now = time.time_ns()
    first = uuid7()
    monkeypatch.setattr(_ids, "time", types.SimpleNamespace(time_ns=lambda: now - 10**9))
    second = uuid7()
    assert first < second
