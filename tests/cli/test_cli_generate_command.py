"""`mink generate command`: a command, its handler on the project's bus, its event, the
aggregate's method and a given/when/then test — planned, registered, safe to re-run."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_support import Mink

from mink_cli.ops.project import load_registry
from mink_cli.ops.scaffold import plan_generate
from mink_cli.scaffold import Verb
from mink_cli.settings import Settings, load_settings


def test_a_command_comes_with_its_handler_event_method_and_test(mink: Mink, project: Path) -> None:
    """Order.Ship makes ShipOrder, Shipped, Order.ship, Order._shipped and a test."""
    mink("generate", "aggregate", "Order", "total:decimal")
    result = mink("generate", "command", "Order.Ship", "carrier:str")
    assert result.exit_code == 0, result.stderr
    for line in (
        "create  shop/commands/ship_order.py",
        "create  shop/domain/order/events/shipped.py",
        "update  shop/domain/order/aggregate.py",
        "update  shop/commands/__init__.py",
        "create  tests/test_ship_order.py",
    ):
        assert line in result.stdout
    command = (project / "shop/commands/ship_order.py").read_text()
    assert "class ShipOrder:" in command
    assert "    order_id: str\n    carrier: str\n" in command
    assert "order.ship(\n        carrier=command.carrier,\n    )" in command
    aggregate = (project / "shop/domain/order/aggregate.py").read_text()
    assert "    def ship(\n        self,\n        *,\n        carrier: str,\n" in aggregate
    assert "    def _shipped(self, event: Shipped) -> None:" in aggregate
    assert "from shop.domain.order.events.shipped import Shipped\n" in aggregate
    commands = (project / "shop/commands/__init__.py").read_text()
    assert "    ship_order.register,\n" in commands
    assert "order.Shipped" in load_registry(load_settings())


def test_the_bus_of_the_project_handles_the_new_command(mink: Mink, project: Path) -> None:
    """`bus(store)` of the project dispatches CreateOrder, then ShipOrder to Order.ship."""
    mink("generate", "aggregate", "Order")
    mink("generate", "command", "Order.Ship", "carrier:str")
    script = """
import asyncio
from mink_runtime import InMemoryEventStore
from shop.commands import bus
from shop.commands.create_order import CreateOrder
from shop.commands.ship_order import ShipOrder
from shop.domain import registry

async def main():
    store = InMemoryEventStore(registry=registry)
    shop = bus(store)
    await shop.dispatch(CreateOrder(order_id="7"))
    result = await shop.dispatch(ShipOrder(order_id="7", carrier="ups"))
    events = await store.read_stream("order-7")
    print(result.version, [e.type for e in events])

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2 ['order.Created', 'order.Shipped']"


def test_the_event_is_named_by_the_rule_or_by_event(mink: Mink, project: Path) -> None:
    """ChangeAddress records AddressChanged; --event names another event."""
    mink("generate", "aggregate", "Order")
    mink("generate", "command", "Order.ChangeAddress", "street:str")
    assert (project / "shop/domain/order/events/address_changed.py").is_file()
    assert (project / "shop/commands/change_address_order.py").is_file()
    result = mink("generate", "command", "Pay", "--aggregate", "Order", "--event", "PaymentTaken")
    assert result.exit_code == 0, result.stderr
    assert (project / "shop/domain/order/events/payment_taken.py").is_file()
    assert "    def pay(self) -> None:" in (project / "shop/domain/order/aggregate.py").read_text()


def test_generating_a_command_again_is_a_silent_no_op(mink: Mink, project: Path) -> None:
    """Every edit is idempotent: the second run finds every file as it would render it."""
    mink("generate", "aggregate", "Order")
    mink("generate", "command", "Order.Ship", "carrier:str", "at:datetime")
    before = {p: p.read_text() for p in project.rglob("*.py")}
    again = mink("generate", "command", "Order.Ship", "carrier:str", "at:datetime")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert {p: p.read_text() for p in project.rglob("*.py")} == before


def test_commands_are_listed_sorted_with_their_imports(mink: Mink, project: Path) -> None:
    """Each command lands in REGISTRATIONS and the imports, in sorted order."""
    mink("generate", "aggregate", "Order")
    mink("generate", "command", "Order.Ship")
    mink("generate", "command", "Order.Cancel")
    commands = (project / "shop/commands/__init__.py").read_text()
    assert (
        "from shop.commands import cancel_order as cancel_order\n"
        "from shop.commands import create_account as create_account\n"
        "from shop.commands import create_order as create_order\n"
        "from shop.commands import rename_account as rename_account\n"
        "from shop.commands import ship_order as ship_order\n"
    ) in commands
    assert (
        "REGISTRATIONS: list[Registration] = [\n"
        "    cancel_order.register,\n"
        "    create_account.register,\n"
        "    create_order.register,\n"
        "    rename_account.register,\n"
        "    ship_order.register,\n"
        "]\n"
    ) in commands


def test_field_types_are_imported_into_the_aggregate(mink: Mink, project: Path) -> None:
    """A datetime field beside an existing date import joins its line."""
    mink("generate", "aggregate", "Order", "on:date")
    mink("generate", "command", "Order.Ship", "at:datetime", "ref:uuid?")
    aggregate = (project / "shop/domain/order/aggregate.py").read_text()
    assert "from datetime import date, datetime\n" in aggregate
    assert "from uuid import UUID\n" in aggregate


def test_the_answers_file_records_the_command(mink: Mink, project: Path) -> None:
    """The generation is recorded with its aggregate and event."""
    mink("generate", "aggregate", "Order")
    mink("generate", "command", "Order.Pay", "--event", "PaymentTaken")
    answers = tomllib.loads((project / ".mink-answers.toml").read_text())
    assert answers["generated"][-1] == {
        "kind": "command",
        "name": "Pay",
        "fields": [],
        "aggregate": "Order",
        "event": "PaymentTaken",
    }


def test_a_command_of_an_unknown_aggregate_is_exit_3(mink: Mink, project: Path) -> None:
    """The aggregate must exist: one line naming the command that makes it."""
    result = mink("generate", "command", "Order.Ship")
    assert result.exit_code == 3
    assert "mink generate aggregate Order" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Ship"], "--aggregate"),
        (["Order.9ship"], "must start with a letter"),
        (["Order.Ship", "carrier:money"], "unknown type 'money'"),
        (["Order.Ship", "order_id:str"], "carries order_id already"),
        (["Order.Create"], "is taken"),
        (["Order.Ship", "self:str"], "is taken"),
        (["Order.Ship", "--event", "9x"], "must start with a letter"),
    ],
)
def test_bad_command_input_is_one_line_and_exit_2(
    mink: Mink, project: Path, args: list[str], message: str
) -> None:
    """Bad names, types and actions: one clear line, exit 2, nothing written."""
    mink("generate", "aggregate", "Order")
    before = {p: p.read_text() for p in project.rglob("*.py")}
    result = mink("generate", "command", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert {p: p.read_text() for p in project.rglob("*.py")} == before


def test_a_rewritten_commands_module_is_one_clear_error(mink: Mink, project: Path) -> None:
    """Without REGISTRATIONS there is nowhere to list the handler: exit 3, what to do."""
    mink("generate", "aggregate", "Order")
    (project / "shop/commands/__init__.py").write_text('"""Mine."""\n\nX = 1\n')
    result = mink("generate", "command", "Order.Ship")
    assert result.exit_code == 3
    assert "REGISTRATIONS" in result.stderr
    assert "by hand" in result.stderr


def test_a_plan_of_a_command_writes_nothing(settings: Settings, project: Path) -> None:
    """ops.plan_generate of a command returns the verbs and leaves the disk alone."""
    plan = plan_generate(settings, "command", "Rename", ["owner:str"], aggregate="Account")
    verbs = {c.path: c.verb for c in plan.changes}
    assert verbs["shop/commands/rename_account.py"] is Verb.IDENTICAL
    plan = plan_generate(settings, "command", "Close", aggregate="Account")
    verbs = {c.path: c.verb for c in plan.changes}
    assert verbs["shop/commands/close_account.py"] is Verb.CREATE
    assert verbs["shop/domain/account/aggregate.py"] is Verb.UPDATE
    assert not (project / "shop/commands/close_account.py").exists()
