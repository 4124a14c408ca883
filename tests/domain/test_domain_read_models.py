"""What a read-model dataclass is to mink: fields, kinds, ids, and checked values."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType

import pytest

from mink_runtime.domain import (
    Container,
    FieldKind,
    check_identifier,
    describe_model,
    table_name,
)
from mink_runtime.errors import ConfigurationError, QueryError, SerializationError

CustomerId = NewType("CustomerId", str)


class Size(enum.Enum):
    S = "s"
    M = "m"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    A = "a"
    B = 2


@dataclass
class Part:
    name: str


@dataclass
class Everything:
    id: str
    customer: CustomerId
    label: Annotated[str, "a label"]
    kind: Literal["a", "b"]
    size: Size
    level: Level
    amount: Decimal | None
    tags: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    part: Part | None = None
    pairs: tuple[int, str] = (0, "")


def test_every_field_gets_its_kind() -> None:
    """Type hints decide each field's kind, container and nullability."""
    schema = describe_model(Everything)
    kinds = {name: f.kind for name, f in schema.fields.items()}
    assert kinds == {
        "id": FieldKind.TEXT,
        "customer": FieldKind.TEXT,
        "label": FieldKind.TEXT,
        "kind": FieldKind.TEXT,
        "size": FieldKind.TEXT,
        "level": FieldKind.INTEGER,
        "amount": FieldKind.DECIMAL,
        "tags": FieldKind.JSON,
        "scores": FieldKind.JSON,
        "part": FieldKind.JSON,
        "pairs": FieldKind.JSON,
    }
    fields = schema.fields
    assert fields["amount"].nullable
    assert not fields["size"].nullable
    assert fields["size"].enum is Size
    assert fields["tags"].container is Container.SEQUENCE
    assert fields["scores"].container is Container.MAPPING
    assert fields["part"].container is Container.OTHER
    assert fields["pairs"].element is None  # a fixed tuple of mixed types: no contains


def test_a_schema_is_described_once_per_class_and_id_field() -> None:
    """describe_model caches: the same class gives the same schema."""
    assert describe_model(Everything) is describe_model(Everything)


@pytest.mark.parametrize(
    ("model", "id_field", "message"),
    [
        (dict, "id", "not"),
        (Part, "id", "has no field 'id'"),
        (Part, "name", None),
    ],
)
def test_the_id_field_must_exist(model: type, id_field: str, message: str | None) -> None:
    """A model is a dataclass class with an id field (named by id_field)."""
    if message is None:
        assert describe_model(model, id_field=id_field).id.name == id_field
        return
    with pytest.raises(ConfigurationError, match=message):
        describe_model(model, id_field=id_field)


@dataclass
class FloatId:
    id: float


@dataclass
class OptionalId:
    id: str | None


@dataclass
class Unstorable:
    id: str
    blob: bytes


@dataclass
class Ambiguous:
    id: str
    value: int | str


@dataclass
class MixedEnum:
    id: str
    mixed: Mixed


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (FloatId, "str, an int or a UUID"),
        (OptionalId, "cannot be None"),
        (Unstorable, r"Unstorable\.blob: mink cannot store a field of type bytes"),
        (Ambiguous, r"Ambiguous\.value: a union of several types"),
        (MixedEnum, r"MixedEnum\.mixed"),
    ],
)
def test_models_mink_cannot_store_are_refused_at_once(model: type, message: str) -> None:
    """A bad id or an unstorable field type is a ConfigurationError naming the field."""
    with pytest.raises(ConfigurationError, match=message):
        describe_model(model)


def test_field_names_longer_than_postgres_allows_are_refused() -> None:
    """PostgreSQL would silently cut a column name past 63 bytes: refuse it instead."""
    namespace: dict[str, Any] = {}
    exec(
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        f"class Long:\n    id: str\n    {'x' * 64}: int\n",
        namespace,
    )
    with pytest.raises(ConfigurationError, match="63 bytes"):
        describe_model(namespace["Long"])


def test_values_are_checked_and_coerced() -> None:
    """Ints become floats and Decimals, enum values members, UUID text a UUID."""

    @dataclass
    class Sample:
        id: uuid.UUID
        weight: float
        total: Decimal
        size: Size

    schema = describe_model(Sample)
    values = schema.values(Sample("12345678-1234-5678-1234-567812345678", 2, 3, "m"))  # type: ignore[arg-type]
    assert values == {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "weight": 2.0,
        "total": Decimal(3),
        "size": Size.M,
    }
    assert isinstance(values["weight"], float)


def test_the_row_form_is_json_ready_and_rebuilds_the_model() -> None:
    """to_row writes UTC text, decimal text, enum values; from_row rebuilds an equal model."""

    @dataclass
    class Row:
        id: int
        at: datetime
        day: date
        total: Decimal
        size: Size
        ok: bool

    schema = describe_model(Row)
    moment = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    model = Row(1, moment, date(2025, 1, 2), Decimal("1.50"), Size.S, True)
    row = schema.to_row(schema.values(model))
    assert row == {
        "id": 1,
        "at": "2025-01-02T01:04:05.000006+00:00",
        "day": "2025-01-02",
        "total": "1.50",
        "size": "s",
        "ok": True,
    }
    assert schema.from_row({**row, "ok": 1}) == model


def test_a_stored_row_that_no_longer_fits_the_class_is_a_serialization_error() -> None:
    """A row missing a required field raises, saying how to fix it."""
    schema = describe_model(Part, id_field="name")
    with pytest.raises(SerializationError, match="defaults"):
        schema.from_row({})


def test_ids_and_changes_are_checked() -> None:
    """key() refuses ids of the wrong type; changes() refuses unknown fields and the id."""
    schema = describe_model(Everything)
    assert schema.key("a") == "a"
    with pytest.raises(QueryError, match="must be a str"):
        schema.key(1)
    with pytest.raises(QueryError, match="no field 'colour'"):
        schema.changes({"colour": "red"})
    with pytest.raises(QueryError, match="cannot be updated"):
        schema.changes({"id": "b"})
    assert schema.changes({"amount": 2}) == {"amount": Decimal(2)}


def test_naive_datetimes_are_refused() -> None:
    """A datetime without a UTC offset has no single instant: it is refused."""

    @dataclass
    class Timed:
        id: str
        at: datetime

    schema = describe_model(Timed)
    with pytest.raises(SerializationError, match=r"Timed\.at must be a timezone-aware"):
        schema.values(Timed("t", datetime(2025, 1, 1)))
    assert schema.values(Timed("t", datetime(2025, 1, 1, tzinfo=UTC)))["at"].tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "table"),
    [("OrderSummary", "order_summary"), ("HTTPLog", "http_log"), ("Order2Line", "order2_line")],
)
def test_the_default_table_name_is_the_class_name_in_snake_case(name: str, table: str) -> None:
    """OrderSummary is stored in order_summary."""
    assert table_name(type(name, (), {})) == table


@pytest.mark.parametrize("name", ["", "1st", "drop table", "a-b", "x" * 64, "naïve"])
def test_identifiers_are_plain_and_short(name: str) -> None:
    """Table and schema names are letters, digits and underscores, at most 63 long."""
    with pytest.raises(ConfigurationError):
        check_identifier(name, "table name")


def test_a_field_added_since_a_row_was_written_takes_its_default() -> None:
    """Rows without a field the class gained later rebuild with the field's default."""
    schema = describe_model(Everything)
    row = {"id": "e1", "customer": "c", "label": "l", "kind": "a", "size": "s", "level": 1}
    model = schema.from_row({**row, "amount": None})
    assert (model.tags, model.part, model.pairs) == ([], None, (0, ""))


def test_json_fields_must_hold_their_shape() -> None:
    """A str where a list belongs (or a list where a dict belongs) is refused when written."""
    schema = describe_model(Everything)
    with pytest.raises(SerializationError, match=r"Everything\.tags must be a list"):
        schema.check(schema.fields["tags"], "gift")
    with pytest.raises(SerializationError, match=r"Everything\.scores must be a dict"):
        schema.check(schema.fields["scores"], [1.0])
