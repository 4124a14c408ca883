"""Read-model SQL shared by the PostgreSQL and SQLite repositories.

`ReadModelSql` holds one table's statements (built once) and compiles a `QueryPlan` into one
SELECT (or COUNT): its filter, its ORDER BY with the id as the last key, LIMIT/OFFSET, and the
keyset condition of a cursor. A `Dialect` supplies what differs between the databases
(placeholders, null-safe equality, `like`, `contains`, `in`, collations, value adaptation).

Identifiers come from the model's checked field names and the checked table name, always
quoted; values are always bound parameters, never SQL text.

The keyset condition "after (k1, ..., kn)" is the usual row comparison when every key sorts the
same way and none can be NULL (`(k1, k2, id) > (?, ?, ?)`, which PostgreSQL answers with an index
range scan); otherwise it is spelled out: k1 after c1, or k1 = c1 and k2 after c2, and so on,
where None sorts after every value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from mink_runtime.domain import (
    FieldKind,
    Group,
    ModelField,
    ModelSchema,
    Op,
    Predicate,
    QueryPlan,
    SortKey,
)

__all__ = ["CREATE_HINT", "Dialect", "ReadModelSql", "quote"]

M = TypeVar("M")
Fragment = tuple[str, list[Any]]

CREATE_HINT = (
    "create it in one of your project's migrations (mink_runtime.migrations.read_model_table "
    "builds it from the dataclass), or with `await repository.create_table()`"
)
"""How to make a missing read-model table, for the error that says it is missing."""


def quote(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Dialect:
    """What differs between the SQL databases; subclasses fill it in."""

    param = "?"
    true = "1"
    false = "0"
    differs = "IS NOT"
    """Null-safe inequality."""
    no_limit = " LIMIT -1"
    """What stands for "no limit" before an OFFSET."""

    def encode(self, field: ModelField, value: Any) -> Any:
        """A checked value (never None) as the driver takes it."""
        raise NotImplementedError

    def decode_json(self, raw: Any) -> Any:
        """A JSON column's value as primitives."""
        raise NotImplementedError

    def comparable(self, field: ModelField) -> str:
        """The column as compared by order (ranges, ORDER BY, like)."""
        return quote(field.name)

    def equatable(self, field: ModelField) -> str:
        """The column as compared by equality (=, !=, in)."""
        return quote(field.name)

    def in_(self, field: ModelField, values: Sequence[Any], negate: bool) -> Fragment:
        raise NotImplementedError

    def like(self, field: ModelField, pattern: str) -> Fragment:
        raise NotImplementedError

    def contains(self, field: ModelField, value: Any) -> Fragment:
        raise NotImplementedError

    def row_values(self, keys: Sequence[SortKey]) -> bool:
        """Whether `(a, b) > (?, ?)` may stand for the keyset condition over these keys."""
        return (
            not any(key.field.nullable for key in keys)
            and len({key.descending for key in keys}) == 1
        )


class ReadModelSql(Generic[M]):
    """The statements of one read-model table."""

    def __init__(self, schema: ModelSchema[M], table: str, dialect: Dialect) -> None:
        """`table` is the quoted (and schema-qualified) table name."""
        self.schema = schema
        self.table = table
        self.dialect = dialect
        self.fields = list(schema.fields.values())
        self._json = [f.kind is FieldKind.JSON for f in self.fields]
        p = dialect.param
        names = ", ".join(quote(f.name) for f in self.fields)
        key = quote(schema.id.name)
        self.columns = names
        self.get = f"SELECT {names} FROM {table} WHERE {key} = {p}"
        values = ", ".join(p for _ in self.fields)
        self.insert = (
            f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({key}) DO NOTHING"
        )
        others = [quote(f.name) for f in self.fields if f is not schema.id]
        assignments = ", ".join(f"{n} = excluded.{n}" for n in others)
        action = f"DO UPDATE SET {assignments}" if others else "DO NOTHING"
        self.upsert = (
            f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({key}) {action}"
        )
        self.delete = f"DELETE FROM {table} WHERE {key} = {p}"
        self.clear = f"DELETE FROM {table}"
        self._updates: dict[tuple[str, ...], str] = {}

    # --- writing -------------------------------------------------------------------------

    def row_params(self, values: Mapping[str, Any]) -> list[Any]:
        """The parameters of `insert`/`upsert`: checked values in column order."""
        encode = self.dialect.encode
        return [None if (v := values[f.name]) is None else encode(f, v) for f in self.fields]

    def key_param(self, model_id: Any) -> Any:
        """A checked id as a parameter."""
        return self.dialect.encode(self.schema.id, model_id)

    def update(self, changes: Mapping[str, Any], model_id: Any) -> Fragment:
        """UPDATE ... RETURNING every column, for checked changes of the model `model_id`."""
        names = tuple(changes)
        sql = self._updates.get(names)
        p = self.dialect.param
        if sql is None:
            sets = ", ".join(f"{quote(n)} = {p}" for n in names) or (
                f"{quote(self.schema.id.name)} = {quote(self.schema.id.name)}"
            )
            sql = self._updates[names] = (
                f"UPDATE {self.table} SET {sets} WHERE {quote(self.schema.id.name)} = {p} "
                f"RETURNING {self.columns}"
            )
        fields = self.schema.fields
        encode = self.dialect.encode
        params = [None if v is None else encode(fields[n], v) for n, v in changes.items()]
        return sql, [*params, self.key_param(model_id)]

    # --- reading -------------------------------------------------------------------------

    def decode(self, row: Sequence[Any]) -> M:
        """A model from a row of `columns`.

        Raises:
            SerializationError: the row does not fit the model class.
        """
        values = {}
        decode_json = self.dialect.decode_json
        for field, is_json, value in zip(self.fields, self._json, row, strict=True):
            values[field.name] = decode_json(value) if is_json and value is not None else value
        return self.schema.from_row(values)

    def find(self, plan: QueryPlan[M], *, extra: int = 0) -> Fragment:
        """The SELECT of a plan; `extra` more rows than its limit (to see whether more follow)."""
        where, params = self._where(plan)
        order = ", ".join(self._order_term(key) for key in plan.order)
        sql = f"SELECT {self.columns} FROM {self.table}{where} ORDER BY {order}"
        p = self.dialect.param
        if plan.limit is not None:
            sql += f" LIMIT {p}"
            params.append(plan.limit + extra)
        if plan.offset:
            sql += (self.dialect.no_limit if plan.limit is None else "") + f" OFFSET {p}"
            params.append(plan.offset)
        return sql, params

    def count(self, plan: QueryPlan[M]) -> Fragment:
        """SELECT count(*) of a plan's filter."""
        where, params = self._filter(plan.where)
        where = f" WHERE {where}" if plan.where.members else ""
        return f"SELECT count(*) FROM {self.table}{where}", params

    def _where(self, plan: QueryPlan[M]) -> Fragment:
        parts: list[str] = []
        params: list[Any] = []
        if plan.where.members:
            sql, values = self._filter(plan.where)
            parts.append(sql)
            params += values
        if plan.after is not None:
            sql, values = self._keyset(plan.order, plan.after)
            parts.append(sql)
            params += values
        return (" WHERE " + " AND ".join(parts) if parts else ""), params

    def _order_term(self, key: SortKey) -> str:
        term = self.dialect.comparable(key.field) + (" DESC" if key.descending else " ASC")
        if key.field.nullable:  # None sorts after every value, as in the evaluator
            term += " NULLS FIRST" if key.descending else " NULLS LAST"
        return term

    # --- filters -------------------------------------------------------------------------

    def _filter(self, node: Predicate | Group) -> Fragment:
        if isinstance(node, Predicate):
            return self._predicate(node)
        if not node.members:
            return (self.dialect.false if node.any else self.dialect.true), []
        parts, params = [], []
        for member in node.members:
            sql, values = self._filter(member)
            parts.append(f"({sql})")
            params += values
        return (" OR " if node.any else " AND ").join(parts), params

    def _predicate(self, predicate: Predicate) -> Fragment:
        d = self.dialect
        field, op, value = predicate.field, predicate.op, predicate.value
        p, column = d.param, quote(field.name)
        if op is Op.IS_NULL:
            return f"{column} IS NULL", []
        if op is Op.IS_NOT_NULL:
            return f"{column} IS NOT NULL", []
        if op is Op.EQ:
            return f"{d.equatable(field)} = {p}", [d.encode(field, value)]
        if op is Op.NE:
            return f"{d.equatable(field)} {d.differs} {p}", [d.encode(field, value)]
        if op in (Op.IN, Op.NOT_IN):
            return d.in_(field, [d.encode(field, v) for v in value], op is Op.NOT_IN)
        if op is Op.BETWEEN:
            low, high = (d.encode(field, v) for v in value)
            return f"{d.comparable(field)} BETWEEN {p} AND {p}", [low, high]
        if op is Op.LIKE:
            return d.like(field, value)
        if op is Op.CONTAINS:
            return d.contains(field, value)
        return f"{d.comparable(field)} {op.value} {p}", [d.encode(field, value)]

    # --- keyset --------------------------------------------------------------------------

    def _keyset(self, order: Sequence[SortKey], anchor: Sequence[Any]) -> Fragment:
        d = self.dialect
        p = d.param
        encoded = [
            None if v is None else d.encode(k.field, v) for k, v in zip(order, anchor, strict=True)
        ]
        if d.row_values(order):
            columns = ", ".join(d.comparable(k.field) for k in order)
            marks = ", ".join(p for _ in order)
            sign = "<" if order[0].descending else ">"
            return f"({columns}) {sign} ({marks})", encoded
        alternatives, params = [], []
        for i, key in enumerate(order):
            after, after_params = self._after_key(key, encoded[i])
            if after == d.false:
                continue
            parts, values = [], []
            for earlier, value in zip(order[:i], encoded[:i], strict=True):
                if value is None:
                    parts.append(f"{quote(earlier.field.name)} IS NULL")
                else:
                    parts.append(f"{d.equatable(earlier.field)} = {p}")
                    values.append(value)
            parts.append(after)
            alternatives.append("(" + " AND ".join(parts) + ")")
            params += values + after_params
        if not alternatives:
            return d.false, []
        return "(" + " OR ".join(alternatives) + ")", params

    def _after_key(self, key: SortKey, value: Any) -> Fragment:
        """The condition "strictly after `value`" on one key (None sorts after every value)."""
        d = self.dialect
        column, comparable = quote(key.field.name), d.comparable(key.field)
        if value is None:
            return (f"{column} IS NOT NULL", []) if key.descending else (d.false, [])
        if key.descending:
            return f"{comparable} < {d.param}", [value]
        if key.field.nullable:
            return f"({comparable} > {d.param} OR {column} IS NULL)", [value]
        return f"{comparable} > {d.param}", [value]
