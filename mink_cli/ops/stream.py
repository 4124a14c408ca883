"""`mink stream`: reading streams and the global log for people and tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mink_cli.errors import UsageError
from mink_cli.ops.store import connected
from mink_cli.settings import Settings
from mink_runtime.domain import Checkpoint, RecordedEvent, StreamInfo, to_primitive

__all__ = [
    "StreamView",
    "Summary",
    "event_record",
    "export",
    "list_streams",
    "parse_time",
    "show",
    "summary",
    "tail",
]

PAGE = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamView:
    """A stream and its events (up to a version or a time, when asked)."""

    info: StreamInfo
    events: list[RecordedEvent]


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """How many streams and events, per category and per event type."""

    streams: int
    events: int
    categories: dict[str, dict[str, int]]
    """category → {"streams": n, "events": n}"""
    types: dict[str, int]


def event_record(event: RecordedEvent) -> dict[str, Any]:
    """An event as a JSON-ready record (one line of `stream export`)."""
    return {
        "position": event.position,
        "checkpoint": str(event.checkpoint),
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "schema_version": event.schema_version,
        "event_id": str(event.event_id),
        "recorded_at": event.recorded_at.isoformat(),
        "tenant_id": event.tenant_id,
        "data": to_primitive(event.data),
        "metadata": event.metadata.to_dict(),
    }


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (`2026-11-29T10:00`, `2026-11-29`); without a zone it is UTC.

    Raises:
        UsageError: the text is no such time.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not a time; write ISO 8601, e.g. 2026-11-29T10:30:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def list_streams(
    settings: Settings, *, category: str | None = None, limit: int = 100, after: str | None = None
) -> list[StreamInfo]:
    """Streams in id order, optionally of one category."""
    async with connected(settings) as store:
        return await store.list_streams(category=category, after=after, limit=limit)


async def show(
    settings: Settings, stream_id: str, *, at: datetime | None = None, version: int | None = None
) -> StreamView:
    """A stream and its events; with `version` or `at`, as it stood then.

    Raises:
        StreamNotFoundError: there is no such stream.
        UsageError: both `at` and `version` were given.
    """
    if at is not None and version is not None:
        raise UsageError("give --at or --version, not both")
    async with connected(settings) as store:
        info = await store.get_stream(stream_id)
        events = await store.read_stream(stream_id)
    if version is not None:
        events = [e for e in events if e.version <= version]
    if at is not None:
        events = [e for e in events if e.recorded_at <= at]
    return StreamView(info=info, events=events)


async def tail(
    settings: Settings,
    *,
    stream_id: str | None = None,
    category: str | None = None,
    last: int = 10,
    after: Checkpoint | None = None,
    follow: bool = True,
    poll: float = 1.0,
) -> AsyncIterator[RecordedEvent]:
    """The newest events (of a stream, a category, or all), then, with `follow`, each new one
    as it is committed, until cancelled. Log tails start at the head unless `after` is given.

    It follows through the store's wake-ups (`store.watch()`: at once in this process,
    LISTEN/NOTIFY on PostgreSQL), reading again at least every `poll` seconds, since a wake-up
    can be lost (or, for SQLite, come from another process).
    """
    async with connected(settings) as store, store.watch() as watch:
        if stream_id is not None:
            recent = await store.read_stream(stream_id, backwards=True, limit=last)
            for event in reversed(recent):
                yield event
            version = recent[0].version if recent else 0
            while follow:
                await watch.wait(poll)
                for event in await store.read_stream(stream_id, from_version=version + 1):
                    version = event.version
                    yield event
            return
        categories = None if category is None else [category]
        checkpoint = after if after is not None else await store.head()
        while True:
            batch = await store.read_all(after=checkpoint, limit=PAGE, categories=categories)
            for event in batch.events:
                yield event
            checkpoint = batch.checkpoint
            if batch.is_end:
                if not follow:
                    return
                await watch.wait(poll)


async def export(
    settings: Settings, *, category: str | None = None, after: Checkpoint = Checkpoint.START
) -> AsyncIterator[RecordedEvent]:
    """Every event of the global log (or of one category) after a checkpoint, in order."""
    categories = None if category is None else [category]
    async with connected(settings) as store:
        checkpoint = after
        while True:
            batch = await store.read_all(after=checkpoint, limit=PAGE, categories=categories)
            for event in batch.events:
                yield event
            checkpoint = batch.checkpoint
            if batch.is_end:
                return


async def summary(settings: Settings) -> Summary:
    """Streams and events counted per category, events per type (reads the whole log)."""
    categories: dict[str, dict[str, int]] = {}
    streams = 0
    async with connected(settings) as store:
        after: str | None = None
        while page := await store.list_streams(after=after, limit=PAGE):
            for info in page:
                if info.version == 0:
                    continue
                streams += 1
                categories.setdefault(info.category, {"streams": 0, "events": 0})["streams"] += 1
            after = page[-1].stream_id
        types = {t.type: 0 for t in await store.event_types()}
        for t in await store.event_types():
            types[t.type] += t.count
        checkpoint, events = Checkpoint.START, 0
        while True:
            batch = await store.read_all(after=checkpoint, limit=PAGE)
            for event in batch.events:
                events += 1
                categories.setdefault(event.category, {"streams": 0, "events": 0})["events"] += 1
            checkpoint = batch.checkpoint
            if batch.is_end:
                break
    return Summary(
        streams=streams, events=events, categories=dict(sorted(categories.items())), types=types
    )
