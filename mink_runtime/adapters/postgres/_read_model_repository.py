"""`PostgresReadModelRepository`: read models in a table of typed columns, through psycopg 3.

It uses the event store's connection pool, and joins the store's open transaction
(`store.transaction()`) when there is one in this context: a projection's read-model writes and
its checkpoint then commit together. Every operation is one statement: `insert` is
`INSERT ... ON CONFLICT DO NOTHING` (so a duplicate does not abort a surrounding transaction),
`upsert` is `INSERT ... ON CONFLICT DO UPDATE`, `update` is `UPDATE ... RETURNING`, a query is
one `SELECT` whose filter, order and keyset condition can use the table's indexes.

Text columns compare and sort under `COLLATE "C"` (code-point order, as in every other
backend); `read_model_table` declares them so, so that their indexes serve those queries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
import psycopg
from psycopg import AsyncConnection
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout, TooManyRequests

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._sql_read_models import CREATE_HINT, Dialect, ReadModelSql, quote
from mink_runtime.adapters.postgres._adapt import JsonBytes
from mink_runtime.domain import (
    Container,
    FieldKind,
    ModelField,
    ModelSchema,
    Page,
    Query,
    check_identifier,
    describe_model,
    plan_query,
    table_name,
    to_primitive,
)
from mink_runtime.errors import (
    DuplicateModelError,
    ModelNotFoundError,
    ReadModelError,
    ReadModelSchemaError,
    SerializationError,
    StoreUnavailableError,
)
from mink_runtime.migrations import read_model_table

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres._event_store import PostgresEventStore

__all__ = ["PostgresReadModelRepository"]

M = TypeVar("M")

_TYPES = {
    FieldKind.TEXT: "text",
    FieldKind.INTEGER: "bigint",
    FieldKind.FLOAT: "double precision",
    FieldKind.DECIMAL: "numeric",
    FieldKind.BOOLEAN: "boolean",
    FieldKind.DATETIME: "timestamptz",
    FieldKind.DATE: "date",
    FieldKind.UUID: "uuid",
}


class PostgresDialect(Dialect):
    """PostgreSQL's SQL for read models."""

    param = "%s"
    true = "TRUE"
    false = "FALSE"
    differs = "IS DISTINCT FROM"
    no_limit = ""

    def encode(self, field: ModelField, value: Any) -> Any:
        if field.enum is not None:
            return value.value
        if field.kind is FieldKind.JSON:
            return JsonBytes(orjson.dumps(to_primitive(value)))
        return value

    def decode_json(self, raw: Any) -> Any:
        return orjson.loads(raw) if isinstance(raw, bytes | str) else raw

    def comparable(self, field: ModelField) -> str:
        if field.kind is FieldKind.TEXT:
            return f'{quote(field.name)} COLLATE "C"'
        return quote(field.name)

    def in_(self, field: ModelField, values: Sequence[Any], negate: bool) -> tuple[str, list[Any]]:
        column = quote(field.name)
        test = f"{column} = ANY(%s::{_TYPES[field.kind]}[])"
        if negate:
            return f"({column} IS NULL OR NOT ({test}))", [list(values)]
        return test, [list(values)]

    def like(self, field: ModelField, pattern: str) -> tuple[str, list[Any]]:
        return f"{self.comparable(field)} LIKE %s", [pattern]

    def contains(self, field: ModelField, value: Any) -> tuple[str, list[Any]]:
        column = quote(field.name)
        if field.kind is FieldKind.TEXT:
            return f"strpos({column}, %s) > 0", [value]
        if field.container is Container.MAPPING:
            return f"{column} ? %s", [str(value)]
        return f"{column} @> %s", [JsonBytes(orjson.dumps([to_primitive(value)]))]


class PostgresReadModelRepository(Generic[M]):
    """Read models of one dataclass in a PostgreSQL table, over a `PostgresEventStore`'s pool.

    ```python
    orders = PostgresReadModelRepository(store, OrderSummary)              # table order_summary
    orders = PostgresReadModelRepository(store, OrderSummary, table="orders", schema="app")
    ```
    """

    def __init__(
        self,
        store: PostgresEventStore,
        model: type[M],
        *,
        table: str | None = None,
        schema: str | None = None,
        id_field: str = "id",
    ) -> None:
        """`table` defaults to the class name in snake case; `schema` to the connection's
        search path (usually `public`).

        Raises:
            ConfigurationError: `model` is not a read-model dataclass, or a name is not a plain
                identifier.
        """
        self._schema = describe_model(model, id_field=id_field)
        self.table = check_identifier(
            table if table is not None else table_name(model), "table name"
        )
        self.db_schema = None if schema is None else check_identifier(schema, "schema name")
        self._pool = store._pool
        self._where = f"{schema}.{self.table}" if schema else self.table
        qualified = (f"{quote(schema)}." if schema else "") + quote(self.table)
        self._sql = ReadModelSql(self._schema, qualified, PostgresDialect())

    @property
    def schema(self) -> ModelSchema[M]:
        return self._schema

    # --- the table -----------------------------------------------------------------------

    def ddl(self, *, indexes: Iterable[str | Sequence[str]] = ()) -> list[str]:
        """The statements that create this repository's table (and the indexes named).

        Raises:
            ConfigurationError: an index names an unknown field.
        """
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
        from sqlalchemy.schema import CreateIndex, CreateTable

        table = read_model_table(
            self._schema.model,
            name=self.table,
            schema=self.db_schema,
            id_field=self._schema.id.name,
            indexes=indexes,
        )
        dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]
        statements = (
            [f"CREATE SCHEMA IF NOT EXISTS {quote(self.db_schema)}"] if self.db_schema else []
        )
        statements.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))
        return [s.strip() for s in statements]

    async def create_table(self, *, indexes: Iterable[str | Sequence[str]] = ()) -> None:
        """Create the table (and indexes) if missing: for tests and quick starts; in production
        create it in a migration (`mink_runtime.migrations.read_model_table`).

        Raises:
            ConfigurationError: an index names an unknown field.
            StoreUnavailableError: the database cannot be reached.
        """
        for statement in self.ddl(indexes=indexes):
            await self._execute(statement, [])

    async def drop_table(self) -> None:
        """Drop the table, if it exists."""
        qualified = self._sql.table
        await self._execute(f"DROP TABLE IF EXISTS {qualified}", [])

    # --- reading -------------------------------------------------------------------------

    async def get(self, model_id: Any) -> M | None:
        key = self._sql.key_param(self._schema.key(model_id))
        row = await self._fetch_one(self._sql.get, [key])
        return None if row is None else self._sql.decode(row)

    async def find(self, query: Query | None = None) -> list[M]:
        sql, params = self._sql.find(plan_query(query, self._schema))
        decode = self._sql.decode
        return [decode(row) for row in await self._fetch_all(sql, params)]

    async def page(self, query: Query) -> Page[M]:
        plan = plan_query(query, self._schema, paging=True)
        sql, params = self._sql.find(plan, extra=1)
        decode = self._sql.decode
        return plan.page([decode(row) for row in await self._fetch_all(sql, params)])

    async def count(self, query: Query | None = None) -> int:
        sql, params = self._sql.count(plan_query(query, self._schema))
        row = await self._fetch_one(sql, params)
        assert row is not None
        return int(row[0])

    # --- writing -------------------------------------------------------------------------

    async def insert(self, model: M) -> None:
        values = self._schema.values(model)
        if not await self._execute(self._sql.insert, self._sql.row_params(values)):
            raise DuplicateModelError(self._schema.name, values[self._schema.id.name])

    async def upsert(self, model: M) -> None:
        values = self._schema.values(model)
        await self._execute(self._sql.upsert, self._sql.row_params(values))

    async def upsert_many(self, models: Sequence[M]) -> None:
        """Store several models at once (one pipelined statement each, one round trip), each
        replacing the one with the same id; for batches of a projection.

        Raises:
            SerializationError: a value does not fit its field.
        """
        rows = [self._sql.row_params(self._schema.values(model)) for model in models]
        if not rows:
            return
        async with self._connection() as connection, connection.cursor() as cursor:
            await cursor.executemany(self._sql.upsert, rows)

    async def update(self, model_id: Any, **changes: Any) -> M:
        key = self._schema.key(model_id)
        sql, params = self._sql.update(self._schema.changes(changes), key)
        row = await self._fetch_one(sql, params)
        if row is None:
            raise ModelNotFoundError(self._schema.name, key)
        return self._sql.decode(row)

    async def delete(self, model_id: Any) -> bool:
        key = self._sql.key_param(self._schema.key(model_id))
        return bool(await self._execute(self._sql.delete, [key]))

    async def clear(self) -> None:
        await self._execute(self._sql.clear, [])

    # --- the connection ------------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        with self._translating():
            transaction = ambient(self._pool)
            if transaction is not None:
                yield transaction.connection
                return
            async with self._pool.connection() as connection:
                yield connection

    async def _fetch_one(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        async with self._connection() as connection:
            cursor = await connection.execute(sql, params)
            return await cursor.fetchone()

    async def _fetch_all(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        async with self._connection() as connection:
            cursor = await connection.execute(sql, params)
            return await cursor.fetchall()

    async def _execute(self, sql: str, params: list[Any]) -> int:
        async with self._connection() as connection:
            cursor = await connection.execute(sql, params)
            return cursor.rowcount

    @contextmanager
    def _translating(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            raise _translate(error, self._where) from error
        except (PoolTimeout, TooManyRequests) as error:
            raise StoreUnavailableError(
                f"no PostgreSQL connection became free in time ({error}); the pool may be too "
                "small for the load, or the server is unreachable"
            ) from error


def _translate(error: psycopg.Error, table: str) -> Exception:
    code = error.sqlstate or ""
    message = error.diag.message_primary or str(error)
    if code in ("42P01", "3F000"):  # undefined table / schema
        return ReadModelSchemaError(f"the read-model table {table} does not exist: {CREATE_HINT}")
    if code == "42703":  # undefined column
        return ReadModelSchemaError(
            f"the table {table} lacks a column of the model ({message}); add it in a migration"
        )
    if code == "42P10":  # no unique constraint for ON CONFLICT
        return ReadModelSchemaError(
            f"the table {table} has no primary key on the id column, which insert and upsert "
            f"need ({message})"
        )
    if code in ("42804", "42883"):  # datatype mismatch / no such operator for the column's type
        return ReadModelSchemaError(
            f"the columns of {table} do not have the types the model needs ({message}); compare "
            "them with mink_runtime.migrations.read_model_table"
        )
    if code.startswith("22"):  # data exception: a value the column cannot hold
        return SerializationError(f"PostgreSQL refused a value for {table}: {message}")
    if isinstance(error, psycopg.OperationalError | pg_errors.AdminShutdown):
        return StoreUnavailableError(f"PostgreSQL is unavailable: {error}")
    return ReadModelError(f"PostgreSQL error {code} on the table {table}: {message}".strip())
