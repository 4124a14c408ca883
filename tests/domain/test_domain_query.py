"""The query builder: immutable queries, field expressions, groups, plans and cursors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from mink_runtime.domain import (
    AllOf,
    AnyOf,
    Condition,
    F,
    Op,
    Query,
    all_of,
    any_of,
    describe_model,
    evaluate,
    like_regex,
    plan_query,
)
from mink_runtime.errors import QueryError


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    price: Decimal
    note: str | None = None


ITEMS = [Item(1, "apple", Decimal("1.20")), Item(2, "pear", Decimal("0.80"), "ripe")]


def test_a_query_is_immutable() -> None:
    """Each method returns a new query; the original is unchanged and reusable."""
    base = Query().where(name="apple")
    refined = base.order_by("-price").limit(5).offset(1)
    assert base.ordering == ()
    assert base.row_limit is None
    assert refined.filters == base.filters
    assert (refined.ordering, refined.row_limit, refined.row_offset) == (("-price",), 5, 1)
    assert base == Query().where(name="apple")
    assert hash(base) == hash(Query().where(name="apple"))


def test_the_three_where_forms_build_the_same_condition() -> None:
    """("price", ">", 1), F("price") > 1 and keywords are one thing."""
    assert Query().where("price", ">", 1).filters == (Condition("price", Op.GT, 1),)
    assert Query().where(F("price") > 1).filters == (Condition("price", Op.GT, 1),)
    assert Query().where(name="a").filters == (Condition("name", Op.EQ, "a"),)
    assert Query().where("note", "is null").filters == (Condition("note", Op.IS_NULL),)
    assert Query().where("name", "==", "a") == Query().where("name", "=", "a")


def test_operators_combine_into_groups() -> None:
    """& builds an AND group, | an OR group, and the functions do the same."""
    a, b = F("name") == "a", F("price") < 1
    assert a & b == AllOf((a, b)) == all_of(a, b)
    assert a | b == AnyOf((a, b)) == any_of(a, b)


def test_a_field_expression_is_not_hashable() -> None:
    """F(...) == x builds a condition, so F objects cannot be set members or dict keys."""
    with pytest.raises(TypeError):
        hash(F("name"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Query().where("price", "≈", 1),
        lambda: Query().where("name", "in", "abc"),
        lambda: Query().where(F("price").between(1, 2)).where("price", "between", (1, 2, 3)),
        lambda: Query().where("note", "is null", 1),
        lambda: Query().where("name"),
        lambda: Query().where("name", "=", 1, price=2),
        lambda: Query().where("price > 1"),
        lambda: Query().where(42),
        lambda: Query().limit(-1),
        lambda: Query().limit(True),
        lambda: Query().offset(-5),
        lambda: Query().order_by(""),
        lambda: Query().after(17),
        lambda: any_of("price > 1"),
        lambda: F(""),
    ],
)
def test_malformed_queries_are_refused_when_built(build: object) -> None:
    """Unknown operators and operands of the wrong shape are QueryErrors at once."""
    with pytest.raises(QueryError):
        build()  # type: ignore[operator]


def test_a_query_reads_well_in_a_repr() -> None:
    """repr shows the parts that are set."""
    text = repr(Query().where(name="a").order_by("-price").limit(2))
    assert text.startswith("Query(where=[Condition(field='name'")
    assert "order_by=['-price']" in text
    assert "limit=2" in text


def test_evaluate_runs_a_query_over_plain_objects() -> None:
    """The in-Python evaluator filters, sorts and limits a list of models."""
    found = evaluate(Query().where(F("price") < 2).order_by("price"), ITEMS, Item)
    assert [i.id for i in found] == [2, 1]
    assert evaluate(None, ITEMS, Item) == ITEMS


def test_a_plan_always_ends_with_the_id() -> None:
    """The id breaks ties, so the order is total; after the id nothing else counts."""
    schema = describe_model(Item)
    plan = plan_query(Query().order_by("-price"), schema)
    assert [(k.field.name, k.descending) for k in plan.order] == [("price", True), ("id", False)]
    plan = plan_query(Query().order_by("-id", "name"), schema)
    assert [(k.field.name, k.descending) for k in plan.order] == [("id", True)]


def test_a_cursor_round_trips_through_a_plan() -> None:
    """cursor_for(model) decodes back to the model's sort-key values."""
    schema = describe_model(Item)
    plan = plan_query(Query().order_by("price"), schema)
    cursor = plan.cursor_for(ITEMS[0])
    assert cursor.isascii()
    assert "=" not in cursor
    again = plan_query(Query().order_by("price").after(cursor), schema)
    assert again.after == (Decimal("1.20"), 1)


def test_a_tampered_cursor_is_refused() -> None:
    """A cursor whose bytes were changed does not decode into a wider query."""
    schema = describe_model(Item)
    cursor = plan_query(Query().order_by("price"), schema).cursor_for(ITEMS[0])
    for bad in (cursor[:-2], cursor[:-1] + ("A" if cursor[-1] != "A" else "B"), "", "!!!"):
        with pytest.raises(QueryError, match="cursor"):
            plan_query(Query().order_by("price").after(bad), schema)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a%", "abc", True),
        ("a%", "bac", False),
        ("_b_", "abc", True),
        ("_b_", "abcd", False),
        ("100\\%", "100%", True),
        ("100\\%", "1000", False),
        ("a.c", "abc", False),
        ("%\n%", "a\nb", True),
        ("\\\\", "\\", True),
    ],
)
def test_like_patterns(pattern: str, text: str, matches: bool) -> None:
    """% any run, _ one character, \\ escapes, regex characters are literal."""
    assert (like_regex(pattern).fullmatch(text) is not None) is matches
