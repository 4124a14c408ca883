"""`mink projection …`: list, inspect, run, rebuild, pause and resume projections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mink_cli.commands._common import JsonFlag, options, run

if TYPE_CHECKING:
    from mink_cli.console import Console
    from mink_runtime.application.projections import ProjectionReport

__all__ = ["app"]

app = typer.Typer(
    help="Operate projections: list, status, run, rebuild, pause, resume, dead letters.",
    no_args_is_help=True,
)


def _report_record(report: ProjectionReport) -> dict[str, Any]:
    return {
        "name": report.name,
        "version": report.version,
        "partition": report.partition,
        "status": report.status.value,
        "checkpoint": str(report.checkpoint),
        "lag": report.lag,
        "paused": report.paused,
        "active": report.active,
        "last_error": report.last_error,
        "updated_at": None if report.updated_at is None else report.updated_at.isoformat(),
    }


def _records(console: Console, records: list[dict[str, Any]], key: str) -> bool:
    """Print records as JSON (`--json`: one document; piped: JSON Lines); whether it did."""
    if console.json:
        console.document({key: records})
    elif not console.stdout_is_tty:
        for record in records:
            console.json_line(record)
    else:
        return False
    return True


@app.command("list")
def list_(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the projections the project defines and those the store knows.

    \b
    Examples:
      mink projection list
      mink projection list --json
    """
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    found, warning = run(projection.list_projections(settings))
    if warning:
        console.warn(f"the project's projections were not loaded: {warning}")
    records = [
        {
            "name": p.name,
            "versions": list(p.versions),
            "kind": p.kind,
            "active_version": p.active_version,
            "status": p.status,
        }
        for p in found
    ]
    if not _records(console, records, "projections"):
        rows = [
            (
                p.name,
                ", ".join(map(str, p.versions)),
                p.kind,
                "-" if p.active_version is None else p.active_version,
                p.status,
            )
            for p in found
        ]
        console.table(["name", "versions", "kind", "active", "status"], rows)
    if not found:
        console.note("no projections: define them in the project's projections(store)")


@app.command()
def status(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="Only this one.")] = None,
    fail_on_lag: Annotated[
        int | None,
        typer.Option("--fail-on-lag", metavar="N", help="Exit 1 when a lag exceeds N events."),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Show each projection's position, lag against the head of the log, status and last
    error, per version and partition. Works from the store alone.

    \b
    Examples:
      mink projection status
      mink projection status order_summaries
      mink projection status --fail-on-lag 1000     (for CI and cron)
    """
    from mink_cli.errors import CheckFailedError
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    result = run(projection.status(settings, name))
    if result.warning:
        console.warn(f"lag counts every event: the project was not loaded: {result.warning}")
    reports = result.reports
    if not _records(console, [_report_record(r) for r in reports], "projections"):
        rows = [
            (
                r.name,
                r.version,
                r.partition,
                r.status.value + (" (paused)" if r.paused else ""),
                r.checkpoint,
                r.lag,
                "yes" if r.active else "",
                r.last_error or "",
            )
            for r in reports
        ]
        columns = ["name", "version", "part", "status", "checkpoint", "lag", "active", "error"]
        console.table(columns, rows)
    if not reports:
        console.note("no projections yet")
    if fail_on_lag is not None:
        behind = [r for r in reports if r.lag > fail_on_lag]
        if behind:
            shown = ", ".join(f"{r.name} ({r.lag})" for r in behind)
            raise CheckFailedError(f"lagging more than {fail_on_lag} events: {shown}")


@app.command("run")
def run_(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[NAME]...", help="Only these.")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Catch up to the head of the log, then exit.")
    ] = False,
) -> None:
    """Run the project's projections in the foreground until Ctrl-C or SIGTERM (a clean stop),
    logging to stderr; `--once` catches up and exits (1 if a projection faulted).

    \b
    Examples:
      mink projection run
      mink projection run order_summaries --once
    """
    from mink_cli.errors import CheckFailedError
    from mink_cli.ops import projection
    from mink_runtime.domain import ProjectionStatus

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    chosen = names or []
    if once:
        result = run(projection.run_once(settings, chosen, log=console.note))
        faulted = [r for r in result.reports if r.status is ProjectionStatus.FAULTED]
        for report in result.reports:
            console.result(
                f"{report.name}: {report.status.value} at {report.checkpoint}, lag {report.lag}"
            )
        if faulted:
            shown = "; ".join(f"{r.name}: {r.last_error}" for r in faulted)
            raise CheckFailedError(
                f"faulted: {shown}",
                hint="fix the handler, then `mink projection resume NAME`",
            )
        return
    run(projection.run(settings, chosen, log=console.note))


@app.command()
def rebuild(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(metavar="NAME...", help="The projections.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every projection of the project.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask; clear and rebuild.")
    ] = False,
) -> None:
    """Rebuild projections from the start of the log: clear their read models and replay
    every event, with a progress bar on a terminal. Goes on past a failure and lists every
    failure at the end (exit 1).

    \b
    Examples:
      mink projection rebuild order_summaries
      mink projection rebuild --all --yes
    """
    from mink_cli.errors import CheckFailedError, RefusedError, UsageError
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    chosen = names or []
    if not chosen and not all_:
        raise UsageError("name the projections to rebuild, or pass --all")
    what = "every projection" if all_ else ", ".join(chosen)
    if not yes and not console.confirm(f"Clear and rebuild the read models of {what}?"):
        raise RefusedError(
            "`projection rebuild` clears read models and was not confirmed",
            hint="pass --yes to confirm it without a prompt",
        )

    @contextmanager
    def progress_for(name: str) -> Iterator[Callable[[int, int], None]]:
        with console.progress(name) as bar:
            yield bar.update

    failures = run(
        projection.rebuild(settings, chosen, all_=all_, progress_for=progress_for, log=console.note)
    )
    if failures:
        for failure in failures:
            console.error(f"{failure.name}: {failure.error}")
        raise CheckFailedError(
            f"{len(failures)} projection(s) failed to rebuild: "
            + ", ".join(f.name for f in failures)
        )
    console.result(f"rebuilt {what}")


@app.command()
def pause(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The projection.")],
) -> None:
    """Pause a projection: its workers, in any process, hold still until resumed."""
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    run(projection.pause(settings, name))
    console.result(f"paused {name}")


@app.command()
def resume(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The projection.")],
) -> None:
    """Resume a paused projection, or a faulted one (it retries the event it failed on)."""
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    run(projection.resume(settings, name))
    console.result(f"resumed {name}")


@app.command("dead-letters")
def dead_letters(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="Only this one.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 100,
    json: JsonFlag = False,
) -> None:
    """List the events projections could not process, oldest first."""
    from mink_cli.ops import projection

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    letters = run(projection.dead_letters(settings, name, limit=limit))
    records = [
        {
            "id": d.id,
            "projection": d.projection,
            "version": d.version,
            "event_id": d.event_id,
            "stream_id": d.stream_id,
            "stream_version": d.stream_version,
            "checkpoint": str(d.checkpoint),
            "event_type": d.event_type,
            "error": d.error,
            "attempts": d.attempts,
            "failed_at": d.failed_at.isoformat(),
        }
        for d in letters
    ]
    if not _records(console, records, "dead_letters"):
        rows = [
            (d.id, d.projection, d.stream_id, d.stream_version, d.event_type, d.error)
            for d in letters
        ]
        console.table(["id", "projection", "stream", "version", "type", "error"], rows)
