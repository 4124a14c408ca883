"""`RedisReadModelRepository`: read models in Redis, one JSON document per model.

Keys: `{prefix}:{<name>}:<id>` holds a model as JSON (the row form every backend shares:
datetimes as UTC text, decimals as text, enums by value), and the set `{prefix}:{<name>}` holds
the ids. The braces are a Redis Cluster hash tag: all keys of one model live in one slot, so the
multi-key transactions below work on a cluster too.

Writes are atomic per call: `insert` and `upsert` are one MULTI (SET [NX] + SADD), `delete` one
MULTI (DEL + SREM), `update` a WATCH/MULTI read-modify-write retried when another client
changed the model meanwhile. Redis has no transaction to join: writes take effect at once, so a
projection writing here is at-least-once (its upserts repeat harmlessly).

Queries run in Python (the same evaluator as the memory backend): the ids are read, the models
fetched with MGET in batches and filtered, sorted and paged here. That is fine for the sizes
Redis read models have (thousands, not millions); a query whose filter pins the id (`id = x`,
`id in [...]`) fetches only those models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Self, TypeVar

import orjson
import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from mink_runtime.domain import (
    Group,
    ModelSchema,
    Op,
    Page,
    Predicate,
    Query,
    QueryPlan,
    count_matching,
    describe_model,
    plan_query,
    run_plan,
    table_name,
)
from mink_runtime.errors import (
    ConfigurationError,
    DuplicateModelError,
    ModelNotFoundError,
    ReadModelError,
    SerializationError,
    StoreUnavailableError,
)
from mink_runtime.urls import redact_url

__all__ = ["RedisReadModelRepository"]

M = TypeVar("M")
_BATCH = 500
_UPDATE_ATTEMPTS = 50


class RedisReadModelRepository(Generic[M]):
    """Read models of one dataclass in Redis.

    ```python
    orders = await RedisReadModelRepository.connect("redis://localhost:6379/0", OrderSummary)
    orders = RedisReadModelRepository(client, OrderSummary, prefix="shop")  # your client
    ```
    """

    def __init__(
        self,
        client: aioredis.Redis,
        model: type[M],
        *,
        prefix: str = "mink",
        name: str | None = None,
        id_field: str = "id",
    ) -> None:
        """Use an open `redis.asyncio.Redis` client (closing it stays yours). `name` defaults
        to the class name in snake case.

        Raises:
            ConfigurationError: `model` is not a read-model dataclass, or `prefix` or `name`
                is empty or holds braces.
        """
        self._schema = describe_model(model, id_field=id_field)
        name = name if name is not None else table_name(model)
        for value, what in ((prefix, "prefix"), (name, "name")):
            if not isinstance(value, str) or not value or "{" in value or "}" in value:
                raise ConfigurationError(
                    f"the Redis key {what} must be non-empty text without braces, got {value!r}"
                )
        self.prefix = prefix
        self.name = name
        self._client = client
        self._owns_client = False
        self._ids = f"{prefix}:{{{name}}}"
        self._item = self._ids + ":"

    @classmethod
    async def connect(
        cls, url: str, model: type[M], *, timeout: float = 10.0, **options: Any
    ) -> Self:
        """Connect to `url` (`redis://[:password@]host:6379/0`, `rediss://` for TLS); the
        repository closes the client in `close()`. `options` go to the constructor.

        Raises:
            StoreUnavailableError: the server cannot be reached within `timeout` seconds.
            ConfigurationError: the URL is not a Redis URL, or a bad option.
        """
        if not isinstance(url, str) or url.partition("://")[0] not in ("redis", "rediss", "unix"):
            raise ConfigurationError(
                f"{redact_url(str(url))!r} is not a Redis URL; write redis://host:6379/0"
            )
        client = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        try:
            await client.ping()
        except redis_errors.RedisError as error:
            await client.aclose()
            raise StoreUnavailableError(
                f"cannot connect to Redis at {redact_url(url)} within {timeout:g} s ({error}); "
                "is the server running and the URL right?"
            ) from error
        repository = cls(client, model, **options)
        repository._owns_client = True
        return repository

    async def close(self) -> None:
        """Close the client, if `connect` opened it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def schema(self) -> ModelSchema[M]:
        return self._schema

    def key_of(self, model_id: Any) -> str:
        """The Redis key that holds the model with this id.

        Raises:
            QueryError: the id is not of the id field's type.
        """
        return self._item + str(self._schema.key(model_id))

    # --- reading -------------------------------------------------------------------------

    async def get(self, model_id: Any) -> M | None:
        key = self.key_of(model_id)
        with _translating():
            raw = await self._client.get(key)
        return None if raw is None else self._decode(raw)

    async def find(self, query: Query | None = None) -> list[M]:
        plan = plan_query(query, self._schema)
        return run_plan(plan, [m async for m in self._candidates(plan)])

    async def page(self, query: Query) -> Page[M]:
        plan = plan_query(query, self._schema, paging=True)
        assert plan.limit is not None
        more = dataclasses.replace(plan, limit=plan.limit + 1)
        return plan.page(run_plan(more, [m async for m in self._candidates(plan)]))

    async def count(self, query: Query | None = None) -> int:
        plan = plan_query(query, self._schema)
        if not plan.where.members:
            with _translating():
                return int(await self._client.scard(self._ids))
        return count_matching(plan, [m async for m in self._candidates(plan)])

    async def _candidates(self, plan: QueryPlan[M]) -> AsyncIterator[M]:
        """The models the plan could match: those its filter pins by id, or all of them."""
        ids = _pinned_ids(plan)
        with _translating():
            if ids is None:
                members = await self._client.smembers(self._ids)
                keys = [self._item + _text(member) for member in members]
            else:
                keys = [self._item + str(model_id) for model_id in ids]
            for start in range(0, len(keys), _BATCH):
                for raw in await self._client.mget(keys[start : start + _BATCH]):
                    if raw is not None:
                        yield self._decode(raw)

    # --- writing -------------------------------------------------------------------------

    async def insert(self, model: M) -> None:
        model_id, document = self._encode(model)
        with _translating():
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(self._item + str(model_id), document, nx=True)
                pipe.sadd(self._ids, str(model_id))
                stored, _ = await pipe.execute()
        if not stored:
            raise DuplicateModelError(self._schema.name, model_id)

    async def upsert(self, model: M) -> None:
        model_id, document = self._encode(model)
        with _translating():
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(self._item + str(model_id), document)
                pipe.sadd(self._ids, str(model_id))
                await pipe.execute()

    async def update(self, model_id: Any, **changes: Any) -> M:
        schema = self._schema
        key = schema.key(model_id)
        checked = schema.changes(changes)
        item = self._item + str(key)
        with _translating():
            async with self._client.pipeline(transaction=True) as pipe:
                for _ in range(_UPDATE_ATTEMPTS):
                    try:
                        await pipe.watch(item)
                        raw = await pipe.get(item)
                        if raw is None:
                            raise ModelNotFoundError(schema.name, key)
                        updated = dataclasses.replace(self._decode(raw), **checked)  # type: ignore[type-var]
                        _, document = self._encode(updated)
                        pipe.multi()  # type: ignore[no-untyped-call]
                        pipe.set(item, document)
                        await pipe.execute()
                        return self._decode(document)
                    except redis_errors.WatchError:
                        continue  # another client changed the model meanwhile: read it again
                    finally:
                        await pipe.reset()  # type: ignore[no-untyped-call]
        raise ReadModelError(
            f"updating {schema.name} {key!r} lost to concurrent writers {_UPDATE_ATTEMPTS} times "
            "in a row; try again"
        )

    async def delete(self, model_id: Any) -> bool:
        key = self._schema.key(model_id)
        with _translating():
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.delete(self._item + str(key))
                pipe.srem(self._ids, str(key))
                deleted, _ = await pipe.execute()
        return bool(deleted)

    async def clear(self) -> None:
        with _translating():
            batch: list[str] = []
            async for member in self._client.sscan_iter(self._ids, count=_BATCH):
                batch.append(_text(member))
                if len(batch) >= _BATCH:
                    await self._remove(batch)
                    batch = []
            if batch:
                await self._remove(batch)

    async def _remove(self, ids: Sequence[str]) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(*(self._item + i for i in ids))
            pipe.srem(self._ids, *ids)
            await pipe.execute()

    # --- documents -----------------------------------------------------------------------

    def _encode(self, model: M) -> tuple[Any, bytes]:
        schema = self._schema
        values = schema.values(model)
        try:
            return values[schema.id.name], orjson.dumps(schema.to_row(values))
        except TypeError as error:
            raise SerializationError(
                f"a {schema.name} has a value with no JSON form: {error}"
            ) from error

    def _decode(self, raw: bytes | str) -> M:
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise SerializationError(
                f"a stored {self._schema.name} under {self._ids} is not JSON; is another "
                "application using the same key prefix?"
            ) from error
        return self._schema.from_row(row)


def _pinned_ids(plan: QueryPlan[Any]) -> list[Any] | None:
    """The ids a filter allows at most, when an AND-ed condition pins the id (else None)."""
    id_field = plan.schema.id
    for member in _and_members(plan.where):
        if member.field is id_field:
            if member.op is Op.EQ:
                return [member.value]
            if member.op is Op.IN:
                return list(dict.fromkeys(member.value))
    return None


def _and_members(group: Group) -> Iterator[Predicate]:
    if group.any:
        return
    for member in group.members:
        if isinstance(member, Group):
            yield from _and_members(member)
        else:
            yield member


def _text(member: bytes | str) -> str:
    return member.decode() if isinstance(member, bytes) else member


@contextmanager
def _translating() -> Iterator[None]:
    """redis errors become mink errors here, with the original chained."""
    try:
        yield
    except (redis_errors.ConnectionError, redis_errors.TimeoutError) as error:
        raise StoreUnavailableError(f"Redis is unavailable: {error}") from error
    except redis_errors.ResponseError as error:
        if str(error).startswith("WRONGTYPE"):
            raise ReadModelError(
                f"a Redis key of this repository holds another type of value ({error}); is "
                "another application using the same key prefix?"
            ) from error
        raise ReadModelError(f"Redis refused a command: {error}") from error
    except redis_errors.RedisError as error:
        raise ReadModelError(f"Redis error: {error}") from error
