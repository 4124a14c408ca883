"""`mink migrate …`: the store's schema through Alembic (see `mink_cli.ops.migrate`)."""

from __future__ import annotations

from typing import Annotated

import typer

from mink_cli.commands._common import JsonFlag, options

__all__ = ["app"]

app = typer.Typer(
    help="Create, upgrade and inspect the database schema: mink's tables and the project's.\n\n"
    "Targets name the project's revisions (head, base, -1, REV); mink:REV names mink's own.",
    no_args_is_help=True,
)

Target = Annotated[str | None, typer.Argument(help="Revision to go to (default: head).")]
SqlFlag = Annotated[bool, typer.Option("--sql", help="Print the SQL instead of running it.")]


def _revisions(revisions: tuple[str, ...] | None) -> str:
    if revisions is None:
        return "?"
    return ", ".join(revisions) or "(none)"


@app.command()
def up(ctx: typer.Context, target: Target = None, sql: SqlFlag = False) -> None:
    """Apply pending migrations: mink's first, then the project's, in one transaction.

    \b
    Examples:
      mink migrate up
      mink migrate up ae1027a6
      mink migrate up --sql > schema.sql
    """
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    if sql:
        console.result(migrate.offline_sql(settings, target).rstrip())
        return
    console.note(f"migrating {settings.shown_url}")
    steps = migrate.upgrade(settings, target)
    console.emit(steps)
    for step in steps:
        if step.changed:
            console.result(f"{step.tree}: {_revisions(step.before)} → {_revisions(step.after)}")
    if not any(step.changed for step in steps):
        at = ", ".join(f"{s.tree} {_revisions(s.after)}" for s in steps)
        console.note(f"nothing to do: at {at}")


@app.command(context_settings={"ignore_unknown_options": True})
def down(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(metavar="TARGET", help="Where to go: -1, base, a revision; mink:REV."),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask; drop what it lists.")
    ] = False,
    sql: SqlFlag = False,
) -> None:
    """Undo migrations down to TARGET, after listing what it will drop and asking.

    \b
    Examples:
      mink migrate down -1
      mink migrate down base --yes
    """
    from mink_cli.errors import RefusedError
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    plan = migrate.plan_downgrade(settings, target)
    if not plan.undone:
        console.note(f"{plan.tree}: nothing to undo down to {plan.target}")
        console.emit(plan)
        return
    console.note(f"{plan.tree} migrations on {plan.database}: undo {', '.join(plan.undone)}")
    for drop in plan.drops:
        console.note(f"  will run: {drop}")
    if sql:
        console.result(plan.sql.rstrip())
        return
    if not yes and not console.confirm("Drop these, with their data?"):
        raise RefusedError(
            "`migrate down` drops tables and data and was not confirmed",
            hint="pass --yes to confirm it without a prompt",
        )
    step = migrate.downgrade(settings, target)
    console.emit(step)
    console.result(f"{step.tree}: {_revisions(step.before)} → {_revisions(step.after)}")


@app.command()
def status(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show every migration of both trees and whether the database has it."""
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    trees = migrate.status(settings)
    if console.json:
        console.document({"database": settings.shown_url, "trees": trees})
        return
    rows = []
    for tree in trees:
        for revision in tree.revisions:
            state = "applied" if revision.applied else "pending"
            if revision.revision in (tree.current or ()):
                state = "current"
            head = "head" if revision.is_head else ""
            rows.append((tree.tree, revision.revision, head, state, revision.message))
    console.table(["tree", "revision", "", "database", "message"], rows, title=settings.shown_url)
    for tree in trees:
        if len(tree.heads) > 1:
            console.warn(
                f"{tree.tree} migrations have {len(tree.heads)} heads ({', '.join(tree.heads)}): "
                "merge them with `mink migrate new 'merge heads' --merge`"
            )


@app.command()
def check(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Exit 1 when the database differs from the migrations or the project's models."""
    from mink_cli.errors import CheckFailedError
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    drift = migrate.check(settings)
    if console.json:
        console.document(drift)
    for note in drift.notes:
        console.note(note)
    if drift.ok:
        console.note(f"{drift.database}: no drift")
        return
    for operation in drift.operations:
        console.result(f"  {operation}")
    raise CheckFailedError(
        f"{drift.database} differs from the migrations ({len(drift.operations)})"
    )


@app.command()
def history(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the migration scripts of both trees, newest first."""
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    trees = migrate.history(settings)
    if console.json:
        console.document(trees)
        return
    rows = [
        (t.tree, r.revision, ", ".join(r.down_revisions) or "(base)", r.message)
        for t in trees
        for r in t.revisions
    ]
    console.table(["tree", "revision", "after", "message"], rows)


@app.command()
def heads(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show each tree's head revisions; more than one needs a merge."""
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    trees = migrate.heads(settings)
    if console.json:
        console.document({t.tree: t.heads for t in trees})
        return
    for tree in trees:
        console.result(f"{tree.tree}: {', '.join(tree.heads) or '(no migrations)'}")
        if len(tree.heads) > 1:
            console.warn(
                f"{tree.tree} has {len(tree.heads)} heads: two migrations share a parent; "
                "merge them with `mink migrate new 'merge heads' --merge`"
            )


@app.command()
def new(
    ctx: typer.Context,
    message: Annotated[str, typer.Argument(metavar="MESSAGE", help="What the migration does.")],
    autogenerate: Annotated[
        bool, typer.Option("--autogenerate", help="Fill it from the models' differences.")
    ] = False,
    merge: Annotated[bool, typer.Option("--merge", help="Merge the current heads.")] = False,
) -> None:
    """Create a migration script in the project's Alembic folder.

    \b
    Examples:
      mink migrate new "add order summary table"
      mink migrate new "order summary" --autogenerate
      mink migrate new "merge heads" --merge
    """
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    paths = migrate.new_revision(settings, message, autogenerate=autogenerate, merge=merge)
    console.emit([str(p) for p in paths])
    for path in paths:
        console.result(f"created {path}")


@app.command()
def stamp(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Argument(metavar="TARGET", help="The revision to record (mink:REV for mink's).")
    ],
) -> None:
    """Record TARGET as the database's revision without running migrations."""
    from mink_cli.ops import migrate

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    step = migrate.stamp(settings, target)
    console.emit(step)
    console.result(f"{step.tree}: stamped {_revisions(step.after)}")
