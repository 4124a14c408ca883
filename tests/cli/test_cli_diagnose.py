"""`mink diagnose`: stable ids, runnable hints, quiet when healthy, exit 1 at the fail level."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from cli_support import Mink, add_migration, seed, unreachable_postgres

from mink_cli.ops import diagnose
from mink_cli.settings import load_settings


def test_a_healthy_project_prints_nothing_and_exits_0(mink: Mink, project: Path) -> None:
    """All checks pass: stdout is empty, a one-line summary goes to stderr."""
    mink("migrate", "up")
    result = mink("diagnose")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert "healthy" in result.stderr


def test_verbose_lists_every_check_by_its_id(mink: Mink, project: Path) -> None:
    """-v shows the passing checks too, each with its stable id."""
    mink("migrate", "up")
    result = mink("-v", "diagnose")
    ids = [line.split()[1].rstrip(":") for line in result.stdout.splitlines()]
    assert ids == [
        "db.reachable",
        "schema.at_head",
        "schema.single_head",
        "registry.unknown_types",
        "projections.faulted",
    ]


def test_an_unmigrated_store_fails_with_the_command_that_fixes_it(
    mink: Mink, project: Path
) -> None:
    """schema.at_head is an error whose hint is `mink migrate up`."""
    result = mink("diagnose")
    assert result.exit_code == 1
    assert "error   schema.at_head: migrations pending" in result.stdout
    assert "hint: mink migrate up" in result.stdout


def test_json_prints_one_document_with_every_check(mink: Mink, project: Path) -> None:
    """--json: one document, ok flag and each check with id, level, message, hint."""
    add_migration(project, "a1")
    mink("migrate", "up")
    add_migration(project, "a2", down="a1")
    result = mink("diagnose", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    at_head = next(c for c in document["checks"] if c["id"] == "schema.at_head")
    assert at_head == {
        "id": "schema.at_head",
        "level": "error",
        "message": "migrations pending: app at a1, head a2",
        "hint": "mink migrate up",
    }


def test_stored_types_missing_from_the_registry_are_found(mink: Mink, project: Path) -> None:
    """registry.unknown_types names each unknown type with its count."""
    mink("migrate", "up")
    seed(load_settings().database_url, {"gone-1": [{}, {}]}, type_name="gone.Removed")
    result = mink("diagnose")
    assert result.exit_code == 1
    assert (
        "registry.unknown_types: stored event types the registry does not know: gone.Removed (2)"
        in (result.stdout)
    )


def test_several_heads_are_a_finding_with_the_merge_command(mink: Mink, project: Path) -> None:
    """schema.single_head's hint merges them."""
    add_migration(project, "a1")
    add_migration(project, "b1", down="a1")
    add_migration(project, "c1", down="a1")
    result = mink("diagnose")
    assert "schema.single_head: app migrations have 2 heads: b1, c1" in result.stdout
    assert "hint: mink migrate new 'merge heads' --merge" in result.stdout


def test_the_fail_level_decides_the_exit_code(mink: Mink, tmp_path: Path) -> None:
    """Without a registry the check is an info: exit 0 at error, exit 1 at info."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    mink("--database-url", url, "migrate", "up")
    assert mink("--database-url", url, "diagnose").exit_code == 0
    strict = mink("--database-url", url, "diagnose", "--fail-level", "info")
    assert strict.exit_code == 1
    assert "info    registry.unknown_types" in strict.stdout


def test_a_bad_fail_level_is_a_usage_error(mink: Mink, project: Path) -> None:
    """--fail-level takes error, warning or info."""
    assert mink("diagnose", "--fail-level", "panic").exit_code == 2


def test_an_unreachable_database_is_a_finding_not_a_crash(mink: Mink, project: Path) -> None:
    """db.reachable fails (exit 1); the other database checks do not run."""
    result = mink("--database-url", unreachable_postgres(), "diagnose", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [c["id"] for c in document["checks"]] == ["db.reachable", "schema.single_head"]
    assert "s3cret-pw" not in result.stdout + result.stderr


@pytest.mark.postgres
def test_a_long_writing_transaction_is_named_with_its_pid(
    mink: Mink, postgres_project: Path, postgres_url: str
) -> None:
    """log.held_back names the pid, age and query of a writing transaction left open."""
    mink("migrate", "up")
    settings = load_settings()
    ready, done = threading.Event(), threading.Event()
    pids: list[int] = []

    def hold() -> None:
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute("SELECT pg_backend_pid(), pg_current_xact_id()").fetchone()
            assert row is not None
            pids.append(row[0])
            ready.set()
            done.wait(30)
            conn.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        ready.wait(10)
        results = asyncio.run(diagnose.diagnose(settings, held_back_after=timedelta(0)))
    finally:
        done.set()
        holder.join()
    # (Other sessions of the same server may show up too: find ours.)
    [held] = [r for r in results if r.id == "log.held_back" and f"pid {pids[0]} " in r.message]
    assert held.level >= diagnose.Level.WARNING
    assert held.hint is not None
    assert f"pg_terminate_backend({pids[0]})" in held.hint


@pytest.mark.postgres
def test_a_healthy_postgres_store_passes_every_check(mink: Mink, postgres_project: Path) -> None:
    """On PostgreSQL the held-back check runs too, and passes with no long transaction."""
    mink("migrate", "up")
    result = mink("-v", "diagnose")
    assert result.exit_code == 0, result.stdout
    assert "ok      log.held_back" in result.stdout
