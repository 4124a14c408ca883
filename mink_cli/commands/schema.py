"""`mink schema …`: event schemas (JSON Schema) from the registered event classes."""

from __future__ import annotations

from typing import Annotated

import typer

from mink_cli.commands._common import JsonFlag, options, run

__all__ = ["app"]

app = typer.Typer(
    help="Event schemas derived from the registered event classes, and their compatibility.",
    no_args_is_help=True,
)

TypeName = Annotated[str, typer.Argument(metavar="TYPE", help="An event type name.")]


@app.command("list")
def list_(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the registered event types, their versions and released schemas."""
    from mink_cli.ops import schema

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    entries = schema.list_schemas(settings)
    if console.json:
        console.document(entries)
        return
    rows = [
        (e.type, e.version, ", ".join(f"v{v}" for v in e.released) or "-", e.cls) for e in entries
    ]
    console.table(["type", "version", "released", "class"], rows)


@app.command()
def show(ctx: typer.Context, type_name: TypeName) -> None:
    """Print the JSON Schema of an event type at its current version."""
    from mink_cli.console import dumps
    from mink_cli.ops import schema

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    document = schema.show(settings, type_name)
    if console.json:
        console.document(document)
    else:
        console.result(dumps(document))


@app.command()
def diff(
    ctx: typer.Context,
    type_name: TypeName,
    against: Annotated[
        int | None, typer.Option("--against", metavar="N", help="Released version to compare.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Compare an event class with its newest released schema (or version N)."""
    from mink_cli.ops import schema

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    result = schema.diff(settings, type_name, against=against)
    if console.json:
        console.document(result)
        return
    old = "nothing released" if result.old_version is None else f"v{result.old_version}"
    console.result(f"{result.type}: {old} → v{result.new_version} (class)")
    for change in result.changes:
        console.result(f"  {change}")
    if not result.changes:
        console.note("no changes")


@app.command()
def check(
    ctx: typer.Context,
    against: Annotated[
        str,
        typer.Option("--against", help="snapshots (released schemas) or database (stored types)."),
    ] = "snapshots",
    json: JsonFlag = False,
) -> None:
    """Exit 1 when a class breaks the compatibility mode, or stored events cannot be read.

    \b
    Examples:
      mink schema check
      mink schema check --against database
    """
    from mink_cli.errors import CheckFailedError
    from mink_cli.ops import schema

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    findings = run(schema.check(settings, against=against))
    console.emit(findings)
    for finding in findings:
        if finding.level != "info" or console.verbose:
            console.result(f"{finding.level:<7} {finding.type}: {finding.message}")
    errors = [f for f in findings if f.level == "error"]
    if errors:
        raise CheckFailedError(f"{len(errors)} schema problem(s) ({settings.compatibility} mode)")
    console.note(f"schemas are {settings.compatibility} compatible")


@app.command()
def save(
    ctx: typer.Context,
    types: Annotated[list[str] | None, typer.Argument(metavar="[TYPE]...")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite a released version.")] = False,
) -> None:
    """Release the current schemas as snapshots (schemas/<type>/v<N>.json)."""
    from mink_cli.ops import schema

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    written = schema.save(settings, types, force=force)
    console.emit([str(p) for p in written])
    for path in written:
        console.result(f"wrote {path}")
    if not written:
        console.note("every schema is released already")
