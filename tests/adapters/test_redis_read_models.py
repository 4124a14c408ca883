"""The Redis read-model repository against the shared contract, and what only Redis has."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from mink_runtime.adapters.redis import RedisReadModelRepository
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
