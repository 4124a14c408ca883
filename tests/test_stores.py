"""`open_store`: the event store a database URL names."""

from __future__ import annotations

from pathlib import Path

import pytest

from mink_runtime import (
    ConfigurationError,
    SchemaNotReadyError,
    SQLiteEventStore,
    StoreUnavailableError,
    open_store,
)


async def test_a_sqlite_url_opens_a_sqlite_store(tmp_path: Path) -> None:
    """sqlite:///path opens (and with migrate=True creates) a SQLite store in that file."""
    store = await open_store(f"sqlite:///{tmp_path / 'app.db'}", migrate=True)
    async with store:
        assert isinstance(store, SQLiteEventStore)
        assert store.path == str(tmp_path / "app.db")


async def test_sqlite_without_a_path_is_in_memory() -> None:
    """sqlite:// is a fresh in-memory store."""
    store = await open_store("sqlite://", migrate=True)
    async with store:
        assert await store.event_types() == []


async def test_an_unmigrated_sqlite_file_names_the_fix(tmp_path: Path) -> None:
    """Without migrate=True a fresh file is refused with `mink migrate up` named."""
    with pytest.raises(SchemaNotReadyError, match="mink migrate up"):
        await open_store(f"sqlite:///{tmp_path / 'new.db'}")


@pytest.mark.parametrize("url", ["mysql://localhost/app", "app.db", "redis://h/0"])
async def test_urls_of_other_databases_are_refused(url: str) -> None:
    """Only postgresql:// and sqlite:// URLs name a store."""
    with pytest.raises(ConfigurationError):
        await open_store(url)


@pytest.mark.postgres
async def test_a_postgres_url_opens_a_postgres_store(
    postgres_url: str, clean_postgres: str
) -> None:
    """postgresql:// connects a PostgresEventStore to the schema asked for."""
    from mink_runtime.adapters.postgres import PostgresEventStore

    store = await open_store(postgres_url, schema=clean_postgres)
    async with store:
        assert isinstance(store, PostgresEventStore)
        assert store.schema == clean_postgres


async def test_an_unreachable_postgres_is_unavailable_without_the_password() -> None:
    """A server that does not answer is StoreUnavailableError; the password is never shown."""
    with pytest.raises(StoreUnavailableError) as raised:
        await open_store("postgresql://u:pw-secret@127.0.0.1:1/x", timeout=1.0)
    assert "pw-secret" not in str(raised.value)


async def test_read_model_repository_for_follows_the_stores_backend(tmp_path: Path) -> None:
    """A SQLite store gets a SQLite repository, an in-memory store an in-memory one."""
    from dataclasses import dataclass

    from mink_runtime import InMemoryEventStore, InMemoryReadModelRepository
    from mink_runtime.adapters.sqlite import SQLiteReadModelRepository
    from mink_runtime.stores import read_model_repository_for

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Total:
        id: str
        amount: int

    assert isinstance(
        read_model_repository_for(InMemoryEventStore(), Total), InMemoryReadModelRepository
    )
    store = await open_store(f"sqlite:///{tmp_path / 'app.db'}", migrate=True)
    async with store:
        repository = read_model_repository_for(store, Total, table="totals")
        assert isinstance(repository, SQLiteReadModelRepository)
        assert repository.table == "totals"
    with pytest.raises(ConfigurationError, match="no read-model repository for a object"):
        read_model_repository_for(object(), Total)  # type: ignore[arg-type]
