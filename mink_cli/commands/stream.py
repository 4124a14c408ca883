"""`mink stream …`: streams and the global log; tables on a terminal, JSON Lines when piped."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mink_cli.commands._common import JsonFlag, options, run

if TYPE_CHECKING:
    from mink_cli.console import Console
    from mink_runtime.domain import RecordedEvent

__all__ = ["app"]

app = typer.Typer(
    help="Inspect streams and the global log: tables on a terminal, JSON Lines when piped.",
    no_args_is_help=True,
)


def _lines(console: Console) -> bool:
    return console.json or not console.stdout_is_tty


def _event_row(event: RecordedEvent) -> tuple[object, ...]:
    from mink_cli.console import dumps

    return (
        event.position,
        event.stream_id,
        event.version,
        event.type,
        f"{event.recorded_at:%Y-%m-%d %H:%M:%S}",
        dumps(event.data, indent=False),
    )


_EVENT_COLUMNS = ["position", "stream", "version", "type", "recorded", "data"]


@app.command("list")
def list_(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only this one.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 100,
    after: Annotated[
        str | None, typer.Option("--after", help="Start after this stream id.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """List streams in id order, with their versions and states."""
    from mink_cli.ops import stream

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    streams = run(stream.list_streams(settings, category=category, limit=limit, after=after))
    if console.json:
        console.document(streams)
    elif not console.stdout_is_tty:
        for info in streams:
            console.json_line(info)
    else:
        rows = [
            (s.stream_id, s.version, s.state.value, f"{s.updated_at:%Y-%m-%d %H:%M:%S}")
            for s in streams
        ]
        console.table(["stream", "version", "state", "updated"], rows)


@app.command()
def show(
    ctx: typer.Context,
    stream_id: Annotated[str, typer.Argument(metavar="STREAM", help="The stream id.")],
    at: Annotated[
        str | None, typer.Option("--at", metavar="TIME", help="As it stood then.")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", metavar="N", help="Up to version N.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Show one stream's events (as of a time or a version).

    \b
    Examples:
      mink stream show order-42
      mink stream show order-42 --version 3
      mink stream show order-42 --at 2026-11-29T10:00:00Z
    """
    from mink_cli.ops import stream

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    moment = None if at is None else stream.parse_time(at)
    view = run(stream.show(settings, stream_id, at=moment, version=version))
    if console.json:
        console.document(
            {"stream": view.info, "events": [stream.event_record(e) for e in view.events]}
        )
    elif not console.stdout_is_tty:
        for event in view.events:
            console.json_line(stream.event_record(event))
    else:
        title = f"{view.info.stream_id} (version {view.info.version}, {view.info.state.value})"
        console.table(_EVENT_COLUMNS, [_event_row(e) for e in view.events], title=title)


@app.command()
def tail(
    ctx: typer.Context,
    stream_id: Annotated[
        str | None, typer.Argument(metavar="[STREAM]", help="Follow one stream.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Follow one.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Follow the whole global log.")] = False,
    last: Annotated[int, typer.Option("-n", "--last", help="Events of a stream shown first.")] = 10,
    after: Annotated[
        str | None, typer.Option("--from", metavar="CHECKPOINT", help="Log: start after this.")
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Keep waiting for new events.")
    ] = True,
) -> None:
    """Print new events as they are committed, until interrupted.

    \b
    Examples:
      mink stream tail order-42
      mink stream tail --category order
      mink stream tail --all --from 887:1234 | jq .type
    """
    from mink_cli.errors import UsageError
    from mink_cli.ops import stream
    from mink_runtime.domain import Checkpoint

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    if sum((stream_id is not None, category is not None, all_)) != 1:
        raise UsageError("name what to follow: a STREAM, --category C, or --all")
    start = None if after is None else Checkpoint.parse(after)

    async def follow_events() -> None:
        async for event in stream.tail(
            settings, stream_id=stream_id, category=category, last=last, after=start, follow=follow
        ):
            if _lines(console):
                console.json_line(stream.event_record(event))
            else:
                console.result("  ".join(str(cell) for cell in _event_row(event)))

    try:
        run(follow_events())
    except KeyboardInterrupt:
        console.note("stopped")


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write here, not stdout.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only this one.")] = None,
    after: Annotated[
        str | None, typer.Option("--from", metavar="CHECKPOINT", help="Start after this.")
    ] = None,
) -> None:
    """Write the global log (or a category) as JSON Lines, one event a line, in order."""
    from mink_cli.console import dumps
    from mink_cli.ops import stream
    from mink_runtime.domain import Checkpoint

    opts = options(ctx)
    console, settings = opts.console(), opts.settings()
    start = Checkpoint.START if after is None else Checkpoint.parse(after)

    async def write() -> int:
        count = 0
        handle = output.open("w", encoding="utf-8") if output is not None else None
        try:
            async for event in stream.export(settings, category=category, after=start):
                record = stream.event_record(event)
                if handle is not None:
                    handle.write(dumps(record, indent=False) + "\n")
                else:
                    console.json_line(record)
                count += 1
        finally:
            if handle is not None:
                handle.close()
        return count

    count = run(write())
    console.note(f"exported {count} events" + (f" to {output}" if output else ""))


@app.command()
def summary(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count streams and events per category, and events per type."""
    from mink_cli.ops import stream

    opts = options(ctx)
    console, settings = opts.console(json=json), opts.settings()
    result = run(stream.summary(settings))
    if console.json:
        console.document(result)
        return
    console.result(f"{result.streams} streams, {result.events} events")
    rows = [(name, c["streams"], c["events"]) for name, c in result.categories.items()]
    console.table(["category", "streams", "events"], rows)
    console.table(["event type", "events"], list(result.types.items()))
