"""The built-in serializers: JSON (orjson) and MessagePack."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mink_runtime.domain import JSONSerializer, MsgpackSerializer, Serializer
from mink_runtime.errors import SerializationError


class Speed(enum.Enum):
    SLOW = "slow"
    FAST = "fast"


@dataclass(frozen=True)
class Dispatched:
    parcel: uuid.UUID
    at: datetime
    cost: Decimal
    speed: Speed
    labels: frozenset[str]


DISPATCHED = Dispatched(
    parcel=uuid.UUID(int=42),
    at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    cost=Decimal("4.10"),
    speed=Speed.FAST,
    labels=frozenset({"fragile"}),
)

DISPATCHED_PRIMITIVES = {
    "parcel": str(uuid.UUID(int=42)),
    "at": "2025-01-02T03:04:05+00:00",
    "cost": "4.10",
    "speed": "fast",
    "labels": ["fragile"],
}

SERIALIZERS = [JSONSerializer(), MsgpackSerializer()]


@pytest.mark.parametrize("serializer", SERIALIZERS, ids=["json", "msgpack"])
def test_an_event_object_loads_back_as_json_compatible_primitives(serializer: Serializer) -> None:
    """Both serializers write an event object and read it back as plain data."""
    assert serializer.loads(serializer.dumps(DISPATCHED)) == DISPATCHED_PRIMITIVES


@pytest.mark.parametrize("serializer", SERIALIZERS, ids=["json", "msgpack"])
def test_both_serializers_satisfy_the_serializer_protocol(serializer: Serializer) -> None:
    """The built-ins can be passed wherever a Serializer is expected."""
    assert isinstance(serializer, Serializer)


def test_each_serializer_names_its_content_type() -> None:
    """The content type recorded with every event tells readers how to decode it."""
    assert JSONSerializer.content_type == "application/json"
    assert MsgpackSerializer.content_type == "application/msgpack"


def test_json_writes_decimals_as_text_not_as_floats() -> None:
    """Money keeps its exact digits in the stored JSON."""
    assert JSONSerializer().dumps({"cost": Decimal("0.10")}) == b'{"cost":"0.10"}'


def test_json_writes_non_string_keys_as_text() -> None:
    """Dicts keyed by ints or UUIDs are still valid JSON objects."""
    assert JSONSerializer().loads(JSONSerializer().dumps({1: "a", uuid.UUID(int=1): "b"})) == {
        "1": "a",
        str(uuid.UUID(int=1)): "b",
    }


def test_json_reads_text_as_well_as_bytes() -> None:
    """Drivers that hand back str (e.g. jsonb as text) decode too."""
    assert JSONSerializer().loads('{"a": [1, 2]}') == {"a": [1, 2]}


def test_json_refuses_a_value_it_cannot_encode() -> None:
    """An unsupported object raises SerializationError, not orjson's TypeError."""
    with pytest.raises(SerializationError):
        JSONSerializer().dumps({"x": object()})


def test_json_refuses_invalid_stored_data() -> None:
    """Corrupt JSON is reported as a SerializationError."""
    with pytest.raises(SerializationError, match="stored JSON is not valid"):
        JSONSerializer().loads(b"{not json")


def test_msgpack_keeps_bytes_as_bytes() -> None:
    """Binary values survive MessagePack unchanged (JSON cannot hold them)."""
    serializer = MsgpackSerializer()
    assert serializer.loads(serializer.dumps({"blob": b"\x00\xff"})) == {"blob": b"\x00\xff"}


def test_msgpack_refuses_stored_text() -> None:
    """MessagePack data that comes back as str was mangled by the storage; that is an error."""
    with pytest.raises(SerializationError, match="came back as text"):
        MsgpackSerializer().loads("text")


@pytest.mark.parametrize(
    "raw", [b"\xc1", b"\x92\x01", b"\x01\x02"], ids=["reserved", "truncated", "extra"]
)
def test_msgpack_refuses_invalid_stored_data(raw: bytes) -> None:
    """Corrupt, truncated or over-long MessagePack is reported as a SerializationError."""
    with pytest.raises(SerializationError, match="stored msgpack is not valid"):
        MsgpackSerializer().loads(raw)


def test_msgpack_refuses_a_value_it_cannot_encode() -> None:
    """Integers beyond 64 bits and unsupported objects raise SerializationError."""
    with pytest.raises(SerializationError):
        MsgpackSerializer().dumps({"n": 2**70})
    with pytest.raises(SerializationError):
        MsgpackSerializer().dumps({"x": object()})
