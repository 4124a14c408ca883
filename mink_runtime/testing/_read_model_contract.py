"""`ReadModelRepositoryContract`: the behaviour every `ReadModelRepository` adapter must show.

Subclass it once per adapter with a `make_repository` fixture: an async factory that returns a
fresh, empty repository for a model class, its storage ready (`await make_repository(Counter,
id_field="key")`); the models it is called with are those of `CONTRACT_MODELS`::

    class TestMyRepository(ReadModelRepositoryContract):
        @pytest.fixture
        def make_repository(self):
            async def make(model, *, id_field="id"):
                repository = MyReadModelRepository(model, id_field=id_field)
                await repository.clear()
                return repository

            return make

The queries are in `_query_contract` (mixed in here); backends that join mink transactions also
subclass `ReadModelTransactionContract`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import F, Query
from mink_runtime.errors import (
    DuplicateModelError,
    ModelNotFoundError,
    QueryError,
    SerializationError,
)
from mink_runtime.ports import ReadModelRepository
from mink_runtime.testing._contract_models import (
    Counter,
    Device,
    OrderLine,
    OrderSummary,
    Status,
    order,
    sample_orders,
)
from mink_runtime.testing._query_contract import QueryContract

__all__ = ["ReadModelRepositoryContract", "RepositoryFactory"]

RepositoryFactory = Callable[..., Awaitable[ReadModelRepository[Any]]]
Orders = ReadModelRepository[OrderSummary]


class ReadModelRepositoryContract(QueryContract):
    """The shared behaviour of read-model repositories. See the module docstring."""

    @pytest.fixture
    def make_repository(self) -> RepositoryFactory:
        raise NotImplementedError("subclasses provide a make_repository fixture")

    @pytest.fixture
    async def orders(self, make_repository: RepositoryFactory) -> Orders:
        return await make_repository(OrderSummary)

    @pytest.fixture
    async def loaded(self, orders: Orders) -> Orders:
        for model in sample_orders():
            await orders.insert(model)
        return orders

    # --- storing and getting -------------------------------------------------------------

    async def test_an_inserted_model_reads_back_equal(self, orders: Orders) -> None:
        """Every kind of field survives the round trip: text, numbers, decimals, times, UUIDs,
        enums, None, lists, sets, dicts and nested dataclasses."""
        for model in sample_orders():
            await orders.insert(model)
        for model in sample_orders():
            assert await orders.get(model.id) == model

    async def test_decimals_keep_their_digits(self, orders: Orders) -> None:
        """A Decimal comes back with its precision and its trailing zeros."""
        await orders.insert(order("d1", total=Decimal("0.10")))
        await orders.insert(order("d2", total=Decimal("12345678901234567890.123456789")))
        first, second = await orders.get("d1"), await orders.get("d2")
        assert first is not None
        assert second is not None
        assert str(first.total) == "0.10"
        assert str(second.total) == "12345678901234567890.123456789"

    async def test_an_aware_datetime_reads_back_as_the_same_instant(self, orders: Orders) -> None:
        """A datetime with any UTC offset comes back aware, equal, microseconds included."""
        moment = datetime(2025, 6, 1, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-7)))
        await orders.insert(order("t1", placed_at=moment))
        loaded = await orders.get("t1")
        assert loaded is not None
        assert loaded.placed_at == moment
        assert loaded.placed_at.utcoffset() is not None

    async def test_a_missing_id_gets_none(self, orders: Orders) -> None:
        """get() of an id never stored is None, not an error."""
        assert await orders.get("nope") is None

    async def test_inserting_a_stored_id_raises_and_keeps_the_stored_model(
        self, orders: Orders
    ) -> None:
        """insert() refuses an id that is taken, naming it, and changes nothing."""
        await orders.insert(order("o1", customer="first"))
        with pytest.raises(DuplicateModelError) as raised:
            await orders.insert(order("o1", customer="second"))
        assert (raised.value.model, raised.value.model_id) == ("OrderSummary", "o1")
        stored = await orders.get("o1")
        assert stored is not None
        assert stored.customer == "first"

    async def test_upsert_inserts_a_new_model(self, orders: Orders) -> None:
        """upsert() of an unknown id stores it."""
        await orders.upsert(order("o1"))
        assert await orders.get("o1") == order("o1")

    async def test_upsert_replaces_the_whole_stored_model(self, orders: Orders) -> None:
        """upsert() of a stored id replaces every field, Nones included."""
        await orders.insert(order("o1", note="old", tags=["a"]))
        await orders.upsert(order("o1", note=None, customer="dora"))
        assert await orders.get("o1") == order("o1", customer="dora")

    async def test_update_changes_only_the_named_fields(self, orders: Orders) -> None:
        """update(id, **changes) returns the model as stored now; other fields keep their values."""
        await orders.insert(order("o1", note="keep", items=2))
        updated = await orders.update("o1", status=Status.PAID, total=Decimal("42.00"), note=None)
        expected = order("o1", items=2, status=Status.PAID, total=Decimal("42.00"), note=None)
        assert updated == expected
        assert await orders.get("o1") == expected

    async def test_update_accepts_json_fields_and_enum_values(self, orders: Orders) -> None:
        """update() takes lists, nested dataclasses, and an enum's value for its member."""
        await orders.insert(order("o1"))
        updated = await orders.update(
            "o1", status="shipped", tags=["x"], lines=(OrderLine("s", 1),)
        )
        assert updated == order("o1", status=Status.SHIPPED, tags=["x"], lines=(OrderLine("s", 1),))

    async def test_update_of_a_missing_id_raises_not_found(self, orders: Orders) -> None:
        """update() of an id never stored raises ModelNotFoundError and stores nothing."""
        with pytest.raises(ModelNotFoundError) as raised:
            await orders.update("o404", note="x")
        assert raised.value.model_id == "o404"
        assert await orders.count() == 0

    async def test_update_refuses_unknown_fields_and_the_id(self, orders: Orders) -> None:
        """A change to a field the model lacks, or to the id, is a QueryError."""
        await orders.insert(order("o1"))
        with pytest.raises(QueryError, match="costumer"):
            await orders.update("o1", costumer="x")
        with pytest.raises(QueryError, match="id"):
            await orders.update("o1", id="o2")
        assert await orders.get("o1") == order("o1")

    async def test_update_refuses_a_value_of_the_wrong_type(self, orders: Orders) -> None:
        """A change whose value does not fit its field raises SerializationError."""
        await orders.insert(order("o1"))
        with pytest.raises(SerializationError, match=r"OrderSummary\.items"):
            await orders.update("o1", items="three")
        assert await orders.get("o1") == order("o1")

    async def test_delete_removes_the_model_and_says_whether_it_was_there(
        self, orders: Orders
    ) -> None:
        """delete() is True for a stored id, False after that."""
        await orders.insert(order("o1"))
        await orders.insert(order("o2"))
        assert await orders.delete("o1") is True
        assert await orders.get("o1") is None
        assert await orders.delete("o1") is False
        assert await orders.get("o2") == order("o2")

    async def test_clear_removes_every_model(self, loaded: Orders) -> None:
        """After clear() nothing is found, and new models can be stored."""
        await loaded.clear()
        assert await loaded.count() == 0
        assert await loaded.find() == []
        await loaded.insert(order("o1"))
        assert await loaded.count() == 1

    async def test_models_with_an_int_id_under_another_name(
        self, make_repository: RepositoryFactory
    ) -> None:
        """A model whose id field is `key: int` is stored and found by that int."""
        counters: ReadModelRepository[Counter] = await make_repository(Counter, id_field="key")
        await counters.insert(Counter(7, "seven", 1))
        await counters.upsert(Counter(11, "eleven"))
        assert await counters.get(7) == Counter(7, "seven", 1)
        assert await counters.update(11, value=5) == Counter(11, "eleven", 5)
        assert [c.key for c in await counters.find(Query().order_by("-key"))] == [11, 7]

    async def test_models_with_a_uuid_id_are_found_by_the_uuid_or_its_text(
        self, make_repository: RepositoryFactory
    ) -> None:
        """A UUID id works as a UUID and as its text."""
        devices: ReadModelRepository[Device] = await make_repository(Device)
        device_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
        await devices.insert(Device(device_id, "sensor"))
        assert await devices.get(device_id) == Device(device_id, "sensor")
        assert await devices.get(str(device_id)) == Device(device_id, "sensor")
        assert await devices.delete(str(device_id)) is True

    async def test_an_id_of_the_wrong_type_is_a_query_error(self, orders: Orders) -> None:
        """get(), update() and delete() refuse an id that is not of the id field's type."""
        with pytest.raises(QueryError, match=r"OrderSummary\.id"):
            await orders.get(17)
        with pytest.raises(QueryError):
            await orders.delete(None)
        with pytest.raises(QueryError):
            await orders.update(3.5, note="x")

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"total": 9.99}, "total"),
            ({"placed_at": datetime(2025, 1, 1)}, "placed_at"),
            ({"customer": None}, "customer"),
            ({"items": True}, "items"),
            ({"status": "lost"}, "status"),
            ({"weight": float("nan")}, "weight"),
            ({"items": 2**63}, "items"),
        ],
        ids=[
            "float-for-decimal",
            "naive-datetime",
            "none",
            "bool-for-int",
            "bad-enum",
            "nan",
            "huge",
        ],
    )
    async def test_a_model_with_a_value_that_does_not_fit_is_refused(
        self, orders: Orders, changes: dict[str, Any], field: str
    ) -> None:
        """insert() and upsert() check every value against its field; nothing is stored."""
        bad = dataclasses.replace(order("o1"), **changes)
        with pytest.raises(SerializationError, match=rf"OrderSummary\.{field}"):
            await orders.insert(bad)
        with pytest.raises(SerializationError, match=rf"OrderSummary\.{field}"):
            await orders.upsert(bad)
        assert await orders.get("o1") is None

    async def test_a_model_of_another_class_is_refused(self, orders: Orders) -> None:
        """Storing an object that is not the repository's model raises SerializationError."""
        with pytest.raises(SerializationError, match="OrderSummary"):
            await orders.insert(Counter(1, "x"))  # type: ignore[arg-type]

    async def test_changing_a_returned_model_changes_nothing_stored(
        self, make_repository: RepositoryFactory
    ) -> None:
        """Models are values: mutating what get() or find() returned does not write."""
        counters: ReadModelRepository[Counter] = await make_repository(Counter, id_field="key")
        await counters.insert(Counter(1, "one"))
        got = await counters.get(1)
        assert got is not None
        got.value = 99
        (found,) = await counters.find()
        found.name = "changed"
        assert await counters.get(1) == Counter(1, "one")

    async def test_integers_use_all_64_bits(self, make_repository: RepositoryFactory) -> None:
        """The largest and smallest 64-bit ints round-trip and compare."""
        counters: ReadModelRepository[Counter] = await make_repository(Counter, id_field="key")
        await counters.insert(Counter(2**63 - 1, "max", -(2**63)))
        await counters.insert(Counter(-(2**63), "min", 2**63 - 1))
        assert await counters.get(2**63 - 1) == Counter(2**63 - 1, "max", -(2**63))
        found = await counters.find(Query().where(F("value") > 0))
        assert [c.name for c in found] == ["min"]

    # --- concurrency ---------------------------------------------------------------------

    async def test_concurrent_upserts_of_distinct_ids_are_all_stored(self, orders: Orders) -> None:
        """Forty concurrent upserts of different ids all land."""
        await asyncio.gather(*(orders.upsert(order(f"c{i:02}", items=i)) for i in range(40)))
        assert await orders.count() == 40
        assert [o.items for o in await orders.find()] == list(range(40))

    async def test_concurrent_upserts_of_one_id_leave_one_of_them(self, orders: Orders) -> None:
        """Concurrent upserts of the same id raise nothing; the last write wins whole."""
        writes = [order("o1", items=i, customer=f"c{i}") for i in range(20)]
        await asyncio.gather(*(orders.upsert(w) for w in writes))
        stored = await orders.get("o1")
        assert stored in writes
        assert await orders.count() == 1

    async def test_concurrent_inserts_of_one_id_store_exactly_one(self, orders: Orders) -> None:
        """Of concurrent inserts of the same id one succeeds, the others raise duplicate."""
        results = await asyncio.gather(
            *(orders.insert(order("o1", items=i)) for i in range(10)), return_exceptions=True
        )
        assert sum(r is None for r in results) == 1
        assert all(isinstance(r, DuplicateModelError) for r in results if r is not None)
        assert await orders.count() == 1

    async def test_concurrent_updates_of_different_fields_both_take_effect(
        self, orders: Orders
    ) -> None:
        """Updates of distinct fields of one model, made at once, are not lost."""
        await orders.insert(order("o1"))
        fields = {"items": 9, "note": "n", "customer": "zed", "paid": True, "weight": 7.5}
        await asyncio.gather(*(orders.update("o1", **{k: v}) for k, v in fields.items()))
        assert await orders.get("o1") == order("o1", **fields)

    async def test_readers_during_writes_see_whole_models_and_growing_counts(
        self, orders: Orders
    ) -> None:
        """While models are inserted, concurrent reads see each model whole, never fewer."""
        written = {f"r{i:02}": order(f"r{i:02}", items=i, tags=[f"t{i}"]) for i in range(30)}

        async def write() -> None:
            for model in written.values():
                await orders.insert(model)

        async def read() -> list[int]:
            counts = []
            for _ in range(15):
                found = await orders.find(Query().where(F("items") >= 0))
                assert all(written[m.id] == m for m in found)
                counts.append(len(found))
                await asyncio.sleep(0)
            return counts

        results = await asyncio.gather(write(), read(), read())
        for counts in results[1:]:
            assert counts == sorted(counts)
        assert await orders.count() == 30
