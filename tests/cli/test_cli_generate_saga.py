"""`mink generate saga`: a process manager dispatching a command through the project's bus,
idempotently, registered in projections(store), with a test that replays it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import Mink


def test_a_saga_dispatches_its_command_with_the_events_id_as_key(mink: Mink, project: Path) -> None:
    """The saga's handler dispatches CreateOrder keyed by the event id; it is registered."""
    mink("generate", "aggregate", "Order", "owner:str", "total:decimal")
    result = mink(
        "generate", "saga", "Ordering", "--on", "Account.Created", "--then", "Order.Create"
    )
    assert result.exit_code == 0, result.stderr
    for line in (
        "create  shop/projections/ordering.py",
        "create  tests/test_ordering.py",
        "update  shop/projections/__init__.py",
    ):
        assert line in result.stdout
    source = (project / "shop/projections/ordering.py").read_text()
    assert "async def account_created(self, event: AccountCreated, recorded" in source
    assert "order_id=recorded.stream_id," in source
    assert "owner=event.owner," in source
    assert "# account.Created carries no total: choose it" in source
    assert 'idempotency_key=f"{self.name}:{recorded.event_id}"' in source
    assert "    ordering.build,\n" in (project / "shop/projections/__init__.py").read_text()


def test_the_generated_saga_test_passes_and_replays_without_repeating(
    mink: Mink, project: Path
) -> None:
    """The project's tests, the saga's included (a rebuild replays the event), pass."""
    mink("generate", "aggregate", "Order", "owner:str")
    mink("generate", "command", "Order.Ship", "carrier:str")
    assert (
        mink(
            "generate", "saga", "Shipping", "--on", "Account.Renamed", "--then", "Order.Ship"
        ).exit_code
        == 0
    )
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert (
        "test_account_renamed_dispatches_ship_order_once"
        in (project / "tests/test_shipping.py").read_text()
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("S", "--then", "Account.Create"), 2, "pass --on Aggregate.Event"),
        (("S", "--on", "Account.Created"), 2, "pass --then Aggregate.Action"),
        (("S", "--on", "Account.Created", "--then", "Create"), 2, "must be Aggregate.Action"),
        (
            ("S", "--on", "Account.Created", "--then", "Invoice.Pay"),
            3,
            "mink generate command Invoice.Pay",
        ),
        (("S", "--on", "Account.Closed", "--then", "Account.Create"), 3, "no event Account.Closed"),
    ],
)
def test_bad_saga_input_is_one_line(
    mink: Mink, project: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    """No events, no command, a malformed or missing one: one line, the documented code."""
    result = mink("generate", "saga", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
