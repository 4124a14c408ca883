"""`assert_events`: equal events pass; different ones fail with a readable, field-level diff."""

from __future__ import annotations

from dataclasses import dataclass
from unittest.mock import ANY

import pytest
from pydantic import BaseModel

from mink_runtime.testing import EventsMismatchError, assert_events, diff_events


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Placed:
    customer: str
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Shipped:
    carrier: str


class Refunded(BaseModel):
    amount: int
    reason: str


def test_equal_events_pass() -> None:
    """Same events in the same order: no diff, no error."""
    events = [Placed("alice", (Line("a", 1),)), Shipped("ups")]
    assert diff_events(events, list(events)) == []
    assert_events(events, list(events))


def test_a_changed_field_is_shown_with_both_values() -> None:
    """The diff names the event, its position and the field, expected against actual."""
    with pytest.raises(EventsMismatchError) as raised:
        assert_events([Placed("alice"), Shipped("ups")], [Placed("alice"), Shipped("dhl")])
    assert str(raised.value).splitlines() == [
        "the events differ (expected 2, got 2):",
        "  #1 Placed: as expected",
        "  #2 Shipped:",
        "       carrier: expected 'ups', got 'dhl'",
    ]
    assert isinstance(raised.value, AssertionError)


def test_a_nested_difference_is_pointed_at_by_its_path() -> None:
    """Inside tuples of dataclasses the path says where: `lines[1].quantity`."""
    lines = diff_events(
        [Placed("alice", (Line("a", 1), Line("b", 2)))],
        [Placed("alice", (Line("a", 1), Line("b", 3)))],
    )
    assert lines[-1] == "       lines[1].quantity: expected 2, got 3"


def test_missing_unexpected_and_other_type_events_are_each_described() -> None:
    """A different type shows both events whole; extra and missing events are labelled."""
    lines = diff_events([Shipped("ups"), Shipped("ups")], [Placed("bob")])
    assert lines == [
        "the events differ (expected 2, got 1):",
        "  #1 expected Shipped(carrier='ups')",
        "     but got Placed(customer='bob', lines=())",
        "  #2 missing: Shipped(carrier='ups')",
    ]
    assert diff_events([], [Shipped("x")])[-1] == "  #1 unexpected: Shipped(carrier='x')"


def test_any_matches_whatever_is_there() -> None:
    """`unittest.mock.ANY` in an expected field matches any value (ids, times)."""
    assert_events([Placed(ANY, (Line("a", ANY),))], [Placed("alice", (Line("a", 7),))])


def test_pydantic_events_are_compared_field_by_field() -> None:
    """Models are diffed by their fields, like dataclasses."""
    lines = diff_events([Refunded(amount=5, reason="late")], [Refunded(amount=5, reason="damaged")])
    assert lines[-1] == "       reason: expected 'late', got 'damaged'"


def test_dict_events_are_compared_key_by_key() -> None:
    """Untyped events (dicts) are diffed by key; a missing key says so."""
    lines = diff_events([{"type": "x.Y", "a": 1}], [{"type": "x.Y"}])
    assert lines[1:] == ["  #1 x.Y:", "       a: expected 1, got (no such field)"]
