"""`mink init NAME`: a new, runnable project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mink_cli.commands._common import options
from mink_cli.commands._plans import DiffFlag, DryRunFlag, ForceFlag, settle, show_plan

__all__ = ["register"]


def init(
    ctx: typer.Context,
    target: Annotated[
        Path, typer.Argument(metavar="NAME", help="The project's folder ('.': here).")
    ],
    package: Annotated[
        str | None, typer.Option("--package", help="The Python package (default: from NAME).")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", metavar="URL", help="Use this store (kept in .env), not SQLite."
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example/--no-example", help="Include the example aggregate.")
    ] = True,
    dry_run: DryRunFlag = False,
    diff: DiffFlag = False,
    force: ForceFlag = False,
) -> None:
    """Create a project: package, example aggregate and tests, Alembic folder, mink.toml.

    \b
    Examples:
      mink init shop
      mink init . --package shop
      mink init shop --database-url postgresql://app@localhost/shop
      mink init shop --dry-run
    """
    from mink_cli.ops import scaffold
    from mink_cli.scaffold import apply_plan

    opts = options(ctx)
    console = opts.console()
    url = database_url or opts.database_url
    plan = scaffold.plan_init(
        target, package=package, database_url=url, example=example, force=force
    )
    show_plan(console, plan, diff=diff)
    if dry_run:
        return
    written = apply_plan(settle(console, plan))
    console.emit({"root": str(plan.root), "written": [c.path for c in written]})
    here = "" if plan.root == Path.cwd().resolve() else f"cd {target}\n  "
    console.note(
        f"\nA new mink project in {plan.root}. Next:\n  {here}pip install -e '.[dev]'\n"
        "  mink migrate up\n  python -m pytest"
    )


def register(app: typer.Typer) -> None:
    """Add `mink init` to the app."""
    app.command("init")(init)
