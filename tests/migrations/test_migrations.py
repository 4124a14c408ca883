"""mink's own schema: created, upgraded, inspected and removed by the shipped migrations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from mink_runtime import migrations
from mink_runtime.errors import ConfigurationError, StoreUnavailableError


def test_the_required_revision_is_the_newest_shipped_one() -> None:
    """Stores check the database against the head of the migrations shipped in the package."""
    assert migrations.head() == migrations.REQUIRED_REVISION


def test_sqlite_upgrade_creates_prefixed_tables_and_downgrade_removes_them(tmp_path: Path) -> None:
    """On SQLite the schema name prefixes the tables; base removes them again."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert migrations.current(url) is None
    migrations.upgrade(url)
    assert migrations.current(url) == migrations.head()
    migrations.upgrade(url)  # at head already: nothing to do
    with sqlite3.connect(tmp_path / "app.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert {
        "mink_events",
        "mink_streams",
        "mink_snapshots",
        "mink_idempotency",
        "mink_projections",
        "mink_projection_control",
        "mink_dead_letters",
        "mink_alembic_version",
    } <= tables
    migrations.downgrade(url, "base")
    assert migrations.current(url) is None
    with sqlite3.connect(tmp_path / "app.db") as conn:
        left = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert (
        not {
            "mink_events",
            "mink_streams",
            "mink_snapshots",
            "mink_idempotency",
            "mink_projections",
            "mink_projection_control",
            "mink_dead_letters",
        }
        & left
    )


@pytest.mark.parametrize("schema", ["Mink", "1mink", "mink-app", "mink;drop", "x" * 49, ""])
def test_unsafe_schema_names_are_refused(schema: str, tmp_path: Path) -> None:
    """Schema names are spliced into DDL, so only plain lower-case identifiers pass."""
    with pytest.raises(ConfigurationError):
        migrations.upgrade(f"sqlite:///{tmp_path / 'unused.db'}", schema=schema)


@pytest.mark.parametrize("url", ["mysql://localhost/app", "app.db", "redis://localhost"])
def test_urls_of_other_databases_are_refused(url: str) -> None:
    """Only PostgreSQL and SQLite URLs are accepted, with the expected forms named."""
    with pytest.raises(ConfigurationError):
        migrations.upgrade(url)


def test_an_unreachable_postgres_is_reported_without_the_password() -> None:
    """A migration that cannot connect says so, without leaking the password."""
    with pytest.raises(StoreUnavailableError) as raised:
        migrations.upgrade("postgresql://mink:hunter2@127.0.0.1:1/app?connect_timeout=2")
    assert "hunter2" not in str(raised.value)


@pytest.fixture
def fresh_schema(postgres_url: str) -> str:
    schema = "mink_test_migrations"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    yield schema  # type: ignore[misc]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
def test_postgres_upgrade_and_downgrade_round_trip(postgres_url: str, fresh_schema: str) -> None:
    """Upgrade creates the tables and the append function in the schema; base drops them."""
    migrations.upgrade(postgres_url, schema=fresh_schema)
    assert migrations.current(postgres_url, schema=fresh_schema) == migrations.head()
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.proname = 'append_events'",
            (fresh_schema,),
        ).fetchone()
    assert found == (1,)
    migrations.downgrade(postgres_url, "base", schema=fresh_schema)
    assert migrations.current(postgres_url, schema=fresh_schema) is None


@pytest.mark.postgres
def test_replicas_migrating_at_once_migrate_exactly_once(
    postgres_url: str, fresh_schema: str
) -> None:
    """Four processes started together all upgrade successfully: the advisory lock lets the
    first migrate and the others find the schema at head."""
    script = (
        "import sys; from mink_runtime import migrations; "
        "migrations.upgrade(sys.argv[1], schema=sys.argv[2])"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script, postgres_url, fresh_schema])
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0, 0]
    assert migrations.current(postgres_url, schema=fresh_schema) == migrations.head()


@pytest.mark.postgres
def test_threads_of_one_process_migrating_at_once_take_turns(
    postgres_url: str, fresh_schema: str
) -> None:
    """Upgrades from several threads of one process run one after another, all succeeding."""
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            migrations.upgrade(postgres_url, schema=fresh_schema)
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert migrations.current(postgres_url, schema=fresh_schema) == migrations.head()


@pytest.mark.postgres
def test_postgres_upgrade_from_0001_adds_the_idempotency_table(
    postgres_url: str, fresh_schema: str
) -> None:
    """A database at the first revision gains the idempotency table at 0002, and loses it
    again going back, keeping its events."""
    migrations.upgrade(postgres_url, schema=fresh_schema, revision="0001")
    assert migrations.current(postgres_url, schema=fresh_schema) == "0001"
    migrations.upgrade(postgres_url, schema=fresh_schema, revision="0002")
    assert migrations.current(postgres_url, schema=fresh_schema) == "0002"

    def tables() -> set[str]:
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (fresh_schema,)
            ).fetchall()
        return {row[0] for row in rows}

    assert "idempotency" in tables()
    migrations.downgrade(postgres_url, "0001", schema=fresh_schema)
    assert "idempotency" not in tables()
    assert "events" in tables()


_READ_SIDE = {"projections", "projection_control", "dead_letters"}


@pytest.mark.postgres
def test_postgres_upgrade_from_0002_adds_the_read_side_tables(
    postgres_url: str, fresh_schema: str
) -> None:
    """A database at 0002 gains the projection tables at 0003 and loses them going back,
    keeping its events and idempotency keys."""
    migrations.upgrade(postgres_url, schema=fresh_schema, revision="0002")
    migrations.upgrade(postgres_url, schema=fresh_schema)
    assert migrations.current(postgres_url, schema=fresh_schema) == "0003"

    def tables() -> set[str]:
        with psycopg.connect(postgres_url) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (fresh_schema,)
            ).fetchall()
        return {row[0] for row in rows}

    assert tables() >= _READ_SIDE
    migrations.downgrade(postgres_url, "0002", schema=fresh_schema)
    assert not _READ_SIDE & tables()
    assert {"events", "idempotency"} <= tables()


def test_sqlite_downgrade_to_0002_removes_only_the_read_side_tables(tmp_path: Path) -> None:
    """Going back from 0003 on SQLite drops the three projection tables and nothing else."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrations.upgrade(url)

    def tables() -> set[str]:
        with sqlite3.connect(tmp_path / "app.db") as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        conn.close()
        return {row[0] for row in rows}

    assert {f"mink_{t}" for t in _READ_SIDE} <= tables()
    migrations.downgrade(url, "0002")
    assert migrations.current(url) == "0002"
    assert not {f"mink_{t}" for t in _READ_SIDE} & tables()
    assert {"mink_events", "mink_idempotency"} <= tables()


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", ["pg_advisory_xact_lock", "CREATE TABLE mink.events", "append_events"]),
        ("sqlite", ["CREATE TABLE mink_events", "INSERT INTO mink_alembic_version"]),
    ],
)
def test_offline_sql_is_written_without_a_database(dialect: str, expected: list[str]) -> None:
    """alembic_config(dialect=...) writes the whole upgrade as SQL, the lock included."""
    import io

    from alembic import command

    out = io.StringIO()
    command.upgrade(migrations.alembic_config(dialect=dialect, output=out), "head", sql=True)
    for text in expected:
        assert text in out.getvalue()


def test_version_tables_live_in_the_schema_or_carry_its_prefix() -> None:
    """PostgreSQL keeps the version table in mink's schema; SQLite prefixes it."""
    assert migrations.version_table("postgresql", "app") == ("alembic_version", "app")
    assert migrations.version_table("sqlite", "app") == ("app_alembic_version", None)


def test_the_lock_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    """lock() only means something on PostgreSQL; elsewhere it does nothing."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        migrations.lock(connection)
    engine.dispose()


@pytest.mark.postgres
def test_the_lock_is_held_until_the_transaction_ends(postgres_url: str) -> None:
    """A second transaction cannot take the migration lock while the first holds it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(migrations.sqlalchemy_url(postgres_url))
    try:
        with engine.begin() as first:
            migrations.lock(first, "mink_lock_probe")
            with engine.connect() as second:
                taken = second.execute(
                    text(
                        "SELECT pg_try_advisory_xact_lock(1835626091, hashtext('mink_lock_probe'))"
                    )
                ).scalar()
            assert taken is False
    finally:
        engine.dispose()
