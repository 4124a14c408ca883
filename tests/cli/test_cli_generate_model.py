"""`mink generate model`: a read model, its table declared in the project's metadata, so that
`mink migrate new --autogenerate` creates it — end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_support import Mink

from mink_cli.ops.project import import_object
from mink_cli.settings import load_settings


def test_a_model_comes_with_its_table_and_test(mink: Mink, project: Path) -> None:
    """OrderSummary gets `id: str` first, a module, an import, a table line and a test."""
    result = mink("generate", "model", "OrderSummary", "total:decimal", "note:str?")
    assert result.exit_code == 0, result.stderr
    for line in (
        "create  shop/read_models/order_summary.py",
        "create  shop/read_models/__init__.py",
        "update  shop/models.py",
        "create  tests/test_read_model_order_summary.py",
    ):
        assert line in result.stdout
    module = (project / "shop/read_models/order_summary.py").read_text()
    assert "    id: str\n    total: Decimal\n    note: str | None = None\n" in module
    models = (project / "shop/models.py").read_text()
    assert models.endswith(
        '\norder_summary = read_model_table(OrderSummary, metadata, name="order_summary")\n'
    )
    assert "from mink_runtime.migrations import read_model_table\n" in models
    metadata = import_object(load_settings(), "metadata")
    assert [c.name for c in metadata.tables["order_summary"].columns] == ["id", "total", "note"]


def test_a_given_id_field_is_kept_first(mink: Mink, project: Path) -> None:
    """An `id:int` field is the key, placed first wherever it was given."""
    assert mink("generate", "model", "Counter", "n:int", "id:int").exit_code == 0
    module = (project / "shop/read_models/counter.py").read_text()
    assert "    id: int\n    n: int\n" in module


def test_generating_a_model_again_is_a_silent_no_op(mink: Mink, project: Path) -> None:
    """The table line and imports are added once."""
    mink("generate", "model", "OrderSummary", "total:decimal")
    before = {p: p.read_text() for p in project.rglob("*.py")}
    again = mink("generate", "model", "OrderSummary", "total:decimal")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert {p: p.read_text() for p in project.rglob("*.py")} == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Summary", "id:str?"], "required str, int or uuid"),
        (["Summary", "id:decimal"], "required str, int or uuid"),
        (["Summary", "metadata:str"], "taken"),
        (["Metadata"], "shadow"),
        (["Summary", "total:money"], "unknown type"),
    ],
)
def test_bad_model_input_is_one_line_and_exit_2(
    mink: Mink, project: Path, args: list[str], message: str
) -> None:
    """Bad ids, names and types: one line, exit 2, nothing written."""
    result = mink("generate", "model", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (project / "shop/read_models").exists()


def test_models_without_metadata_are_one_clear_error(mink: Mink, project: Path) -> None:
    """A models.py rewritten without `metadata` cannot take the table: exit 3, the line."""
    (project / "shop/models.py").write_text('"""Mine."""\n')
    result = mink("generate", "model", "OrderSummary")
    assert result.exit_code == 3
    assert "read_model_table(OrderSummary, metadata" in result.stderr


def test_autogenerate_creates_the_table_and_check_finds_no_drift(mink: Mink, project: Path) -> None:
    """generate model → migrate new --autogenerate → migrate up → migrate check: exit 0."""
    mink("generate", "model", "OrderSummary", "total:decimal", "tags:list[str]", "at:datetime?")
    assert mink("migrate", "up").exit_code == 0
    made = mink("migrate", "new", "order summary", "--autogenerate")
    assert made.exit_code == 0, made.stderr
    [script] = (project / "migrations" / "versions").glob("*_order_summary.py")
    assert "postgresql.JSONB()" in script.read_text()
    up = mink("migrate", "up")
    assert up.exit_code == 0, up.stderr
    with sqlite3.connect(project / "var" / "shop.db") as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(order_summary)")]
    conn.close()
    assert columns == ["id", "total", "tags", "at"]
    check = mink("migrate", "check")
    assert check.exit_code == 0, check.stdout + check.stderr


@pytest.mark.postgres
def test_autogenerate_on_postgres_finds_no_drift(mink: Mink, postgres_project: Path) -> None:
    """The same on PostgreSQL: typed columns (numeric, jsonb, timestamptz), no drift after."""
    mink("generate", "model", "OrderSummary", "total:decimal", "tags:list[str]", "at:datetime?")
    assert mink("migrate", "up").exit_code == 0
    made = mink("migrate", "new", "order summary", "--autogenerate")
    assert made.exit_code == 0, made.stderr
    up = mink("migrate", "up")
    assert up.exit_code == 0, up.stderr
    check = mink("migrate", "check")
    assert check.exit_code == 0, check.stdout + check.stderr


def test_a_broken_migration_script_is_one_line_not_a_traceback(mink: Mink, project: Path) -> None:
    """The project's own migration failing is exit 3, naming the error and the fix."""
    mink("generate", "model", "OrderSummary", "total:decimal")
    mink("migrate", "new", "order summary", "--autogenerate")
    [script] = (project / "migrations" / "versions").glob("*_order_summary.py")
    script.write_text(script.read_text().replace("op.create_table(", "undefined_name(", 1))
    result = mink("migrate", "up")
    assert result.exit_code == 3
    assert "NameError" in result.stderr
    assert "Traceback" not in result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "fix the migration script" in error
