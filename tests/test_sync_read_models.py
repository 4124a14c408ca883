"""The sync door for read models: blocking twins of every read-model repository."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from mink_runtime import EventRegistry, F, Query, StreamNotFoundError, sync

registry = EventRegistry()


@registry.event("sync.Noted")
@dataclass(frozen=True)
class Noted:
    text: str


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    stars: int = 0


def test_a_blocking_in_memory_repository_does_everything_the_async_one_does() -> None:
    """Insert, get, find, page, count, update, delete and clear, without an event loop."""
    notes = sync.InMemoryReadModelRepository(Note)
    notes.insert(Note("n1", "hello", 3))
    notes.upsert(Note("n2", "world", 5))
    assert notes.get("n1") == Note("n1", "hello", 3)
    assert [n.id for n in notes.find(Query().order_by("-stars"))] == ["n2", "n1"]
    page = notes.page(Query().limit(1))
    assert [n.id for n in page.items] == ["n1"]
    assert [n.id for n in notes.page(Query().limit(1).after(page.next_cursor)).items] == ["n2"]
    assert notes.count(Query().where(F("stars") > 4)) == 1
    assert notes.update("n1", stars=4) == Note("n1", "hello", 4)
    assert notes.delete("n2") is True
    notes.clear()
    assert notes.count() == 0
    assert notes.schema.id.name == "id"


def test_a_blocking_sqlite_repository_joins_a_blocking_transaction(tmp_path: Path) -> None:
    """In a sync store's transaction, a failing block rolls back the upsert with the append."""
    with sync.SQLiteEventStore.open(tmp_path / "app.db", migrate=True, registry=registry) as store:
        notes = sync.SQLiteReadModelRepository(store, Note, table="notes")
        notes.create_table(indexes=["stars"])
        assert any("CREATE INDEX" in statement for statement in notes.ddl(indexes=["stars"]))
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("note-1", [Noted("hi")])
            notes.upsert(Note("n1", "hi"))
            raise RuntimeError("roll back")
        assert notes.get("n1") is None
        with pytest.raises(StreamNotFoundError):
            store.read_stream("note-1")
        with store.transaction() as tx:
            tx.append("note-1", [Noted("hi")])
            notes.upsert(Note("n1", "hi"))
        assert notes.find() == [Note("n1", "hi")]
        notes.drop_table()


@pytest.mark.postgres
def test_a_blocking_postgres_repository_creates_writes_and_drops_its_table(
    postgres_url: str, clean_postgres: str
) -> None:
    """The PostgreSQL twin over a sync PostgresEventStore."""
    with sync.PostgresEventStore.connect(postgres_url, schema=clean_postgres) as store:
        notes = sync.PostgresReadModelRepository(store, Note, schema=clean_postgres)
        notes.create_table()
        notes.clear()
        notes.insert(Note("n1", "hello"))
        assert notes.find(Query().where(text="hello")) == [Note("n1", "hello")]
        assert notes.ddl()[1].startswith("CREATE TABLE IF NOT EXISTS")
        notes.drop_table()


@pytest.mark.redis
def test_a_blocking_redis_repository_connects_writes_and_closes(
    redis_url: str, redis_prefix: str
) -> None:
    """The Redis twin opens its own client and closes it."""
    prefix = f"{redis_prefix}_sync_{secrets.token_hex(2)}"
    with sync.RedisReadModelRepository.connect(redis_url, Note, prefix=prefix) as notes:
        notes.upsert(Note("n1", "hello"))
        assert notes.get("n1") == Note("n1", "hello")
        notes.clear()
