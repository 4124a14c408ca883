"""Running a query in Python over model instances: the memory and Redis backends' engine, and a
reference for the SQL backends (the contract suite holds them all to the same answers).

The semantics, shared with SQL:

- a condition on a None field is false, except `is null`, `!=` and `not in` (a None field is
  different from every value), so `!=` never hides the rows SQL's three-valued logic would;
- text compares by code point (as SQLite does, and PostgreSQL under `COLLATE "C"`), enums by
  their values, datetimes as instants;
- None sorts after every value (before them when descending), and the id breaks ties.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mink_runtime.domain._field_values import FieldKind
from mink_runtime.domain._query import Op, Query
from mink_runtime.domain._query_plan import Group, Predicate, QueryPlan, like_parts, plan_query
from mink_runtime.domain._read_models import Container, describe_model

__all__ = ["count_matching", "evaluate", "like_regex", "run_plan"]

M = TypeVar("M")


def evaluate(
    query: Query | None, models: Iterable[M], model: type[M], *, id_field: str = "id"
) -> list[M]:
    """The models among `models` that `query` finds, in its order, limited and offset: what a
    repository holding exactly these models would return.

    Raises:
        QueryError: the query does not fit the model.
        ConfigurationError: `model` is not a read-model dataclass.
    """
    return run_plan(plan_query(query, describe_model(model, id_field=id_field)), models)


def run_plan(plan: QueryPlan[M], models: Iterable[M]) -> list[M]:
    """Filter, sort, continue after the cursor, offset and limit, as `plan` says."""
    test = _compile(plan.where)
    found = [m for m in models if test(m)]
    found = sort(plan, found)
    if plan.after is not None:
        found = [m for m in found if _is_after(plan, m)]
    if plan.offset:
        found = found[plan.offset :]
    if plan.limit is not None:
        found = found[: plan.limit]
    return found


def count_matching(plan: QueryPlan[M], models: Iterable[M]) -> int:
    """How many of `models` pass the plan's filter (ordering and paging do not count)."""
    test = _compile(plan.where)
    return sum(1 for m in models if test(m))


def sort(plan: QueryPlan[M], models: list[M]) -> list[M]:
    """`models` in the plan's total order."""
    ordered = list(models)
    for key in reversed(plan.order):  # stable sorts, least significant key first
        name, to_key = key.field.name, key.field.sort_key

        def sort_value(model: Any, name: str = name, to_key: Any = to_key) -> tuple[bool, Any]:
            value = getattr(model, name)
            return (True, 0) if value is None else (False, to_key(value))

        ordered.sort(key=sort_value, reverse=key.descending)
    return ordered


def _is_after(plan: QueryPlan[Any], model: Any) -> bool:
    assert plan.after is not None
    for key, anchor in zip(plan.order, plan.after, strict=True):
        value = getattr(model, key.field.name)
        difference = _compare(key.field.sort_key, value, anchor)
        if difference:
            return difference > 0 if not key.descending else difference < 0
    return False  # the anchor itself


def _compare(to_key: Callable[[Any], Any], a: Any, b: Any) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # None after every value
    a, b = to_key(a), to_key(b)
    return int(a > b) - int(a < b)


Test = Callable[[Any], bool]


def _compile(node: Predicate | Group) -> Test:
    if isinstance(node, Group):
        tests = [_compile(member) for member in node.members]
        if node.any:
            return lambda model: any(test(model) for test in tests)
        return lambda model: all(test(model) for test in tests)
    return _leaf(node)


def _leaf(predicate: Predicate) -> Test:
    field, op, operand = predicate.field, predicate.op, predicate.value
    name, key = field.name, field.sort_key

    def value_of(model: Any) -> Any:
        return getattr(model, name)

    if op is Op.IS_NULL:
        return lambda m: value_of(m) is None
    if op is Op.IS_NOT_NULL:
        return lambda m: value_of(m) is not None
    if op is Op.NE:
        target = key(operand)
        return lambda m: (v := value_of(m)) is None or key(v) != target
    if op is Op.NOT_IN:
        targets = {key(v) for v in operand}
        return lambda m: (v := value_of(m)) is None or key(v) not in targets
    test = _non_null_test(field.kind, field.container, op, operand, key)
    return lambda m: (v := value_of(m)) is not None and test(v)


def _non_null_test(
    kind: FieldKind, container: Container | None, op: Op, operand: Any, key: Callable[[Any], Any]
) -> Callable[[Any], bool]:
    if op is Op.IN:
        targets = {key(v) for v in operand}
        return lambda v: key(v) in targets
    if op is Op.BETWEEN:
        low, high = key(operand[0]), key(operand[1])
        return lambda v: low <= key(v) <= high
    if op is Op.LIKE:
        regex = like_regex(operand)
        return lambda v: regex.fullmatch(v) is not None
    if op is Op.CONTAINS:
        return _contains(kind, container, operand)
    target = key(operand)
    comparisons: dict[Op, Callable[[Any], bool]] = {
        Op.EQ: lambda v: key(v) == target,
        Op.LT: lambda v: key(v) < target,
        Op.LE: lambda v: key(v) <= target,
        Op.GT: lambda v: key(v) > target,
        Op.GE: lambda v: key(v) >= target,
    }
    return comparisons[op]


def _contains(kind: FieldKind, container: Container | None, operand: Any) -> Callable[[Any], bool]:
    if kind is FieldKind.TEXT:
        return lambda v: operand in v
    if container is Container.MAPPING:
        return lambda v: operand in v
    wanted = _element_key(operand)
    return lambda v: any(_element_key(e) == wanted for e in v)


def _element_key(value: Any) -> Any:
    # bool is an int in Python, but never equal to one in JSON: keep them apart
    return (type(value) is bool, getattr(value, "value", value))


def like_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression (for `fullmatch`) of a `like` pattern.

    Raises:
        QueryError: the pattern ends with a lone escape.
    """
    regex = "".join(
        ".*" if part == "%" else "." if part == "_" else re.escape(part[1:])
        for part in like_parts(pattern)
    )
    return re.compile(regex, re.DOTALL)
