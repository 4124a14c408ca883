"""`Checkpoint` (ordering, text round trip) and `ExpectedVersion`."""

from __future__ import annotations

import pytest

import mink_runtime
from mink_runtime.domain import Checkpoint, ExpectedVersion
from mink_runtime.errors import ConfigurationError


def test_checkpoints_order_by_transaction_then_position() -> None:
    """A later transaction sorts after an earlier one whatever the positions."""
    shuffled = [Checkpoint(0, 6), Checkpoint(2, 1), Checkpoint(0, 0), Checkpoint(0, 5)]
    assert sorted(shuffled) == [
        Checkpoint(0, 0),
        Checkpoint(0, 5),
        Checkpoint(0, 6),
        Checkpoint(2, 1),
    ]
    assert Checkpoint(1, 900) < Checkpoint(2, 1)


def test_start_is_before_every_other_checkpoint() -> None:
    """Reading after START reads the whole log."""
    start = Checkpoint.START
    assert start == Checkpoint(0, 0)
    assert start < Checkpoint(0, 1)
    assert start < Checkpoint(1, 0)


@pytest.mark.parametrize(
    ("checkpoint", "text"),
    [(Checkpoint(0, 1234), "1234"), (Checkpoint(887, 1234), "887:1234"), (Checkpoint(), "0")],
)
def test_a_checkpoint_round_trips_through_text(checkpoint: Checkpoint, text: str) -> None:
    """str() writes POSITION or TRANSACTION:POSITION, and parse() reads it back."""
    assert str(checkpoint) == text
    assert Checkpoint.parse(text) == checkpoint


def test_parse_ignores_surrounding_whitespace() -> None:
    """A checkpoint read from a file with a trailing newline still parses."""
    assert Checkpoint.parse(" 887:1234\n") == Checkpoint(887, 1234)


@pytest.mark.parametrize("text", ["", "abc", "-1", "1:-2", "1:2:3", "1:", ":5", "1.5"])
def test_parse_refuses_text_that_is_not_a_checkpoint(text: str) -> None:
    """Malformed or negative checkpoints raise ConfigurationError with examples of valid ones."""
    with pytest.raises(ConfigurationError, match="'887:1234'"):
        Checkpoint.parse(text)


def test_expected_versions_are_named_by_stable_values() -> None:
    """The values appear in ConcurrencyError and must not change."""
    assert [e.value for e in ExpectedVersion] == ["any", "no_stream", "stream_exists"]


def test_the_package_exports_the_expected_versions_as_constants() -> None:
    """`mink_runtime.NO_STREAM` and friends are the enum members themselves."""
    assert mink_runtime.ANY is ExpectedVersion.ANY
    assert mink_runtime.NO_STREAM is ExpectedVersion.NO_STREAM
    assert mink_runtime.STREAM_EXISTS is ExpectedVersion.STREAM_EXISTS
