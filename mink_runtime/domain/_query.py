"""The query builder: immutable `Query` objects, `F` field expressions and AND/OR groups.

```python
Query().where("status", "=", "pending").where(F("total") > 100).order_by("-placed_at").limit(20)
Query().where(any_of(F("region") == "eu", F("vip").is_null()), customer="c-1")
```

A query names fields as text and is checked against a model only when a repository runs it
(`plan_query`): an unknown field, an operator that does not fit the field, or a value of the
wrong type raises `QueryError` there, naming the field and the model. Values never become SQL
text: the SQL backends send them as bound parameters.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, overload

from mink_runtime.errors import QueryError

__all__ = ["AllOf", "AnyOf", "Condition", "F", "Filter", "Op", "Page", "Query", "all_of", "any_of"]

M = TypeVar("M")


class Op(enum.Enum):
    """The comparison operators of a `Condition`."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    LIKE = "like"
    BETWEEN = "between"
    IS_NULL = "is null"
    IS_NOT_NULL = "is not null"
    CONTAINS = "contains"


_SPELLINGS = {op.value: op for op in Op} | {
    "==": Op.EQ,
    "<>": Op.NE,
    "not_in": Op.NOT_IN,
    "is_null": Op.IS_NULL,
    "is_not_null": Op.IS_NOT_NULL,
}
_NULL_TESTS = frozenset({Op.IS_NULL, Op.IS_NOT_NULL})


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of one field: `Condition("total", Op.GT, 100)`; build them with `F`."""

    field: str
    op: Op
    value: Any = None
    """The operand: a value, a tuple of values (`in`, `not in`), a (low, high) pair
    (`between`), a pattern (`like`), or None (`is null`, `is not null`)."""

    def __and__(self, other: Filter) -> AllOf:
        return all_of(self, other)

    def __or__(self, other: Filter) -> AnyOf:
        return any_of(self, other)


@dataclass(frozen=True, slots=True)
class AllOf:
    """Conditions that must all hold (AND); no conditions at all always holds."""

    conditions: tuple[Filter, ...]

    def __and__(self, other: Filter) -> AllOf:
        return all_of(self, other)

    def __or__(self, other: Filter) -> AnyOf:
        return any_of(self, other)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Conditions of which at least one must hold (OR); no conditions at all never holds."""

    conditions: tuple[Filter, ...]

    def __and__(self, other: Filter) -> AllOf:
        return all_of(self, other)

    def __or__(self, other: Filter) -> AnyOf:
        return any_of(self, other)


Filter = Condition | AllOf | AnyOf
"""A condition or a group of them."""


def all_of(*conditions: Filter) -> AllOf:
    """An AND group: `all_of(F("status") == "paid", F("total") > 100)`.

    Raises:
        QueryError: an argument is not a condition or a group.
    """
    return AllOf(_filters(conditions, "all_of"))


def any_of(*conditions: Filter) -> AnyOf:
    """An OR group: `any_of(F("region") == "eu", F("region").is_null())`.

    Raises:
        QueryError: an argument is not a condition or a group.
    """
    return AnyOf(_filters(conditions, "any_of"))


def _filters(conditions: Iterable[object], where: str) -> tuple[Filter, ...]:
    checked: list[Filter] = []
    for condition in conditions:
        if not isinstance(condition, Condition | AllOf | AnyOf):
            raise QueryError(
                f"{where}() takes conditions such as F('status') == 'paid' or groups, "
                f"got {condition!r}"
            )
        checked.append(condition)
    return tuple(checked)


class F:
    """A field of the model, to build conditions with operators and methods:
    `F("total") >= 100`, `F("status").in_(["paid", "shipped"])`, `F("note").is_null()`.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise QueryError(f"F() takes a field name, got {name!r}")
        self.name = name

    def __repr__(self) -> str:
        return f"F({self.name!r})"

    __hash__ = None  # type: ignore[assignment]  # == builds a condition, it does not compare

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        return Condition(self.name, Op.EQ, value)

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        return Condition(self.name, Op.NE, value)

    def __lt__(self, value: object) -> Condition:
        return Condition(self.name, Op.LT, value)

    def __le__(self, value: object) -> Condition:
        return Condition(self.name, Op.LE, value)

    def __gt__(self, value: object) -> Condition:
        return Condition(self.name, Op.GT, value)

    def __ge__(self, value: object) -> Condition:
        return Condition(self.name, Op.GE, value)

    def in_(self, values: Iterable[object]) -> Condition:
        """The field equals one of `values` (never true for an empty collection)."""
        return condition(self.name, Op.IN, values)

    def not_in(self, values: Iterable[object]) -> Condition:
        """The field equals none of `values`; a None field counts as none of them."""
        return condition(self.name, Op.NOT_IN, values)

    def like(self, pattern: str) -> Condition:
        """The text matches a pattern: `%` any run of characters, `_` one character, `\\`
        makes the next character literal. Case-sensitive."""
        return condition(self.name, Op.LIKE, pattern)

    def between(self, low: object, high: object) -> Condition:
        """low <= field <= high."""
        return condition(self.name, Op.BETWEEN, (low, high))

    def is_null(self) -> Condition:
        """The field is None."""
        return Condition(self.name, Op.IS_NULL)

    def is_not_null(self) -> Condition:
        """The field is not None."""
        return Condition(self.name, Op.IS_NOT_NULL)

    def contains(self, value: object) -> Condition:
        """A str field contains the text `value`; a list, tuple or set field has `value` as an
        element; a dict field has `value` as a key."""
        return Condition(self.name, Op.CONTAINS, value)


def condition(field: str, op: str | Op, value: Any = None) -> Condition:
    """A condition from a field, an operator and its operand, as `Query.where` takes them.

    Raises:
        QueryError: the operator is unknown, or the operand has the wrong shape for it.
    """
    if not isinstance(field, str) or not field:
        raise QueryError(f"a condition names a field as text, got {field!r}")
    operator = op if isinstance(op, Op) else _SPELLINGS.get(str(op).strip().lower())
    if operator is None:
        spelled = ", ".join(sorted({o.value for o in Op}))
        raise QueryError(f"unknown operator {op!r} on {field!r}; use one of: {spelled}")
    if operator in (Op.IN, Op.NOT_IN):
        if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
            raise QueryError(
                f"{field!r} {operator.value} takes a list, tuple or set of values, got {value!r}"
            )
        value = tuple(value)
    elif operator is Op.BETWEEN:
        if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
            raise QueryError(f"{field!r} between takes two values (low, high), got {value!r}")
        value = (value[0], value[1])
    elif operator in _NULL_TESTS and value is not None:
        raise QueryError(f"{field!r} {operator.value} takes no value, got {value!r}")
    return Condition(field, operator, value)


@dataclass(frozen=True, slots=True)
class _State:
    filters: tuple[Filter, ...] = ()
    ordering: tuple[str, ...] = ()
    limit: int | None = None
    offset: int = 0
    after: str | None = None


class Query:
    """What to find: filters (ANDed), an ordering, a limit, an offset or a keyset cursor.

    Immutable: every method returns a new query, so a base query can be shared and refined.
    """

    __slots__ = ("_state",)

    def __init__(self) -> None:
        self._state = _State()

    @classmethod
    def _of(cls, state: _State) -> Query:
        query = cls.__new__(cls)
        query._state = state
        return query

    @overload
    def where(self, field: str, op: str | Op, value: Any = None, /) -> Query: ...
    @overload
    def where(self, *conditions: Filter, **equals: Any) -> Query: ...
    def where(self, *args: Any, **equals: Any) -> Query:
        """Add conditions; all must hold. Three forms, mixable across calls:

        - `where("status", "=", "paid")` (and `where("note", "is null")`),
        - `where(F("total") > 100, any_of(...))`,
        - `where(status="paid", customer="c-1")`: equality on each keyword.

        Raises:
            QueryError: an unknown operator, or an operand of the wrong shape.
        """
        if args and isinstance(args[0], str):
            if len(args) not in (2, 3) or equals:
                raise QueryError(
                    "where() takes (field, operator, value), conditions such as "
                    f"F('total') > 100, or field=value keywords; got {args!r}"
                )
            added: tuple[Filter, ...] = (condition(*args),)
        else:
            added = _filters(args, "where")
        added += tuple(Condition(name, Op.EQ, value) for name, value in equals.items())
        state = self._state
        return Query._of(replace(state, filters=state.filters + added))

    def order_by(self, *fields: str) -> Query:
        """Sort by these fields, in order; `-name` sorts descending. Replaces an earlier
        ordering. Ties are always broken by the id, so the order is total; None sorts after
        every value (first when descending).

        Raises:
            QueryError: a key is not a field name with an optional `-` or `+`.
        """
        keys = []
        for key in fields:
            if not isinstance(key, str) or not key.lstrip("+-"):
                raise QueryError(
                    f"order_by() takes field names such as 'total' or '-total', got {key!r}"
                )
            keys.append(key[1:] if key.startswith("+") else key)
        return Query._of(replace(self._state, ordering=tuple(keys)))

    def limit(self, count: int | None) -> Query:
        """At most `count` models (None: no limit).

        Raises:
            QueryError: `count` is not an int of 0 or more.
        """
        if count is not None:
            _check_count(count, "limit")
        return Query._of(replace(self._state, limit=count))

    def offset(self, count: int) -> Query:
        """Skip the first `count` models (prefer `after` for deep pages: it stays fast).

        Raises:
            QueryError: `count` is not an int of 0 or more.
        """
        _check_count(count, "offset")
        return Query._of(replace(self._state, offset=count))

    def after(self, cursor: str | None) -> Query:
        """Continue after the model a cursor points at (`Page.next_cursor`): keyset paging,
        as fast on page 1000 as on page 1. None starts from the beginning.

        Raises:
            QueryError: `cursor` is not text.
        """
        if cursor is not None and not isinstance(cursor, str):
            raise QueryError(f"after() takes a cursor from Page.next_cursor, got {cursor!r}")
        return Query._of(replace(self._state, after=cursor))

    @property
    def filters(self) -> tuple[Filter, ...]:
        """The conditions, all of which must hold."""
        return self._state.filters

    @property
    def ordering(self) -> tuple[str, ...]:
        """The sort keys as given (`"-total"` descending)."""
        return self._state.ordering

    @property
    def row_limit(self) -> int | None:
        """The limit, or None."""
        return self._state.limit

    @property
    def row_offset(self) -> int:
        """How many models to skip."""
        return self._state.offset

    @property
    def cursor(self) -> str | None:
        """The keyset cursor to continue after, or None."""
        return self._state.after

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and self._state == other._state

    def __hash__(self) -> int:
        return hash(self._state)

    def __repr__(self) -> str:
        state = self._state
        parts = [f"where={list(state.filters)!r}"] if state.filters else []
        parts += [f"order_by={list(state.ordering)!r}"] if state.ordering else []
        parts += [f"limit={state.limit}"] if state.limit is not None else []
        parts += [f"offset={state.offset}"] if state.offset else []
        parts += [f"after={state.after!r}"] if state.after is not None else []
        return f"Query({', '.join(parts)})"


def _check_count(count: object, what: str) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise QueryError(f"{what}() takes an int of 0 or more, got {count!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[M]):
    """One page of models, and the cursor of the next page (None on the last page)."""

    items: list[M] = field(default_factory=list)
    next_cursor: str | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page follows."""
        return self.next_cursor is not None
