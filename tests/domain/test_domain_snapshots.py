"""Snapshot policies: when a save should snapshot the aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mink_runtime.domain import EventBytesAbove, EveryInterval, EveryNEvents, SnapshotContext

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def context(
    *, events: int = 1, size: int = 0, last_snapshot_at: datetime | None = None
) -> SnapshotContext:
    return SnapshotContext(
        version=100,
        events_since_snapshot=events,
        bytes_since_snapshot=size,
        last_snapshot_at=last_snapshot_at,
        now=NOW,
    )


@pytest.mark.parametrize(("events", "snapshot"), [(0, False), (2, False), (3, True), (5, True)])
def test_every_n_events_snapshots_once_n_events_piled_up(events: int, snapshot: bool) -> None:
    """EveryNEvents(3) waits for three events since the last snapshot."""
    assert EveryNEvents(3).should_snapshot(context(events=events)) is snapshot


def test_every_interval_snapshots_the_first_time_there_are_events() -> None:
    """Without any snapshot yet, new events are enough."""
    assert EveryInterval(timedelta(hours=1)).should_snapshot(context(events=1))


def test_every_interval_never_snapshots_without_new_events() -> None:
    """An old snapshot is not replaced by an identical one."""
    policy = EveryInterval(timedelta(hours=1))
    assert not policy.should_snapshot(context(events=0, last_snapshot_at=NOW - timedelta(days=1)))


@pytest.mark.parametrize(
    ("age", "snapshot"),
    [(timedelta(minutes=59), False), (timedelta(hours=1), True), (timedelta(days=2), True)],
)
def test_every_interval_snapshots_when_the_last_snapshot_is_old_enough(
    age: timedelta, snapshot: bool
) -> None:
    """EveryInterval(1h) snapshots once the newest snapshot is an hour old."""
    policy = EveryInterval(timedelta(hours=1))
    assert policy.should_snapshot(context(events=1, last_snapshot_at=NOW - age)) is snapshot


@pytest.mark.parametrize(("size", "snapshot"), [(0, False), (100, False), (101, True)])
def test_event_bytes_above_snapshots_past_the_size(size: int, snapshot: bool) -> None:
    """EventBytesAbove(100) snapshots when a load would replay more than 100 stored bytes."""
    assert EventBytesAbove(100).should_snapshot(context(size=size)) is snapshot
