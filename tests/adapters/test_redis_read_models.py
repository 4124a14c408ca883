"""The Redis read-model repository against the shared contract, and what only Redis has."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from mink_runtime.adapters.redis import RedisReadModelRepository
from mink_runtime.domain import F, Query
from mink_runtime.errors import (
    ConfigurationError,
    ReadModelError,
    SerializationError,
    StoreUnavailableError,
)
from mink_runtime.ports import ReadModelRepository
from mink_runtime.testing import ReadModelRepositoryContract, RepositoryFactory

pytestmark = pytest.mark.redis

_tests = itertools.count(1)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client of the test Redis, closed after the test."""
    opened = aioredis.Redis.from_url(redis_url)
    yield opened
    await opened.aclose()


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    """A key prefix of this test's own."""
    return f"{redis_prefix}_{next(_tests)}"


class TestRedisReadModelRepository(ReadModelRepositoryContract):
    @pytest.fixture
    def make_repository(self, client: aioredis.Redis, prefix: str) -> RepositoryFactory:
        async def make(model: type[Any], *, id_field: str = "id") -> ReadModelRepository[Any]:
            return RedisReadModelRepository(client, model, prefix=prefix, id_field=id_field)

        return make


# --- what only Redis has --------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    stars: int = 0


async def test_a_model_is_a_json_document_under_a_hash_tagged_key(
    client: aioredis.Redis, prefix: str
) -> None:
    """Keys are {prefix}:{name}:<id> (one cluster slot per model) and a set of ids."""
    notes = RedisReadModelRepository(client, Note, prefix=prefix)
    await notes.insert(Note("n1", "hello", 3))
    assert notes.key_of("n1") == f"{prefix}:{{note}}:n1"
    assert orjson.loads(await client.get(notes.key_of("n1"))) == {
        "id": "n1",
        "text": "hello",
        "stars": 3,
    }
    assert await client.smembers(f"{prefix}:{{note}}") == {b"n1"}
    await notes.delete("n1")
    assert await client.exists(notes.key_of("n1"), f"{prefix}:{{note}}") == 0


async def test_queries_pinning_the_id_fetch_only_those_models(
    client: aioredis.Redis, prefix: str
) -> None:
    """id = x and id in [...] read those keys only; other conditions still apply."""
    notes = RedisReadModelRepository(client, Note, prefix=prefix, name="pinned")
    for i in range(5):
        await notes.insert(Note(f"n{i}", "x", i))
    await client.delete(f"{prefix}:{{pinned}}")  # forget the id set: only pinned reads still work
    assert await notes.find() == []
    query = Query().where(F("id").in_(["n1", "n3", "n9"]), F("stars") > 1)
    assert await notes.find(query) == [Note("n3", "x", 3)]
    assert await notes.count(Query().where(id="n4")) == 1


async def test_a_key_holding_another_type_is_a_read_model_error(
    client: aioredis.Redis, prefix: str
) -> None:
    """Another application's value under the prefix raises ReadModelError, not a redis error."""
    notes = RedisReadModelRepository(client, Note, prefix=prefix)
    await client.set(f"{prefix}:{{note}}", "not a set")
    with pytest.raises(ReadModelError, match="another type") as raised:
        await notes.find()
    assert isinstance(raised.value.__cause__, redis_errors.ResponseError)


async def test_a_value_that_is_not_json_is_a_serialization_error(
    client: aioredis.Redis, prefix: str
) -> None:
    """A document that is not JSON raises SerializationError naming the model."""
    notes = RedisReadModelRepository(client, Note, prefix=prefix)
    await client.set(notes.key_of("n1"), b"\x00garbage")
    with pytest.raises(SerializationError, match="Note"):
        await notes.get("n1")


async def test_connect_opens_and_close_closes_its_own_client(redis_url: str, prefix: str) -> None:
    """connect() pings the server; the repository closes the client it opened."""
    async with await RedisReadModelRepository.connect(redis_url, Note, prefix=prefix) as notes:
        await notes.upsert(Note("n1", "hi"))
        assert await notes.get("n1") == Note("n1", "hi")
        await notes.clear()


async def test_an_unreachable_server_is_reported_without_the_password() -> None:
    """A server that does not answer raises StoreUnavailableError; the password stays hidden."""
    with pytest.raises(StoreUnavailableError) as raised:
        await RedisReadModelRepository.connect("redis://:hunter2@127.0.0.1:1/0", Note, timeout=2)
    assert "hunter2" not in str(raised.value)
    assert "***" in str(raised.value)


@pytest.mark.parametrize(
    ("url", "options"),
    [("postgresql://localhost/db", {}), ("redis://localhost", {"prefix": "a{b}"})],
)
async def test_bad_urls_and_names_are_configuration_errors(
    url: str, options: dict[str, Any]
) -> None:
    """A URL of another database, or a prefix with braces, is refused before connecting."""
    with pytest.raises(ConfigurationError):
        if options:
            RedisReadModelRepository(aioredis.Redis(), Note, **options)
        else:
            await RedisReadModelRepository.connect(url, Note)
