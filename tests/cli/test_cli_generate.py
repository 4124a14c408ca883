"""`mink generate`: aggregates and events with their tests, planned, safe to re-run."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cli_support import Mink

from mink_cli.ops.project import load_registry
from mink_cli.ops.scaffold import plan_generate
from mink_cli.scaffold import Verb
from mink_cli.settings import Settings, load_settings


def test_an_aggregate_comes_with_its_event_tests_and_registration(
    mink: Mink, project: Path
) -> None:
    """Order gets its package, a Created event with the fields, the command CreateOrder on
    the bus, their tests, and is imported by the domain so that its event registers."""
    result = mink("generate", "aggregate", "Order", "total:decimal", "note:str?")
    assert result.exit_code == 0, result.stderr
    assert "update  shop/domain/__init__.py" in result.stdout
    created = (project / "shop/domain/order/events/created.py").read_text()
    assert '@registry.event("order.Created")' in created
    assert "total: Decimal" in created
    assert "note: str | None = None" in created
    assert (project / "tests/test_order.py").is_file()
    assert (project / "tests/test_order_created.py").is_file()
    assert (project / "tests/test_create_order.py").is_file()
    assert "    create_order.register,\n" in (project / "shop/commands/__init__.py").read_text()
    names = [e.name for e in load_registry(load_settings())]
    assert names == ["account.Created", "account.Renamed", "order.Created"]


def test_generating_again_is_a_silent_no_op(mink: Mink, project: Path) -> None:
    """Re-running the same generate writes nothing and says so."""
    mink("generate", "aggregate", "Order", "total:decimal")
    before = {p: p.read_text() for p in project.rglob("*.py")}
    again = mink("generate", "aggregate", "Order", "total:decimal")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert "nothing to do" in again.stderr
    assert {p: p.read_text() for p in project.rglob("*.py")} == before


def test_a_conflict_without_a_terminal_is_refused_with_exit_5(mink: Mink, project: Path) -> None:
    """A changed file and no --force/--skip: nothing is written and the way out is named."""
    mink("generate", "aggregate", "Order", "total:decimal")
    result = mink("generate", "aggregate", "Order", "total:int")
    assert result.exit_code == 5
    assert "conflict  shop/domain/order/events/created.py" in result.stdout
    assert "--force" in result.stderr
    assert "total: Decimal" in (project / "shop/domain/order/events/created.py").read_text()


def test_diff_shows_what_a_conflict_would_change(mink: Mink, project: Path) -> None:
    """--diff prints the unified diff of each conflicting file."""
    mink("generate", "aggregate", "Order", "total:decimal")
    result = mink("generate", "aggregate", "Order", "total:int", "--diff", "--dry-run")
    assert result.exit_code == 0
    assert "-    total: Decimal\n+    total: int" in result.stdout


def test_force_overwrites_and_skip_keeps(mink: Mink, project: Path) -> None:
    """--force rewrites the conflicting files; --skip leaves them and writes the rest."""
    mink("generate", "aggregate", "Order", "total:decimal")
    path = project / "shop/domain/order/events/created.py"
    skipped = mink("generate", "aggregate", "Order", "total:int", "--skip")
    assert skipped.exit_code == 0
    assert "total: Decimal" in path.read_text()
    forced = mink("generate", "aggregate", "Order", "total:int", "--force")
    assert forced.exit_code == 0
    assert "total: int" in path.read_text()


def test_an_event_is_registered_with_its_aggregate(mink: Mink, project: Path) -> None:
    """Order.Shipped lands in Order's events, is imported by them, and gets a test."""
    mink("generate", "aggregate", "Order")
    result = mink("generate", "event", "Order.Shipped", "carrier:str", "at:datetime")
    assert result.exit_code == 0, result.stderr
    assert "update  shop/domain/order/events/__init__.py" in result.stdout
    registry = load_registry(load_settings())
    assert "order.Shipped" in registry
    assert (project / "tests/test_order_shipped.py").is_file()


def test_aggregate_can_be_given_as_an_option(mink: Mink, project: Path) -> None:
    """`generate event Shipped --aggregate Order` is `generate event Order.Shipped`."""
    mink("generate", "aggregate", "Order")
    result = mink("generate", "event", "Shipped", "--aggregate", "Order")
    assert result.exit_code == 0, result.stderr
    assert (project / "shop/domain/order/events/shipped.py").is_file()


def test_two_aggregates_may_have_events_of_the_same_short_name(mink: Mink, project: Path) -> None:
    """order.Cancelled and invoice.Cancelled are two types, in two modules, with two tests."""
    for aggregate in ("Order", "Invoice"):
        assert mink("generate", "aggregate", aggregate).exit_code == 0
        assert mink("generate", "event", f"{aggregate}.Cancelled", "reason:str").exit_code == 0
    registry = load_registry(load_settings())
    order, invoice = registry.lookup("order.Cancelled"), registry.lookup("invoice.Cancelled")
    assert order is not None
    assert invoice is not None
    assert order.cls is not invoice.cls
    assert (project / "tests/test_order_cancelled.py").is_file()
    assert (project / "tests/test_invoice_cancelled.py").is_file()


def test_the_answers_file_records_each_generation(mink: Mink, project: Path) -> None:
    """Every applied generate is recorded, once per kind and name."""
    mink("generate", "aggregate", "Order", "total:decimal")
    mink("generate", "aggregate", "Order", "total:int", "--force")
    mink("generate", "event", "Order.Shipped")
    answers = tomllib.loads((project / ".mink-answers.toml").read_text())
    assert answers["generated"] == [
        {"kind": "aggregate", "name": "Order", "fields": ["total:int"]},
        {"kind": "event", "name": "Shipped", "fields": [], "aggregate": "Order"},
    ]


def test_an_event_of_a_missing_aggregate_names_the_fix(mink: Mink, project: Path) -> None:
    """An event needs its aggregate: exit 3 with the command that makes it."""
    result = mink("generate", "event", "Order.Shipped")
    assert result.exit_code == 3
    assert "mink generate aggregate Order" in result.stderr


def test_an_event_without_an_aggregate_is_a_usage_error(mink: Mink, project: Path) -> None:
    """A bare event name needs --aggregate."""
    result = mink("generate", "event", "Shipped")
    assert result.exit_code == 2
    assert "--aggregate" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["aggregate", "9Lives"], "must start with a letter"),
        (["aggregate", "Order", "total:money"], "unknown type 'money'"),
        (["aggregate", "Order", "total"], "NAME:TYPE"),
        (["aggregate", "Order", "Total:int"], "lower-case"),
        (["aggregate", "Order", "--force", "--skip"], "exclude each other"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    mink: Mink, project: Path, args: list[str], message: str
) -> None:
    """Bad names, field types and flags: one clear line on stderr, exit 2, no traceback."""
    result = mink("generate", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (project / "shop/domain/order").exists()


def test_an_unknown_kind_is_a_usage_error(mink: Mink, project: Path) -> None:
    """`generate widget` is refused by the command line with exit 2."""
    result = mink("generate", "widget", "Thing")
    assert result.exit_code == 2


def test_the_plan_function_rejects_unknown_kinds(settings: Settings) -> None:
    """ops.plan_generate names the kinds it knows."""
    from mink_cli.errors import UsageError

    with pytest.raises(UsageError, match="aggregate, event"):
        plan_generate(settings, "widget", "Checkout")


def test_generate_outside_a_project_is_exit_3(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mink.toml here or above: exit 3, naming `mink init`."""
    monkeypatch.chdir(tmp_path)
    result = mink("generate", "aggregate", "Order")
    assert result.exit_code == 3
    assert "mink init" in result.stderr


def test_a_plan_can_be_computed_without_writing(settings: Settings, project: Path) -> None:
    """ops.plan_generate returns the verbs and leaves the disk alone."""
    plan = plan_generate(settings, "aggregate", "Order", ["total:int"])
    verbs = {c.path: c.verb for c in plan.changes}
    assert verbs["shop/domain/order/aggregate.py"] is Verb.CREATE
    assert verbs["shop/domain/__init__.py"] is Verb.UPDATE
    assert not (project / "shop/domain/order").exists()
