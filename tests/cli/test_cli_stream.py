"""`mink stream`: streams and the global log, as tables, JSON documents or JSON Lines."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import Mink, seed

from mink_cli.errors import UsageError
from mink_cli.ops import stream
from mink_cli.settings import Settings, load_settings
from mink_runtime import NewEvent, open_store


@pytest.fixture
def store_url(mink: Mink, project: Path) -> str:
    """The project's store, migrated, with two accounts and an order."""
    assert mink("migrate", "up").exit_code == 0
    url = load_settings().database_url
    seed(
        url,
        {
            "account-1": [{"owner": "ann"}, {"owner": "ann2"}, {"owner": "ann3"}],
            "account-2": [{"owner": "bob"}],
        },
        type_name="account.Created",
    )
    seed(url, {"order-1": [{"total": "9.99"}]}, type_name="order.Created")
    return url


def test_list_prints_json_lines_when_piped(mink: Mink, store_url: str) -> None:
    """Without a terminal, each stream is one JSON object per line."""
    result = mink("stream", "list")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(s["stream_id"], s["version"]) for s in lines] == [
        ("account-1", 3),
        ("account-2", 1),
        ("order-1", 1),
    ]


def test_list_filters_by_category_and_json_is_one_document(mink: Mink, store_url: str) -> None:
    """--category narrows it; --json prints a single array."""
    result = mink("stream", "list", "--category", "order", "--json")
    assert [s["stream_id"] for s in json.loads(result.stdout)] == ["order-1"]


def test_show_prints_a_streams_events(mink: Mink, store_url: str) -> None:
    """Each event with its version, type and data."""
    result = mink("stream", "show", "account-1", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stream"]["version"] == 3
    assert [(e["version"], e["data"]["owner"]) for e in document["events"]] == [
        (1, "ann"),
        (2, "ann2"),
        (3, "ann3"),
    ]


def test_show_at_a_version_stops_there(mink: Mink, store_url: str) -> None:
    """--version N shows the stream as it was at version N."""
    result = mink("stream", "show", "account-1", "--version", "2")
    assert [json.loads(line)["version"] for line in result.stdout.splitlines()] == [1, 2]


def test_show_at_a_time_uses_recorded_at(mink: Mink, store_url: str) -> None:
    """--at before the first event shows none; --at now shows all."""
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert mink("stream", "show", "account-1", "--at", past).stdout == ""
    now = datetime.now(UTC).isoformat()
    assert len(mink("stream", "show", "account-1", "--at", now).stdout.splitlines()) == 3


def test_show_of_a_missing_stream_is_one_line(mink: Mink, store_url: str) -> None:
    """A stream that does not exist: exit 1, one line naming it."""
    result = mink("stream", "show", "account-404")
    assert result.exit_code == 1
    assert result.stderr == "error: stream 'account-404' does not exist\n"


def test_a_bad_time_is_a_usage_error(mink: Mink, store_url: str) -> None:
    """--at takes ISO 8601."""
    result = mink("stream", "show", "account-1", "--at", "yesterday")
    assert result.exit_code == 2
    assert "ISO 8601" in result.stderr


def test_export_writes_json_lines_in_log_order(mink: Mink, store_url: str, tmp_path: Path) -> None:
    """Every event, one a line, in global order; -o writes a file."""
    out = tmp_path / "events.jsonl"
    result = mink("stream", "export", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["position"] for r in records] == [1, 2, 3, 4, 5]
    assert records[-1]["type"] == "order.Created"
    assert "exported 5 events" in result.stderr


def test_export_of_a_category_after_a_checkpoint(mink: Mink, store_url: str) -> None:
    """--category and --from narrow the export; the checkpoint round-trips as text."""
    result = mink("stream", "export", "--category", "account", "--from", "1")
    assert [json.loads(line)["position"] for line in result.stdout.splitlines()] == [2, 3, 4]


def test_summary_counts_streams_and_events(mink: Mink, store_url: str) -> None:
    """Per category and per type."""
    result = mink("stream", "summary", "--json")
    summary = json.loads(result.stdout)
    assert (summary["streams"], summary["events"]) == (3, 5)
    assert summary["categories"]["account"] == {"streams": 2, "events": 4}
    assert summary["types"] == {"account.Created": 4, "order.Created": 1}


def test_tail_without_follow_prints_a_streams_last_events(mink: Mink, store_url: str) -> None:
    """-n N shows the stream's last N events."""
    result = mink("stream", "tail", "account-1", "-n", "2", "--no-follow")
    assert [json.loads(line)["version"] for line in result.stdout.splitlines()] == [2, 3]


def test_tail_needs_exactly_one_target(mink: Mink, store_url: str) -> None:
    """A stream, --category or --all: one of them."""
    result = mink("stream", "tail", "--all", "--category", "order")
    assert result.exit_code == 2


def test_stream_commands_without_a_migrated_store_name_the_fix(mink: Mink, project: Path) -> None:
    """No tables yet: exit 3, with `mink migrate up`."""
    result = mink("stream", "list")
    assert result.exit_code == 3
    assert "mink migrate up" in result.stderr


async def test_tail_follows_new_events_of_the_log(settings: Settings, project: Path) -> None:
    """tail --all yields events committed after it started, as they come."""
    from mink_cli.ops import migrate

    await asyncio.to_thread(migrate.upgrade, settings)
    store = await open_store(settings.database_url)
    seen: list[str] = []

    async def follow() -> None:
        async for event in stream.tail(settings, poll=0.01):
            seen.append(event.stream_id)
            if len(seen) == 2:
                return

    async with store:
        task = asyncio.create_task(follow())
        await asyncio.sleep(0.1)
        await store.append("order-7", [NewEvent(type="order.Created", data={})])
        await store.append("order-8", [NewEvent(type="order.Created", data={})])
        await asyncio.wait_for(task, timeout=10)
    assert seen == ["order-7", "order-8"]


async def test_tail_of_a_stream_follows_its_new_versions(settings: Settings, project: Path) -> None:
    """tail STREAM shows its last events, then each new one."""
    from mink_cli.ops import migrate

    await asyncio.to_thread(migrate.upgrade, settings)
    store = await open_store(settings.database_url)
    async with store:
        await store.append("order-1", [NewEvent(type="order.Created", data={"n": 1})])
        versions: list[int] = []

        async def follow() -> None:
            async for event in stream.tail(settings, stream_id="order-1", last=5, poll=0.01):
                versions.append(event.version)
                if len(versions) == 2:
                    return

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.1)
        await store.append("order-1", [NewEvent(type="order.Created", data={"n": 2})])
        await asyncio.wait_for(task, timeout=10)
    assert versions == [1, 2]


def test_parse_time_reads_iso_8601_as_utc_without_a_zone() -> None:
    """A time without a zone is UTC; a bad one is a usage error."""
    assert stream.parse_time("2026-11-29T10:00") == datetime(2026, 11, 29, 10, tzinfo=UTC)
    with pytest.raises(UsageError):
        stream.parse_time("soon")


async def test_tail_on_postgres_is_woken_by_commits_of_another_connection(
    postgres_project: Path,
) -> None:
    """tail --all follows the store's wake-ups: with polling all but off (10 minutes), an event
    another connection commits still arrives."""
    from mink_cli.ops import migrate

    settings = load_settings()
    await asyncio.to_thread(migrate.upgrade, settings)
    seen: list[str] = []

    store = await open_store(settings.database_url, schema=settings.schema)

    async def follow() -> None:
        async for event in stream.tail(settings, poll=600, after=start):
            seen.append(event.stream_id)
            return

    async with store:
        start = await store.head()
        task = asyncio.create_task(follow())
        await asyncio.sleep(0.5)  # let the tail start watching
        await store.append("order-9", [NewEvent(type="order.Created", data={})])
        await asyncio.wait_for(task, timeout=60)
    assert seen == ["order-9"]
