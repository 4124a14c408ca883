"""Command fingerprints: stable over processes, blind to per-dispatch ids, sensitive to content."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from mink_runtime.domain import command_fingerprint
from mink_runtime.errors import SerializationError


@dataclass(frozen=True)
class Pay:
    account: str
    amount: Decimal
    tags: dict[str, str] = field(default_factory=dict)
    command_id: str | None = None
    idempotency_key: str | None = None


def test_equal_commands_have_equal_fingerprints_whatever_their_dispatch_ids() -> None:
    """`command_id` and `idempotency_key` name a dispatch, not the request: left out."""
    first = Pay("a-1", Decimal("9.50"), {"x": "1", "y": "2"}, command_id="c-1")
    second = Pay("a-1", Decimal("9.50"), {"y": "2", "x": "1"}, command_id="c-2")
    assert command_fingerprint("Pay", first) == command_fingerprint("Pay", second)


def test_other_content_or_another_type_name_changes_the_fingerprint() -> None:
    """Amount and command name both count."""
    pay = Pay("a-1", Decimal("9.50"))
    assert command_fingerprint("Pay", pay) != command_fingerprint("Pay", Pay("a-1", Decimal(9)))
    assert command_fingerprint("Pay", pay) != command_fingerprint("Refund", pay)


def test_the_fingerprint_is_the_same_in_another_process() -> None:
    """No hash seed or id() leaks in: a fresh interpreter computes the same digest."""
    code = (
        "from mink_runtime.domain import command_fingerprint\n"
        "print(command_fingerprint('Pay', {'account': 'a-1', 'amount': '9.50'}))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == command_fingerprint("Pay", {"amount": "9.50", "account": "a-1"})


def test_a_command_with_no_primitive_form_cannot_be_fingerprinted() -> None:
    """The error suggests an explicit key instead."""

    class Opaque:
        pass

    with pytest.raises(SerializationError):
        command_fingerprint("Opaque", Opaque())
    with pytest.raises(SerializationError, match="explicit idempotency key"):
        command_fingerprint("Raw", {"blob": b"\x00"})
