"""Checking a `Query` against a model: the `QueryPlan` every backend executes.

`plan_query(query, schema)` resolves each field name, checks that the operator fits the field's
kind and coerces each value to the field's type; anything wrong raises `QueryError` naming the
model and the field (and the closest field name, for a typo). The plan is what the SQL compiler,
the Redis adapter and the in-Python evaluator work from, so they all refuse and accept the same
queries.

What each operator accepts:

| operator | fields |
|---|---|
| `=` `!=` `in` `not in` | every kind but JSON; `= None` means `is null` |
| `<` `<=` `>` `>=` `between` | every kind but JSON (enums compare by value) |
| `like` | text (not enums) |
| `contains` | text (a substring); a list, tuple or set of str, int, float, bool, UUID or |
| | date (an element); a dict with str or int keys (a key) |
| `is null` `is not null` | every field |

Keyset cursors are opaque text: the model's name and the ordering (as a short digest, so a
cursor cannot be used with another query's ordering) and the sort-key values of the last model
of a page, then its id.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import hashlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson

from mink_runtime.domain._field_values import FieldKind, MismatchError
from mink_runtime.domain._query import AllOf, AnyOf, Condition, Filter, Op, Page, Query
from mink_runtime.domain._read_models import Container, ModelField, ModelSchema
from mink_runtime.errors import QueryError, SerializationError

__all__ = ["Group", "Predicate", "QueryPlan", "SortKey", "plan_query"]

M = TypeVar("M")

_ORDERED = frozenset(FieldKind) - {FieldKind.JSON}
_CURSOR_VERSION = 1


@dataclass(frozen=True, slots=True, eq=False)
class Predicate:
    """One checked condition. `value` is coerced to the field's type: a tuple for `in` and
    `not in`, a (low, high) pair for `between`, the element or key for `contains`."""

    field: ModelField
    op: Op
    value: Any = None


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """Checked conditions joined by AND (`any` false) or OR (`any` true)."""

    members: tuple[Predicate | Group, ...]
    any: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class SortKey:
    """One key of the total order: a field and its direction."""

    field: ModelField
    descending: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class QueryPlan(Generic[M]):
    """A query checked against a model, ready to run."""

    schema: ModelSchema[M]
    where: Group
    """The filter (an AND group; empty when there is none)."""
    order: tuple[SortKey, ...]
    """The sort keys; the last one is always the id, so the order is total."""
    limit: int | None
    offset: int
    after: tuple[Any, ...] | None
    """The sort-key values of the model to continue after (one per key), or None."""

    def cursor_for(self, model: M) -> str:
        """The cursor that continues after `model` in this ordering."""
        schema = self.schema
        values = [schema.primitive(key.field, getattr(model, key.field.name)) for key in self.order]
        payload = orjson.dumps([_CURSOR_VERSION, _digest(schema, self.order), values])
        return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()

    def page(self, fetched: list[M]) -> Page[M]:
        """The page out of up to `limit + 1` models fetched for it (one more than the page
        holds tells whether another page follows)."""
        assert self.limit is not None
        if len(fetched) <= self.limit:
            return Page(items=fetched)
        items = fetched[: self.limit]
        cursor = self.cursor_for(items[-1]) if items else None
        return Page(items=items, next_cursor=cursor)


def plan_query(
    query: Query | None, schema: ModelSchema[M], *, paging: bool = False
) -> QueryPlan[M]:
    """Check `query` against `schema` (None finds everything); with `paging`, the plan is for
    `page()`, which needs a limit.

    Raises:
        QueryError: an unknown field, an operator or value that does not fit its field, a bad
            ordering, both an offset and a cursor, a cursor of another query, or (with
            `paging`) no limit.
    """
    query = query if query is not None else Query()
    if query.row_offset and query.cursor is not None:
        raise QueryError(
            "a query takes an offset or a cursor (after), not both; keyset paging with after() "
            "replaces offsets",
            model=schema.name,
        )
    if paging and not query.row_limit:
        raise QueryError(
            "page() needs the page size: add .limit(n) to the query, n of 1 or more",
            model=schema.name,
        )
    where = Group(tuple(_check(f, schema) for f in query.filters))
    order = _order(query.ordering, schema)
    after = None if query.cursor is None else _decode_cursor(query.cursor, schema, order)
    return QueryPlan(
        schema=schema,
        where=where,
        order=order,
        limit=query.row_limit,
        offset=query.row_offset,
        after=after,
    )


def _check(node: Filter, schema: ModelSchema[Any]) -> Predicate | Group:
    if isinstance(node, AllOf | AnyOf):
        members = tuple(_check(member, schema) for member in node.conditions)
        return Group(members, any=isinstance(node, AnyOf))
    return _predicate(node, schema)


def _predicate(condition: Condition, schema: ModelSchema[Any]) -> Predicate:
    field = field_of(schema, condition.field)
    op, value = condition.op, condition.value
    if op in (Op.EQ, Op.NE) and value is None:
        return Predicate(field, Op.IS_NULL if op is Op.EQ else Op.IS_NOT_NULL)
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return Predicate(field, op)
    if field.kind is FieldKind.JSON and op is not Op.CONTAINS:
        raise _error(
            schema,
            field,
            f"is stored as JSON ({field.type_name}); it takes only `contains`, `is null` and "
            "`is not null`",
        )
    if op is Op.CONTAINS:
        return Predicate(field, op, _contains_value(schema, field, value))
    if op is Op.LIKE:
        if field.kind is not FieldKind.TEXT or field.enum is not None:
            raise _error(schema, field, f"is {field.type_name}; `like` works on str fields")
        if not isinstance(value, str):
            raise _error(schema, field, f"`like` takes a str pattern, got {value!r}")
        like_parts(value, schema, field)  # refuse a pattern ending in an escape now
        return Predicate(field, op, value)
    if op in (Op.IN, Op.NOT_IN):
        if any(v is None for v in value):
            raise _error(
                schema,
                field,
                f"`{op.value}` takes no None; combine with is_null(): "
                f"any_of(F({field.name!r}).in_([...]), F({field.name!r}).is_null())",
            )
        return Predicate(field, op, tuple(_coerce(schema, field, v, op) for v in value))
    if op is Op.BETWEEN:
        low, high = value
        return Predicate(
            field, op, (_coerce(schema, field, low, op), _coerce(schema, field, high, op))
        )
    return Predicate(field, op, _coerce(schema, field, value, op))


def _contains_value(schema: ModelSchema[Any], field: ModelField, value: Any) -> Any:
    if field.kind is FieldKind.TEXT and field.enum is None:
        if not isinstance(value, str):
            raise _error(
                schema, field, f"is a str; `contains` looks for a str in it, got {value!r}"
            )
        return value
    if field.kind is FieldKind.JSON and field.element is not None:  # a sequence or a mapping
        try:
            return field.coerce_element(value)
        except MismatchError as mismatch:
            part = "an element" if field.container is Container.SEQUENCE else "a key"
            raise _error(
                schema,
                field,
                f"is {field.type_name}; `contains` looks for {part}, which must be "
                f"{mismatch.expected}, got {value!r}",
            ) from None
    raise _error(
        schema,
        field,
        f"is {field.type_name}; `contains` works on str fields (a substring), on lists, tuples "
        "and sets of str, int, float, bool, UUID or date (an element), and on dicts with str or "
        "int keys (a key)",
    )


def _coerce(schema: ModelSchema[Any], field: ModelField, value: Any, op: Op) -> Any:
    if value is None:
        raise _error(schema, field, f"`{op.value}` needs a value, got None")
    try:
        return field.coerce(value)
    except MismatchError as mismatch:
        raise _error(
            schema,
            field,
            f"is {field.type_name}, so `{op.value}` takes {mismatch.expected}, got {value!r}",
        ) from None


def _order(keys: tuple[str, ...], schema: ModelSchema[Any]) -> tuple[SortKey, ...]:
    order = []
    seen = set()
    for key in keys:
        descending = key.startswith("-")
        field = field_of(schema, key.lstrip("-"))
        if field.kind not in _ORDERED:
            raise _error(
                schema, field, f"is stored as JSON ({field.type_name}) and cannot be sorted by"
            )
        if field.name in seen:
            raise _error(schema, field, "is named twice in order_by()")
        seen.add(field.name)
        order.append(SortKey(field, descending))
        if field is schema.id:
            break  # the id is unique: later keys could never break a tie
    else:
        order.append(SortKey(schema.id))
    return tuple(order)


def field_of(schema: ModelSchema[Any], name: str) -> ModelField:
    """The field called `name`.

    Raises:
        QueryError: the model has no such field (the message suggests the closest name).
    """
    field = schema.fields.get(name)
    if field is not None:
        return field
    close = difflib.get_close_matches(name, list(schema.fields), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise QueryError(
        f"{schema.name} has no field {name!r}; {hint}its fields are: {', '.join(schema.fields)}",
        model=schema.name,
        field=name,
    )


def _error(schema: ModelSchema[Any], field: ModelField, problem: str) -> QueryError:
    return QueryError(f"{schema.name}.{field.name} {problem}", model=schema.name, field=field.name)


# --- like patterns ---------------------------------------------------------------------------


def like_parts(
    pattern: str, schema: ModelSchema[Any] | None = None, field: ModelField | None = None
) -> list[str]:
    """A `like` pattern as a list of parts: "%" (any run), "_" (one character), and literal
    text of one character each.

    Raises:
        QueryError: the pattern ends with a lone escape (`\\`).
    """
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "%_":
            parts.append(char)
        else:
            parts.append("\\" + char)
    if escaped:
        where = f"{schema.name}.{field.name}: " if schema and field else ""
        raise QueryError(
            f"{where}the like pattern {pattern!r} ends with an escape (\\); write \\\\ for a "
            "literal backslash",
            model=schema.name if schema else None,
            field=field.name if field else None,
        )
    return parts


# --- cursors ---------------------------------------------------------------------------------


def _digest(schema: ModelSchema[Any], order: tuple[SortKey, ...]) -> str:
    spec = ",".join(("-" if key.descending else "") + key.field.name for key in order)
    return hashlib.blake2b(f"{schema.name}|{spec}".encode(), digest_size=6).hexdigest()


def _decode_cursor(
    cursor: str, schema: ModelSchema[Any], order: tuple[SortKey, ...]
) -> tuple[Any, ...]:
    invalid = QueryError(
        f"the cursor {cursor[:40]!r} was not made by a page of this query ({schema.name} in this "
        "ordering); pass Page.next_cursor of the same query to after()",
        model=schema.name,
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, digest, values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise invalid from None
    if version != _CURSOR_VERSION or digest != _digest(schema, order):
        raise invalid
    if not isinstance(values, list) or len(values) != len(order):
        raise invalid
    decoded: list[Any] = []
    for key, value in zip(order, values, strict=True):
        if value is None:
            if not key.field.nullable:
                raise invalid
            decoded.append(None)
            continue
        try:
            row = schema.from_row_value(key.field, value)
            decoded.append(key.field.coerce(row))
        except (MismatchError, SerializationError, ValueError, TypeError):
            raise invalid from None
    return tuple(decoded)
