"""The queries every read-model repository must answer alike: a mixin of
`ReadModelRepositoryContract`, over the eight orders of `sample_orders()` (fixture `loaded`).

The expected answers are written out by hand, not computed with the in-Python evaluator, so the
memory backend is held to them as strictly as the SQL ones.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import F, Query, all_of, any_of
from mink_runtime.errors import QueryError
from mink_runtime.ports import ReadModelRepository
from mink_runtime.testing._contract_models import (
    START,
    OrderSummary,
    Priority,
    Status,
    order,
)

__all__ = ["QueryContract"]

Orders = ReadModelRepository[OrderSummary]
ALL = ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"]


async def ids(repository: Orders, query: Query | None = None) -> list[str]:
    return [model.id for model in await repository.find(query)]


def where(*args: Any, **equals: Any) -> Query:
    return Query().where(*args, **equals)


class QueryContract:
    """Filters, ordering, paging and counting. Needs the `loaded` fixture (see the contract)."""

    # --- filters -------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("op", "value", "expected"),
        [
            ("=", 1, ["o2", "o7"]),
            ("!=", 1, ["o1", "o3", "o4", "o5", "o6", "o8"]),
            ("<", 2, ["o2", "o5", "o7"]),
            ("<=", 2, ["o2", "o4", "o5", "o7"]),
            (">", 4, ["o3", "o6"]),
            (">=", 4, ["o3", "o6", "o8"]),
        ],
    )
    async def test_comparisons_on_an_int_field(
        self, loaded: Orders, op: str, value: int, expected: list[str]
    ) -> None:
        """= != < <= > >= compare ints."""
        assert await ids(loaded, where("items", op, value)) == expected

    async def test_decimals_compare_as_numbers(self, loaded: Orders) -> None:
        """Decimals compare by value (9.50 == 9.5 < 10 < 100), whatever their digits."""
        assert await ids(loaded, where(F("total") > Decimal("9.5"))) == ["o2", "o3", "o6", "o8"]
        assert await ids(loaded, where(F("total") < 10)) == ["o1", "o4", "o5", "o7"]
        assert await ids(loaded, where(F("total") == Decimal("9.5"))) == ["o1", "o4"]
        assert await ids(loaded, where(F("total").between(0, 10))) == ["o1", "o2", "o4", "o5"]

    async def test_floats_compare_as_numbers(self, loaded: Orders) -> None:
        """Floats compare with floats and ints."""
        assert await ids(loaded, where(F("weight") > 2.25)) == ["o3", "o6", "o8"]
        assert await ids(loaded, where(F("weight") == 2.25)) == ["o1", "o4"]
        assert await ids(loaded, where(F("weight") >= 1)) == ["o1", "o3", "o4", "o6", "o7", "o8"]

    async def test_bools_are_equal_to_true_or_false(self, loaded: Orders) -> None:
        """A bool field equals True or False."""
        assert await ids(loaded, where(paid=True)) == ["o1", "o3", "o4", "o6", "o7"]
        assert await ids(loaded, where(F("paid") != True)) == ["o2", "o5", "o8"]  # noqa: E712

    async def test_enums_compare_by_member_or_by_value(self, loaded: Orders) -> None:
        """An enum field takes its members or their values; ranges compare values."""
        assert await ids(loaded, where(status=Status.PAID)) == ["o1", "o4", "o7"]
        assert await ids(loaded, where("status", "=", "paid")) == ["o1", "o4", "o7"]
        assert await ids(loaded, where(F("status") != "paid")) == ["o2", "o3", "o5", "o6", "o8"]
        assert await ids(loaded, where(F("priority") > Priority.LOW)) == ["o1", "o5"]

    async def test_datetimes_compare_as_instants(self, loaded: Orders) -> None:
        """13:00 UTC equals 14:00 at +01:00; ranges compare instants."""
        assert await ids(loaded, where(placed_at=START + timedelta(hours=1))) == ["o2", "o4"]
        assert await ids(loaded, where(F("placed_at") < START)) == ["o5"]
        between = F("placed_at").between(START, START + timedelta(hours=1))
        assert await ids(loaded, where(between)) == ["o1", "o2", "o4", "o7"]

    async def test_dates_compare_as_dates(self, loaded: Orders) -> None:
        """Dates compare in calendar order."""
        between = F("due").between(date(2025, 3, 1), date(2025, 3, 10))
        assert await ids(loaded, where(between)) == ["o1", "o3", "o4"]
        assert await ids(loaded, where(F("due") > date(2025, 3, 10))) == ["o8"]

    async def test_uuids_equal_a_uuid_or_its_text(self, loaded: Orders) -> None:
        """A UUID field takes UUIDs or their text."""
        first = uuid.UUID("00000000-0000-4000-8000-000000000001")
        assert await ids(loaded, where(reference=first)) == ["o1"]
        text = "ffffffff-0000-4000-8000-000000000005"
        assert await ids(loaded, where(reference=text)) == ["o5"]
        assert await ids(loaded, where(F("reference") > first)) == ["o5"]

    async def test_not_equal_and_not_in_keep_models_whose_field_is_none(
        self, loaded: Orders
    ) -> None:
        """A None field differs from every value: != and not in find it (unlike SQL's NULL)."""
        expected = ["o1", "o2", "o3", "o4", "o5", "o6", "o8"]
        assert await ids(loaded, where(F("note") != "")) == expected
        not_in = F("note").not_in(["", "100% cotton"])
        assert await ids(loaded, where(not_in)) == ["o1", "o2", "o4", "o5", "o6", "o8"]

    async def test_in_and_not_in(self, loaded: Orders) -> None:
        """in finds any of the values; an empty list finds nothing, and not in it everything."""
        assert await ids(loaded, where(F("customer").in_(["alice", "bob"]))) == [
            "o1",
            "o4",
            "o7",
            "o8",
        ]
        assert await ids(loaded, where(F("customer").not_in(["alice"]))) == [
            "o2",
            "o3",
            "o5",
            "o6",
            "o7",
        ]
        assert await ids(loaded, where(F("customer").in_([]))) == []
        assert await ids(loaded, where(F("customer").not_in(set()))) == ALL
        statuses = F("status").in_([Status.PAID, "shipped"])
        assert await ids(loaded, where(statuses)) == ["o1", "o3", "o4", "o6", "o7"]

    @pytest.mark.parametrize(
        ("field", "pattern", "expected"),
        [
            ("customer", "a%", ["o1", "o4", "o8"]),
            ("customer", "%e", ["o1", "o3", "o4", "o8"]),
            ("customer", "_ob", ["o2", "o7"]),
            ("customer", "b%", ["o7"]),
            ("customer", "Zo_", ["o5"]),
            ("note", "100\\%%", ["o3"]),
            ("note", "%\\_at%", ["o4"]),
            ("note", "%", ["o1", "o3", "o4", "o7"]),
            ("note", "*", []),
        ],
        ids=[
            "prefix",
            "suffix",
            "one-char",
            "case-sensitive",
            "one-non-ascii-char",
            "escaped-percent",
            "escaped-underscore",
            "any",
            "glob-chars-literal",
        ],
    )
    async def test_like_matches_patterns(
        self, loaded: Orders, field: str, pattern: str, expected: list[str]
    ) -> None:
        """like: % any run, _ one character, \\ escapes; case-sensitive; None never matches."""
        assert await ids(loaded, where(F(field).like(pattern))) == expected

    async def test_is_null_and_is_not_null(self, loaded: Orders) -> None:
        """is null finds None fields; `= None` means the same."""
        assert await ids(loaded, where(F("due").is_null())) == ["o2", "o5", "o7"]
        assert await ids(loaded, where("reference", "is not null")) == ["o1", "o5"]
        assert await ids(loaded, where(note=None)) == ["o2", "o5", "o6", "o8"]
        assert await ids(loaded, where(F("tags").is_null())) == []

    async def test_contains_a_substring_an_element_or_a_key(self, loaded: Orders) -> None:
        """contains: a substring of a str, an element of a list or set, a key of a dict."""
        assert await ids(loaded, where(F("note").contains("door"))) == ["o1", "o4"]
        assert await ids(loaded, where(F("note").contains("Leave"))) == ["o4"]
        assert await ids(loaded, where(F("tags").contains("gift"))) == ["o1", "o4", "o6"]
        assert await ids(loaded, where(F("tags").contains("gi"))) == []
        assert await ids(loaded, where(F("codes").contains(11))) == ["o1", "o2"]
        assert await ids(loaded, where(F("attributes").contains("floor"))) == ["o1", "o3", "o8"]

    async def test_and_and_or_groups_nest(self, loaded: Orders) -> None:
        """any_of/all_of (and | and &) combine conditions, nested to any depth."""
        group = any_of(all_of(F("customer") == "alice", F("paid") == True), F("total") > 50)  # noqa: E712
        assert await ids(loaded, where(group)) == ["o1", "o3", "o4", "o6"]
        either = (F("status") == "pending") | (F("items") >= 5)
        assert await ids(loaded, where(either & (F("weight") < 5))) == ["o2", "o5", "o6", "o8"]
        assert await ids(loaded, where(any_of())) == []
        assert await ids(loaded, where(all_of())) == ALL

    async def test_where_calls_and_keywords_add_up(self, loaded: Orders) -> None:
        """Each where() adds conditions that must all hold; keywords test equality."""
        query = where(customer="alice").where(paid=False)
        assert await ids(loaded, query) == ["o8"]
        assert await ids(loaded, query.where("items", ">", 10)) == []

    async def test_values_are_data_never_sql(self, loaded: Orders) -> None:
        """Text that looks like SQL is only ever a value: it matches nothing, and round-trips."""
        sneaky = "x' OR '1'='1"
        assert await ids(loaded, where(customer=sneaky)) == []
        assert await ids(loaded, where(F("customer").like("%' OR '%"))) == []
        await loaded.insert(order("o9", customer=sneaky, note='"; DROP TABLE orders; --'))
        assert await ids(loaded, where(customer=sneaky)) == ["o9"]
        assert await loaded.count() == 9

    # --- ordering and paging -------------------------------------------------------------

    @pytest.mark.parametrize(
        ("ordering", "expected"),
        [
            ((), ALL),
            (("customer",), ["o2", "o5", "o1", "o4", "o8", "o7", "o6", "o3"]),
            (("-customer",), ["o3", "o6", "o7", "o1", "o4", "o8", "o5", "o2"]),
            (("total",), ["o7", "o5", "o1", "o4", "o2", "o8", "o3", "o6"]),
            (("due",), ["o6", "o3", "o1", "o4", "o8", "o2", "o5", "o7"]),
            (("-due",), ["o2", "o5", "o7", "o8", "o1", "o4", "o3", "o6"]),
            (("-paid", "total"), ["o7", "o1", "o4", "o3", "o6", "o5", "o2", "o8"]),
            (("placed_at",), ["o5", "o1", "o7", "o2", "o4", "o3", "o6", "o8"]),
            (("-priority",), ["o1", "o5", "o2", "o3", "o4", "o6", "o7", "o8"]),
            (("-id",), ["o8", "o7", "o6", "o5", "o4", "o3", "o2", "o1"]),
        ],
        ids=lambda v: (",".join(v) or "id") if isinstance(v, tuple) else "",
    )
    async def test_ordering(
        self, loaded: Orders, ordering: tuple[str, ...], expected: list[str]
    ) -> None:
        """Text by code point, decimals by value, None last (first descending), ties by id."""
        assert await ids(loaded, Query().order_by(*ordering)) == expected

    async def test_limit_and_offset(self, loaded: Orders) -> None:
        """offset skips, limit cuts, after the ordering."""
        query = Query().order_by("items").offset(2).limit(3)
        assert await ids(loaded, query) == ["o7", "o4", "o1"]
        assert await ids(loaded, query.offset(7)) == ["o6"]
        assert await ids(loaded, query.limit(0)) == []

    @pytest.mark.parametrize(
        "ordering",
        [(), ("-due",), ("customer",), ("total",), ("-placed_at",), ("paid", "-weight"), ("note",)],
        ids=lambda v: ",".join(v) or "id",
    )
    async def test_pages_walk_every_model_once_in_order(
        self, loaded: Orders, ordering: tuple[str, ...]
    ) -> None:
        """Following next_cursor yields exactly find()'s order, for every page size."""
        query = Query().order_by(*ordering)
        everything = await ids(loaded, query)
        for size in (1, 3, 8, 9):
            walked: list[str] = []
            page = await loaded.page(query.limit(size))
            pages = 1
            while True:
                assert len(page.items) <= size
                walked += [m.id for m in page.items]
                if page.next_cursor is None:
                    break
                page = await loaded.page(query.limit(size).after(page.next_cursor))
                pages += 1
            assert walked == everything, size
            assert pages == max(1, -(-len(everything) // size))

    async def test_a_filtered_page_continues_the_same_filter(self, loaded: Orders) -> None:
        """The cursor carries the position, the query the filter."""
        query = where(F("items") >= 1).order_by("-total").limit(2)
        first = await loaded.page(query)
        assert [m.id for m in first.items] == ["o6", "o3"]
        second = await loaded.page(query.after(first.next_cursor))
        assert [m.id for m in second.items] == ["o8", "o2"]
        assert second.has_more

    async def test_find_after_a_cursor_returns_the_rest(self, loaded: Orders) -> None:
        """A cursor works with find() too, with or without a limit."""
        first = await loaded.page(Query().order_by("items").limit(3))
        rest = Query().order_by("items").after(first.next_cursor)
        assert await ids(loaded, rest) == ["o4", "o1", "o8", "o3", "o6"]

    async def test_models_added_between_pages_appear_only_after_the_cursor(
        self, loaded: Orders
    ) -> None:
        """Keyset paging: a model sorting before the cursor is not returned; one after is."""
        query = Query().order_by("items").limit(3)
        first = await loaded.page(query)
        assert [m.id for m in first.items] == ["o5", "o2", "o7"]
        await loaded.insert(order("a0", items=0))
        await loaded.insert(order("z9", items=100))
        second = await loaded.page(query.after(first.next_cursor))
        third = await loaded.page(query.after(second.next_cursor))
        assert [m.id for m in second.items + third.items] == ["o4", "o1", "o8", "o3", "o6", "z9"]
        assert third.next_cursor is None

    async def test_paging_needs_a_limit(self, loaded: Orders) -> None:
        """page() without a limit of 1 or more is a QueryError saying so."""
        with pytest.raises(QueryError, match="limit"):
            await loaded.page(Query().order_by("total"))
        with pytest.raises(QueryError, match="limit"):
            await loaded.page(Query().limit(0))

    async def test_a_cursor_of_another_ordering_is_refused(self, loaded: Orders) -> None:
        """A cursor only continues the ordering it was made in; garbage is refused too."""
        page = await loaded.page(Query().order_by("total").limit(2))
        assert page.next_cursor is not None
        with pytest.raises(QueryError, match="cursor"):
            await loaded.find(Query().order_by("-total").after(page.next_cursor))
        with pytest.raises(QueryError, match="cursor"):
            await loaded.find(Query().after("not-a-cursor"))

    async def test_an_offset_and_a_cursor_together_are_refused(self, loaded: Orders) -> None:
        """A query pages by offset or by cursor, not both."""
        page = await loaded.page(Query().limit(2))
        with pytest.raises(QueryError, match="offset"):
            await loaded.find(Query().offset(1).after(page.next_cursor))

    # --- counting ------------------------------------------------------------------------

    async def test_count_counts_what_the_filter_passes(self, loaded: Orders) -> None:
        """count() of everything, of a filter; ordering, limit and offset do not matter."""
        assert await loaded.count() == 8
        assert await loaded.count(where(paid=True)) == 5
        paged = where(paid=True).order_by("-total").limit(1).offset(3)
        assert await loaded.count(paged) == 5
        assert await loaded.count(where(F("tags").contains("express"))) == 3

    # --- what is refused -----------------------------------------------------------------

    async def test_an_unknown_field_is_a_query_error_naming_model_and_field(
        self, loaded: Orders
    ) -> None:
        """A typo never widens a query: it raises, with a suggestion."""
        with pytest.raises(QueryError, match="did you mean 'total'") as raised:
            await loaded.find(where(F("totl") > 1))
        assert (raised.value.model, raised.value.field) == ("OrderSummary", "totl")
        with pytest.raises(QueryError):
            await loaded.count(where(**{"customer; DROP TABLE x": 1}))
        with pytest.raises(QueryError):
            await loaded.find(Query().order_by("nope"))

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            (where(F("items").like("1%")), "items"),
            (where(F("status").like("p%")), "status"),
            (where(F("total").contains(1)), "total"),
            (where(F("tags").contains(1)), "tags"),
            (where(F("tags") == ["gift"]), "tags"),
            (where(F("lines").contains("x")), "lines"),
            (where(F("attributes") > 1), "attributes"),
            (Query().order_by("tags"), "tags"),
            (Query().order_by("total", "-total"), "total"),
            (where(F("items") > "3"), "items"),
            (where(F("items").between(1, "9")), "items"),
            (where(F("status") == "lost"), "status"),
            (where(F("placed_at") > START.replace(tzinfo=None)), "placed_at"),
            (where(F("total") == 9.5), "total"),
            (where(F("customer").in_(["alice", None])), "customer"),
            (where(F("customer").like("ends with \\")), "customer"),
            (where(F("reference") == "not-a-uuid"), "reference"),
            (where(F("due") < START), "due"),
        ],
        ids=[
            "like-on-int",
            "like-on-enum",
            "contains-on-decimal",
            "contains-wrong-element",
            "equals-on-json",
            "contains-on-dataclass",
            "range-on-json",
            "order-by-json",
            "order-by-twice",
            "str-for-int",
            "between-wrong-type",
            "unknown-enum-value",
            "naive-datetime",
            "float-for-decimal",
            "none-in-list",
            "dangling-escape",
            "bad-uuid",
            "datetime-for-date",
        ],
    )
    async def test_a_query_that_does_not_fit_the_model_is_refused(
        self, loaded: Orders, query: Query, field: str
    ) -> None:
        """Operators and values are checked against the field's type, naming the field."""
        with pytest.raises(QueryError, match=rf"OrderSummary\.{field}") as raised:
            await loaded.find(query)
        assert raised.value.field == field
