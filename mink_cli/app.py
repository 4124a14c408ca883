"""The `mink` Typer application: global options, the command groups, errors to exit codes.

`mink --version` answers before Typer is imported, so that it stays fast. Every command module
imports only Typer at import time; what a command needs (Alembic, SQLAlchemy, Jinja, rich, the
database drivers) loads inside the command, and `mink ... --help` is answered without parsing
options (`_help`), so help stays fast too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mink_cli._version import version

if TYPE_CHECKING:
    import typer

__all__ = ["build_app", "main", "version"]

HELP = """Event sourcing and CQRS for Python: scaffold, migrate, inspect and operate.

\b
Examples:
  mink init shop                      a new project (embedded SQLite store)
  mink generate aggregate Order total:decimal
  mink migrate up                     create or upgrade the event store's tables
  mink projection status              position, lag and errors of projections
  mink stream list                    the streams, newest versions
  mink stream show order-42           one stream's events
  mink diagnose                       health checks, quiet when healthy
  mink --database-url postgresql://app@db/app migrate status

\b
Settings: flag > MINK_* environment > .env > mink.toml or [tool.mink] > defaults.
"""


def main() -> None:
    """Entry point of the `mink` command."""
    argv = sys.argv[1:]
    # The version answer is the only one that must not pay for importing Typer.
    if argv in (["--version"], ["-V"]):
        print(f"mink {version()}")
        return
    app = build_app()
    from mink_cli._help import help_text

    text = help_text(app, argv)
    if text is not None:
        print(text)
        return
    app(prog_name="mink")


def build_app() -> typer.Typer:
    """The `mink` application with every command group."""
    import typer

    from mink_cli.commands import (
        completion,
        diagnose,
        generate,
        init,
        migrate,
        projection,
        schema,
        stream,
    )
    from mink_cli.commands._common import MinkGroup, root
    from mink_cli.exit_codes import EXIT_CODES_HELP

    app = typer.Typer(
        name="mink",
        help=HELP,
        epilog=EXIT_CODES_HELP,
        cls=MinkGroup,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    app.callback()(root)
    init.register(app)
    app.add_typer(generate.app, name="generate")
    app.add_typer(migrate.app, name="migrate")
    app.add_typer(projection.app, name="projection")
    app.add_typer(stream.app, name="stream")
    app.add_typer(schema.app, name="schema")
    diagnose.register(app)
    completion.register(app)
    return app
