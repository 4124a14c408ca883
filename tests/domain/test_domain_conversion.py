"""`to_primitive` / `from_primitive`: event objects to JSON-compatible primitives and back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import JSONSerializer, MsgpackSerializer, from_primitive, to_primitive
from mink_runtime.errors import SerializationError


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


@dataclasses.dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal


@dataclasses.dataclass(frozen=True)
class Order:
    reference: uuid.UUID
    placed_at: dt.datetime
    lines: list[Line]
    size: Size
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class Collections:
    as_list: list[int]
    as_tuple: tuple[int, ...]
    as_set: set[str]
    as_frozenset: frozenset[str]
    as_pair: tuple[int, str]
    prices: dict[str, Decimal]


@dataclasses.dataclass(frozen=True)
class Times:
    at: dt.datetime
    on: dt.date
    clock: dt.time
    took: dt.timedelta


@dataclasses.dataclass(frozen=True)
class Maybe:
    when: dt.date | None = None
    line: Line | None = None


@dataclasses.dataclass(frozen=True)
class Measured:
    weight: float


@dataclasses.dataclass(frozen=True)
class Versioned:
    name: str
    added_later: int = 0


@dataclasses.dataclass(frozen=True)
class Node:
    label: str
    children: list[Node] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Tally:
    counts: dict[int, str]


@dataclasses.dataclass(frozen=True)
class Stock:
    by_size: dict[Size, int]


PLACED_AT = dt.datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)


def an_order() -> Order:
    return Order(
        reference=uuid.UUID("0192d5a0-0000-7000-8000-000000000001"),
        placed_at=PLACED_AT,
        lines=[Line("apple", 2, Decimal("0.10")), Line("pear", 1, Decimal("1.25"))],
        size=Size.LARGE,
    )


def test_a_nested_dataclass_becomes_plain_json_compatible_data() -> None:
    """Dataclasses, UUIDs, datetimes, decimals and enums turn into dicts, lists and strings."""
    assert to_primitive(an_order()) == {
        "reference": "0192d5a0-0000-7000-8000-000000000001",
        "placed_at": "2025-03-04T05:06:07.890123+00:00",
        "lines": [
            {"sku": "apple", "quantity": 2, "price": "0.10"},
            {"sku": "pear", "quantity": 1, "price": "1.25"},
        ],
        "size": "l",
        "note": None,
    }


def test_a_nested_dataclass_is_rebuilt_equal_from_its_primitives() -> None:
    """from_primitive undoes to_primitive, nested classes and typed fields included."""
    order = an_order()
    assert from_primitive(Order, to_primitive(order)) == order


def test_collection_fields_come_back_as_the_annotated_collection_types() -> None:
    """Lists, tuples, sets and frozensets stored as JSON arrays regain their declared types."""
    value = Collections(
        as_list=[3, 1],
        as_tuple=(1, 2, 3),
        as_set={"b", "a"},
        as_frozenset=frozenset({"x"}),
        as_pair=(7, "seven"),
        prices={"apple": Decimal("0.10")},
    )
    rebuilt = from_primitive(Collections, to_primitive(value))
    assert rebuilt == value
    assert type(rebuilt.as_tuple) is tuple
    assert type(rebuilt.as_set) is set
    assert type(rebuilt.as_frozenset) is frozenset
    assert type(rebuilt.prices["apple"]) is Decimal


def test_sets_and_tuples_become_lists() -> None:
    """JSON has only arrays, so every sequence or set is written as a list."""
    assert to_primitive((1, 2)) == [1, 2]
    assert to_primitive(frozenset({"only"})) == ["only"]


def test_dates_times_and_durations_round_trip() -> None:
    """datetime, date, time and timedelta are written as ISO text / seconds and read back."""
    value = Times(
        at=PLACED_AT,
        on=dt.date(2025, 1, 31),
        clock=dt.time(23, 59, 1),
        took=dt.timedelta(minutes=1, microseconds=500),
    )
    primitive = to_primitive(value)
    assert primitive["took"] == 60.0005
    assert from_primitive(Times, primitive) == value


def test_an_aware_datetime_keeps_its_offset() -> None:
    """The time zone offset survives, so the instant and the offset are the same after decoding."""
    paris = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rebuilt = from_primitive(dt.datetime, to_primitive(paris))
    assert rebuilt == paris
    assert rebuilt.utcoffset() == dt.timedelta(hours=2)


def test_decimals_keep_their_exact_digits() -> None:
    """A Decimal is written as text, never through a float, so 0.10 stays 0.10."""
    assert to_primitive(Decimal("0.10")) == "0.10"
    assert from_primitive(Decimal, "0.10") == Decimal("0.10")
    assert str(from_primitive(Decimal, 0.1)) == "0.1"


def test_an_enum_is_stored_by_value_and_rebuilt_as_its_member() -> None:
    """Enum members become their values and come back as the members."""
    assert to_primitive(Size.SMALL) == "s"
    assert from_primitive(Size, "s") is Size.SMALL


def test_optional_fields_accept_none_and_a_value() -> None:
    """An Optional field decodes None as None and a value as the inner type."""
    assert from_primitive(Maybe, {"when": None, "line": None}) == Maybe()
    rebuilt = from_primitive(
        Maybe, {"when": "2025-01-02", "line": {"sku": "a", "quantity": 1, "price": "2"}}
    )
    assert rebuilt == Maybe(when=dt.date(2025, 1, 2), line=Line("a", 1, Decimal(2)))


def test_a_whole_number_for_a_float_field_becomes_a_float() -> None:
    """JSON writes 2.0 as 2; a float field still gets a float back."""
    rebuilt = from_primitive(Measured, {"weight": 2})
    assert rebuilt.weight == 2.0
    assert type(rebuilt.weight) is float


def test_a_self_referencing_dataclass_round_trips() -> None:
    """A tree of nodes whose children are nodes is rebuilt to any depth."""
    tree = Node("root", [Node("a", [Node("a1")]), Node("b")])
    assert from_primitive(Node, to_primitive(tree)) == tree


def test_fields_the_class_no_longer_has_are_ignored() -> None:
    """Stored keys for removed fields do not break decoding of old events."""
    assert from_primitive(Versioned, {"name": "x", "removed_field": 1}) == Versioned("x")


def test_fields_added_with_a_default_take_the_default_for_old_data() -> None:
    """An event stored before a field with a default was added still decodes."""
    assert from_primitive(Versioned, {"name": "x"}).added_later == 0


def test_a_missing_required_field_raises_a_serialization_error() -> None:
    """The error names the class and suggests defaults or an upcaster."""
    with pytest.raises(SerializationError, match="cannot rebuild Versioned") as raised:
        from_primitive(Versioned, {})
    assert "upcaster" in str(raised.value)


def test_data_of_the_wrong_shape_raises_a_serialization_error() -> None:
    """A string where an object is expected is reported, not passed on as a TypeError."""
    with pytest.raises(SerializationError, match="Order"):
        from_primitive(Order, "not an object")


def test_an_object_that_is_already_built_is_returned_as_it_is() -> None:
    """Decoding an instance of the class itself is a no-op."""
    order = an_order()
    assert from_primitive(Order, order) is order


def test_an_unsupported_value_raises_a_serialization_error_naming_its_type() -> None:
    """Objects mink cannot turn into primitives are refused with the type named."""

    class Opaque:
        pass

    with pytest.raises(SerializationError, match="cannot serialize a Opaque"):
        to_primitive({"inside": Opaque()})


def test_mapping_keys_that_are_not_strings_become_strings() -> None:
    """JSON object keys are text, so UUID and int keys are written as text."""
    key = uuid.UUID(int=1)
    assert to_primitive({key: 1, 2: "two"}) == {str(key): 1, "2": "two"}


def test_a_class_whose_field_types_cannot_be_resolved_is_reported() -> None:
    """A dataclass naming a class defined inside a function fails with advice, not NameError."""
    outer = _dataclass_with_a_local_field_type()
    with pytest.raises(SerializationError, match="define the classes its fields name"):
        from_primitive(outer, {"inner": {"x": 1}})


def test_an_unresolvable_class_is_reported_again_on_the_second_decode() -> None:
    """Decoding such a class twice gives the same SerializationError both times."""
    outer = _dataclass_with_a_local_field_type()
    with pytest.raises(SerializationError):
        from_primitive(outer, {"inner": {"x": 1}})
    with pytest.raises(SerializationError, match="define the classes its fields name"):
        from_primitive(outer, {"inner": {"x": 1}})


def _dataclass_with_a_local_field_type() -> type[Any]:
    @dataclasses.dataclass
    class Inner:
        x: int

    @dataclasses.dataclass
    class Outer:
        inner: Inner

    return Outer


@pytest.mark.parametrize(
    "serializer", [JSONSerializer(), MsgpackSerializer()], ids=["json", "msgpack"]
)
def test_integer_dict_keys_come_back_as_integers(
    serializer: JSONSerializer | MsgpackSerializer,
) -> None:
    """A dict[int, str] field decodes with int keys, equal to what was stored."""
    tally = Tally({1: "one"})
    assert from_primitive(Tally, serializer.loads(serializer.dumps(tally))) == tally


def test_enum_dict_keys_round_trip_through_primitives() -> None:
    """A dict keyed by an Enum is written by the members' values and rebuilt equal."""
    stock = Stock({Size.SMALL: 3})
    assert to_primitive(stock) == {"by_size": {"s": 3}}
    assert from_primitive(Stock, to_primitive(stock)) == stock


def payment_model() -> Any:
    """A pydantic model `Payment(id, at, amount)`; the test skips without pydantic."""
    pydantic: Any = pytest.importorskip("pydantic")
    return pydantic.create_model(
        "Payment", id=(uuid.UUID, ...), at=(dt.datetime, ...), amount=(Decimal, ...)
    )


class TestPydanticModels:
    """pydantic v2 models are recognised by duck typing, without mink importing pydantic."""

    def test_a_model_becomes_its_json_mode_dump(self) -> None:
        """to_primitive uses model_dump(mode='json'): UUIDs, datetimes and decimals become text."""
        payment = payment_model()(id=uuid.UUID(int=5), at=PLACED_AT, amount=Decimal("9.99"))
        assert to_primitive(payment) == {
            "id": str(uuid.UUID(int=5)),
            "at": "2025-03-04T05:06:07.890123Z",
            "amount": "9.99",
        }

    def test_a_model_is_rebuilt_with_model_validate(self) -> None:
        """from_primitive validates the primitives into an equal model."""
        model = payment_model()
        payment = model(id=uuid.UUID(int=5), at=PLACED_AT, amount=Decimal("9.99"))
        assert from_primitive(model, to_primitive(payment)) == payment

    def test_a_model_round_trips_through_the_json_serializer(self) -> None:
        """A model event is written by orjson through to_primitive and read back equal."""
        model = payment_model()
        payment = model(id=uuid.UUID(int=5), at=PLACED_AT, amount=Decimal("9.99"))
        serializer = JSONSerializer()
        assert from_primitive(model, serializer.loads(serializer.dumps(payment))) == payment

    def test_invalid_data_for_a_model_raises_a_serialization_error(self) -> None:
        """pydantic's ValidationError (a ValueError) is reported as a SerializationError."""
        with pytest.raises(SerializationError, match="Payment"):
            from_primitive(payment_model(), {"id": "not a uuid"})
