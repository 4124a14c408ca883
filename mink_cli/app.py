"""The `mink` Typer application. For now it only knows `--version`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def main() -> None:
    """Entry point of the `mink` command."""
    # The version answer is the only one that must not pay for importing Typer.
    if sys.argv[1:] in (["--version"], ["-V"]):
        from mink_runtime._version import __version__

        print(f"mink {__version__}")
        return
    _app()()


def _app() -> typer.Typer:
    import typer

    from mink_runtime._version import __version__

    app = typer.Typer(
        name="mink",
        help="Event sourcing and CQRS for Python: scaffold, migrate, inspect and operate.",
        no_args_is_help=True,
        add_completion=False,
    )

    def version_callback(value: bool) -> None:
        if value:
            typer.echo(f"mink {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False,
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=version_callback,
            is_eager=True,
        ),
    ) -> None:
        """mink: event sourcing and CQRS for Python."""

    return app
