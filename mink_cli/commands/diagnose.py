"""`mink diagnose`: health checks, one line per finding, quiet when healthy."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from mink_cli.commands._common import JsonFlag, options, run

__all__ = ["register"]


def diagnose(
    ctx: typer.Context,
    fail_level: Annotated[
        str,
        typer.Option(
            "--fail-level", help="Exit 1 when a finding is this bad: error, warning, info."
        ),
    ] = "error",
    max_transaction_age: Annotated[
        float,
        typer.Option(
            "--max-transaction-age",
            metavar="SECONDS",
            help="Report writing transactions open longer (PostgreSQL).",
        ),
    ] = 5.0,
    json: JsonFlag = False,
) -> None:
    """Check the store's health: reachable, migrated, one head, no transaction holding readers
    back, every stored event type registered, projections not faulted, paused or lagging.
    Prints findings only (-v: every check).

    \b
    Checks (stable ids): db.reachable, schema.at_head, schema.single_head, log.held_back,
    registry.unknown_types, projections.faulted, projections.paused, projections.lagging
    (past the setting projection_lag, default 1000 events).
    Examples:
      mink diagnose
      mink diagnose --fail-level warning --json
    """
    from mink_cli.errors import CheckFailedError, UsageError
    from mink_cli.ops import diagnose as ops

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    try:
        level = ops.Level[fail_level.upper()]
    except KeyError:
        raise UsageError(f"--fail-level {fail_level!r}: use error, warning or info") from None
    results = run(ops.diagnose(settings, held_back_after=timedelta(seconds=max_transaction_age)))
    failing = ops.fails(results, level)
    console.emit(
        {"ok": not failing, "fail_level": str(level), "checks": [r.to_dict() for r in results]}
    )
    for result in results:
        if result.level is not ops.Level.OK or console.verbose:
            console.result(f"{result.level!s:<7} {result.id}: {result.message}")
            if result.hint and result.level is not ops.Level.OK:
                console.result(f"        hint: {result.hint}")
    worst = max(results, key=lambda r: r.level)
    console.note(
        f"{len(results)} checks: "
        + ("healthy" if worst.level <= ops.Level.INFO else f"worst finding {worst.level}")
    )
    if failing:
        raise CheckFailedError(f"{len(failing)} finding(s) at or above {level}")


def register(app: typer.Typer) -> None:
    """Add `mink diagnose` to the app."""
    app.command("diagnose")(diagnose)
