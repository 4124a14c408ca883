"""What every command shares: the global options, the error handling, the JSON flag.

Commands stay about three lines: `opts = options(ctx)`, call one `ops` function with
`opts.settings()`, render with `opts.console()`. A `MinkError` raised anywhere below becomes one
line on stderr (and, with `--json`, an error document on stdout) and its exit code: never a
traceback for a user's mistake, unless `-vv` asks for one.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from mink_cli.console import Console
    from mink_cli.settings import Settings
    from mink_runtime.errors import MinkError

__all__ = ["GlobalOptions", "JsonFlag", "MinkGroup", "options", "root", "run"]

T = TypeVar("T")

JsonFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout.", show_default=False)
]


@dataclass(slots=True, kw_only=True)
class GlobalOptions:
    """The options given before the command (`mink -C DIR --json migrate status`)."""

    project: Path | None = None
    database_url: str | None = None
    json: bool = False
    quiet: bool = False
    verbose: int = 0
    color: bool = True
    no_input: bool = False
    _console: Console | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The settings, built with these flags on top.

        Raises:
            ProjectError: a setting is bad, or -C names no folder.
        """
        from mink_cli.settings import load_settings

        return load_settings(project=self.project, database_url=self.database_url)

    def console(self, *, json: bool = False) -> Console:
        """The console of this run (`json` adds a command's own `--json` flag)."""
        if self._console is None:
            from mink_cli.console import Console

            self._console = Console(
                json=self.json or json,
                quiet=self.quiet,
                verbose=self.verbose,
                color=self.color,
                interactive=False if self.no_input else None,
            )
        elif json:
            self._console.json = True
        return self._console


def options(ctx: typer.Context) -> GlobalOptions:
    """The global options of the running command."""
    root_ctx = ctx.find_root()
    if not isinstance(root_ctx.obj, GlobalOptions):
        root_ctx.obj = GlobalOptions()
    return root_ctx.obj


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an async `ops` function to its end."""
    import asyncio

    return asyncio.run(coroutine)


class MinkGroup(TyperGroup):
    """The root group: turns mink's errors into one line and a documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            ctx.exit(130)
        except Exception as error:
            # An error that is a MinkError means the runtime was imported; `--help` (which exits
            # by exception too) must not pay for importing it.
            errors = sys.modules.get("mink_runtime.errors")
            if errors is None or not isinstance(error, errors.MinkError):
                raise
            from mink_cli.errors import exit_code_of

            _report(ctx, error)
            ctx.exit(int(exit_code_of(error)))


def _report(ctx: Any, error: MinkError) -> None:
    from mink_cli.errors import ExitCode, exit_code_of

    opts = ctx.obj if isinstance(ctx.obj, GlobalOptions) else GlobalOptions()
    console = opts.console()
    code = exit_code_of(error)
    console.error(str(error))
    if opts.verbose >= 2:
        console.traceback(error)
    if console.json and code is not ExitCode.OK:
        with suppress(RuntimeError):  # the command had printed its document already
            console.document(
                {
                    "ok": False,
                    "error": str(error),
                    "exit_code": int(code),
                    "kind": type(error).__name__,
                }
            )


def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=lambda value: _version(value),
            is_eager=True,
        ),
    ] = False,
    project: Annotated[
        Path | None,
        typer.Option("-C", "--project", metavar="DIR", help="Run as if started in DIR."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            metavar="URL",
            help="The event store (else MINK_DATABASE_URL, .env, mink.toml).",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON document (stream output: JSON Lines).")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print results only.")] = False,
    verbose: Annotated[
        int | None,
        typer.Option(
            "-v",
            "--verbose",
            count=True,
            show_default=False,
            help="Say more; -vv shows tracebacks.",
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colours (also NO_COLOR).")
    ] = False,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input", help="Never prompt (implied without a terminal, or with CI set)."
        ),
    ] = False,
) -> None:
    # The root callback: it keeps the global options for the command that follows.
    ctx.obj = GlobalOptions(
        project=project,
        database_url=database_url,
        json=json_output,
        quiet=quiet,
        verbose=verbose or 0,
        color=not no_color,
        no_input=no_input,
    )


def _version(value: bool) -> None:
    if value:
        from mink_cli._version import version

        typer.echo(f"mink {version()}")
        raise typer.Exit()
