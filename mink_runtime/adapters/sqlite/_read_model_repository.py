"""`SQLiteReadModelRepository`: read models in a table of typed columns, in the event store's
SQLite database.

It shares the store's connections and their rules (ADR 0003): statements run on the event loop,
writes queue on the store's writer lock, reads use the reader connection and see committed data.
Inside `store.transaction()` it joins the block: writes land in the block's transaction, and
reads go through it too, so the block sees its own writes. `insert` is `INSERT ... ON CONFLICT DO
NOTHING`, `upsert` `INSERT ... ON CONFLICT DO UPDATE`, `update` `UPDATE ... RETURNING`; a query is
one `SELECT`.

SQLite has no decimal type: decimals are stored as their exact text and compared as numbers
through the `mink_decimal` collation this repository registers on the store's connections (so
those comparisons cannot use an index; every other kind can). `like` runs as `GLOB`, which is
case-sensitive, as `like` is in every backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters._sql_read_models import CREATE_HINT, Dialect, ReadModelSql, quote
from mink_runtime.adapters.sqlite._errors import is_busy
from mink_runtime.domain import (
    Container,
    FieldKind,
    ModelField,
    ModelSchema,
    Page,
    Query,
    SortKey,
    check_identifier,
    describe_model,
    like_parts,
    plan_query,
    table_name,
    to_primitive,
)
from mink_runtime.errors import (
    DuplicateModelError,
    ModelNotFoundError,
    ReadModelError,
    ReadModelSchemaError,
    StoreUnavailableError,
)
from mink_runtime.migrations import read_model_table

if TYPE_CHECKING:
    from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
    from mink_runtime.adapters.sqlite._event_store import SQLiteEventStore

__all__ = ["SQLiteReadModelRepository"]

M = TypeVar("M")
T = TypeVar("T")
DECIMAL_COLLATION = "mink_decimal"


class SQLiteDialect(Dialect):
    """SQLite's SQL for read models."""

    def __init__(self, schema: ModelSchema[Any]) -> None:
        self._schema = schema

    def encode(self, field: ModelField, value: Any) -> Any:
        if field.kind is FieldKind.JSON:
            return orjson.dumps(to_primitive(value)).decode()
        return self._schema.primitive(field, value)

    def decode_json(self, raw: Any) -> Any:
        return orjson.loads(raw)

    def comparable(self, field: ModelField) -> str:
        if field.kind is FieldKind.DECIMAL:
            return f"{quote(field.name)} COLLATE {DECIMAL_COLLATION}"
        return quote(field.name)

    equatable = comparable

    def in_(self, field: ModelField, values: Sequence[Any], negate: bool) -> tuple[str, list[Any]]:
        if not values:
            return (self.true if negate else self.false), []
        marks = ", ".join("?" for _ in values)
        if negate:
            column = quote(field.name)
            return f"({column} IS NULL OR {self.equatable(field)} NOT IN ({marks}))", list(values)
        return f"{self.equatable(field)} IN ({marks})", list(values)

    def like(self, field: ModelField, pattern: str) -> tuple[str, list[Any]]:
        return f"{quote(field.name)} GLOB ?", [_glob(pattern)]

    def contains(self, field: ModelField, value: Any) -> tuple[str, list[Any]]:
        column = quote(field.name)
        if field.kind is FieldKind.TEXT:
            return f"instr({column}, ?) > 0", [value]
        if field.container is Container.MAPPING:
            test, value = "json_each.key = ?", str(value)
        else:
            test, value = "json_each.value = ?", to_primitive(value)
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE {test})", [value]

    def row_values(self, keys: Sequence[SortKey]) -> bool:
        return super().row_values(keys) and all(k.field.kind is not FieldKind.DECIMAL for k in keys)


def _glob(pattern: str) -> str:
    """A `like` pattern as a GLOB pattern (GLOB's own wildcards made literal)."""
    out = []
    for part in like_parts(pattern):
        if part == "%":
            out.append("*")
        elif part == "_":
            out.append("?")
        else:
            char = part[1:]
            out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


def _decimal_order(a: str, b: str) -> int:
    try:
        x, y = Decimal(a), Decimal(b)
    except InvalidOperation:  # not decimal text (written by something else): compare as text
        return (a > b) - (a < b)
    return int(x > y) - int(x < y)


class SQLiteReadModelRepository(Generic[M]):
    """Read models of one dataclass in a table of a `SQLiteEventStore`'s database.

    ```python
    orders = SQLiteReadModelRepository(store, OrderSummary)          # table order_summary
    ```
    """

    def __init__(
        self,
        store: SQLiteEventStore,
        model: type[M],
        *,
        table: str | None = None,
        id_field: str = "id",
    ) -> None:
        """`table` defaults to the class name in snake case.

        Raises:
            ConfigurationError: `model` is not a read-model dataclass, or `table` is not a plain
                identifier.
        """
        self._schema = describe_model(model, id_field=id_field)
        self.table = check_identifier(
            table if table is not None else table_name(model), "table name"
        )
        self._db: SQLiteDatabase = store._db
        self._sql = ReadModelSql(self._schema, quote(self.table), SQLiteDialect(self._schema))
        for connection in {id(c): c for c in (self._db.writer, self._db.reader)}.values():
            connection.create_collation(DECIMAL_COLLATION, _decimal_order)

    @property
    def schema(self) -> ModelSchema[M]:
        return self._schema

    # --- the table -----------------------------------------------------------------------

    def ddl(self, *, indexes: Iterable[str | Sequence[str]] = ()) -> list[str]:
        """The statements that create this repository's table (and the indexes named).

        Raises:
            ConfigurationError: an index names an unknown field.
        """
        from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
        from sqlalchemy.schema import CreateIndex, CreateTable

        table = read_model_table(
            self._schema.model, name=self.table, id_field=self._schema.id.name, indexes=indexes
        )
        dialect = SQLiteDialect_pysqlite()
        statements = [str(CreateTable(table, if_not_exists=True).compile(dialect=dialect))]
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))
        return [s.strip() for s in statements]

    async def create_table(self, *, indexes: Iterable[str | Sequence[str]] = ()) -> None:
        """Create the table (and indexes) if missing: for tests and quick starts; in production
        create it in a migration (`mink_runtime.migrations.read_model_table`).

        Raises:
            ConfigurationError: an index names an unknown field.
        """
        statements = self.ddl(indexes=indexes)

        def create(connection: sqlite3.Connection) -> None:
            for statement in statements:
                connection.execute(statement)

        await self._write(create)

    async def drop_table(self) -> None:
        """Drop the table, if it exists."""
        sql = f"DROP TABLE IF EXISTS {quote(self.table)}"
        await self._write(lambda connection: connection.execute(sql))

    # --- reading -------------------------------------------------------------------------

    async def get(self, model_id: Any) -> M | None:
        sql, key = self._sql.get, [self._sql.key_param(self._schema.key(model_id))]
        row = await self._read(lambda connection: connection.execute(sql, key).fetchone())
        return None if row is None else self._sql.decode(row)

    async def find(self, query: Query | None = None) -> list[M]:
        sql, params = self._sql.find(plan_query(query, self._schema))
        rows = await self._read(lambda connection: connection.execute(sql, params).fetchall())
        return [self._sql.decode(row) for row in rows]

    async def page(self, query: Query) -> Page[M]:
        plan = plan_query(query, self._schema, paging=True)
        sql, params = self._sql.find(plan, extra=1)
        rows = await self._read(lambda connection: connection.execute(sql, params).fetchall())
        return plan.page([self._sql.decode(row) for row in rows])

    async def count(self, query: Query | None = None) -> int:
        sql, params = self._sql.count(plan_query(query, self._schema))
        row = await self._read(lambda connection: connection.execute(sql, params).fetchone())
        return int(row[0])

    # --- writing -------------------------------------------------------------------------

    async def insert(self, model: M) -> None:
        values = self._schema.values(model)
        sql, params = self._sql.insert, self._sql.row_params(values)
        if not await self._write(lambda connection: connection.execute(sql, params).rowcount):
            raise DuplicateModelError(self._schema.name, values[self._schema.id.name])

    async def upsert(self, model: M) -> None:
        sql, params = self._sql.upsert, self._sql.row_params(self._schema.values(model))
        await self._write(lambda connection: connection.execute(sql, params))

    async def update(self, model_id: Any, **changes: Any) -> M:
        key = self._schema.key(model_id)
        sql, params = self._sql.update(self._schema.changes(changes), key)
        rows = await self._write(lambda connection: connection.execute(sql, params).fetchall())
        if not rows:
            raise ModelNotFoundError(self._schema.name, key)
        return self._sql.decode(rows[0])

    async def delete(self, model_id: Any) -> bool:
        sql, key = self._sql.delete, [self._sql.key_param(self._schema.key(model_id))]
        return bool(await self._write(lambda connection: connection.execute(sql, key).rowcount))

    async def clear(self) -> None:
        sql = self._sql.clear
        await self._write(lambda connection: connection.execute(sql))

    # --- the connections -----------------------------------------------------------------

    async def _read(self, action: Callable[[sqlite3.Connection], T]) -> T:
        guarded = self._guard(action)
        transaction = ambient(self._db)
        if transaction is not None:  # see the block's own writes
            return await transaction.run(guarded)  # type: ignore[no-any-return]
        return await self._db.read(guarded)

    async def _write(self, action: Callable[[sqlite3.Connection], T]) -> T:
        return await self._db.write(self._guard(action), join=True)

    def _guard(
        self, action: Callable[[sqlite3.Connection], T]
    ) -> Callable[[sqlite3.Connection], T]:
        table, path = self.table, self._db.path

        def run(connection: sqlite3.Connection) -> T:
            try:
                return action(connection)
            except sqlite3.Error as error:
                if is_busy(error):  # the store waits it out, then reports it
                    raise
                raise _translate(error, table, path) from error

        return run


def _translate(error: sqlite3.Error, table: str, path: str) -> Exception:
    message = str(error)
    if "no such table" in message:
        return ReadModelSchemaError(
            f"the read-model table {table} does not exist in {path}: {CREATE_HINT}"
        )
    if "no such column" in message or "has no column" in message:
        return ReadModelSchemaError(
            f"the table {table} in {path} lacks a column of the model ({message}); add it in a "
            "migration"
        )
    if "ON CONFLICT clause does not match" in message:
        return ReadModelSchemaError(
            f"the table {table} in {path} has no primary key on the id column, which insert and "
            "upsert need"
        )
    if isinstance(error, sqlite3.ProgrammingError) and "closed" in message:
        return ReadModelError(f"the store over {path} is closed")
    if isinstance(error, sqlite3.OperationalError) and "unable to open" in message:
        return StoreUnavailableError(f"cannot use the SQLite database {path}: {message}")
    return ReadModelError(f"SQLite error on the table {table} in {path}: {message}")
