"""Envelopes: `Metadata`, `StreamMetadata`, `NewEvent`, and stream categories."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mink_runtime.domain import (
    Metadata,
    NewEvent,
    StreamInfo,
    StreamMetadata,
    StreamState,
    category_of,
)


def test_metadata_to_dict_leaves_out_what_is_not_set() -> None:
    """Only the fields that carry a value are written."""
    assert Metadata().to_dict() == {}
    assert Metadata(user_id="u-1").to_dict() == {"user_id": "u-1"}


def test_metadata_round_trips_through_a_dict() -> None:
    """from_dict(to_dict()) gives equal metadata, extra included."""
    metadata = Metadata(
        correlation_id="corr", causation_id="cause", user_id="user", extra={"trace": "t-1"}
    )
    assert metadata.to_dict() == {
        "correlation_id": "corr",
        "causation_id": "cause",
        "user_id": "user",
        "extra": {"trace": "t-1"},
    }
    assert Metadata.from_dict(metadata.to_dict()) == metadata


def test_unknown_metadata_keys_land_in_extra() -> None:
    """Keys written by other tools are kept, next to the ones already in extra."""
    metadata = Metadata.from_dict({"user_id": "u", "client": "cli/2", "extra": {"trace": "t"}})
    assert metadata.user_id == "u"
    assert metadata.extra == {"trace": "t", "client": "cli/2"}


@pytest.mark.parametrize("data", [None, {}])
def test_no_metadata_reads_as_the_empty_metadata(data: dict[str, Any] | None) -> None:
    """Absent or empty metadata is Metadata.EMPTY."""
    assert Metadata.from_dict(data) is Metadata.EMPTY


def test_metadata_is_immutable() -> None:
    """Metadata shared by several events cannot be changed through one of them."""
    metadata = Metadata(user_id="u")
    with pytest.raises(dataclasses.FrozenInstanceError):
        metadata.user_id = "other"  # type: ignore[misc]


def test_stream_metadata_round_trips_through_a_dict() -> None:
    """max_count, max_age (as seconds) and custom keys survive to_dict / from_dict."""
    metadata = StreamMetadata(max_count=10, max_age=timedelta(hours=1), custom={"owner": "ops"})
    assert metadata.to_dict() == {
        "max_count": 10,
        "max_age_seconds": 3600.0,
        "custom": {"owner": "ops"},
    }
    assert StreamMetadata.from_dict(metadata.to_dict()) == metadata


def test_empty_stream_metadata_writes_nothing_and_reads_as_defaults() -> None:
    """Default stream metadata is an empty dict, and an empty dict reads as the defaults."""
    assert StreamMetadata().to_dict() == {}
    assert StreamMetadata.from_dict(None) == StreamMetadata()
    assert StreamMetadata.from_dict({}) == StreamMetadata()


@pytest.mark.parametrize(
    ("stream_id", "category"),
    [("order-42", "order"), ("order-a-b", "order"), ("order", "order"), ("-x", "")],
)
def test_the_category_is_the_stream_id_before_its_first_dash(stream_id: str, category: str) -> None:
    """`order-42` is in category `order`; ids may contain more dashes."""
    assert category_of(stream_id) == category


def test_stream_info_knows_its_category() -> None:
    """StreamInfo.category reads the category from its stream id."""
    now = datetime.now(UTC)
    info = StreamInfo(
        stream_id="invoice-7",
        tenant_id="",
        version=1,
        state=StreamState.ACTIVE,
        truncate_before=1,
        metadata=StreamMetadata(),
        created_at=now,
        updated_at=now,
    )
    assert info.category == "invoice"


def test_each_new_event_gets_its_own_time_ordered_id() -> None:
    """NewEvent ids default to fresh UUIDv7s, increasing in creation order."""
    first, second = NewEvent(data={}, type="t"), NewEvent(data={}, type="t")
    assert first.event_id.version == 7
    assert first.event_id < second.event_id
    assert first.metadata is Metadata.EMPTY
