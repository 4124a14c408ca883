"""Helpers of the CLI's tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

from mink_cli.ops.scaffold import plan_init
from mink_cli.scaffold import apply_plan

Mink = Callable[..., Result]
"""Runs `mink ARGS...` in-process: `mink("migrate", "up")`."""


def make_project(root: Path, **options: Any) -> Path:
    """A project made as `mink init` makes it; without the example projection (its read model
    and the migration of its table) unless `projection=True`, so that tests of migrations and
    models start from an empty migration tree."""
    options.setdefault("projection", False)
    apply_plan(plan_init(root, **options))
    return root


def unreachable_postgres() -> str:
    """A PostgreSQL URL nothing answers at, with a password that must never be printed."""
    return "postgresql://mink:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=1"


def add_migration(
    project: Path, revision: str, *, down: str | None = None, table: str | None = None
) -> Path:
    """Write a migration script into the project's Alembic folder (creating `table`)."""
    upgrade = f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))'
    downgrade = f'op.drop_table("{table}")'
    path = project / "migrations" / "versions" / f"{revision}_test.py"
    path.write_text(
        f'"""Test migration {revision}."""\n\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {revision!r}\n"
        f"down_revision = {down!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        f"    {upgrade if table else 'pass'}\n\n\n"
        "def downgrade() -> None:\n"
        f"    {downgrade if table else 'pass'}\n"
    )
    return path


def add_model_table(project: Path, table: str) -> None:
    """Declare a table in the project's SQLAlchemy metadata."""
    models = project / "shop" / "models.py"
    models.write_text(
        models.read_text()
        + "\nfrom sqlalchemy import Column, Integer, Table\n\n"
        + f'{table} = Table("{table}", metadata, Column("id", Integer, primary_key=True))\n'
    )


def seed(
    url: str,
    streams: dict[str, list[dict[str, Any]]],
    *,
    type_name: str,
    schema: str | None = None,
) -> None:
    """Append dict events of one type to streams of the store at `url` (blocking)."""
    from mink_runtime import NewEvent, sync

    with sync.open_store(url, **({} if schema is None else {"schema": schema})) as store:
        for stream_id, events in streams.items():
            store.append(stream_id, [NewEvent(type=type_name, data=data) for data in events])
