"""`EventCodec`: events to store rows and store rows back to `RecordedEvent`s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from mink_runtime.domain import (
    Checkpoint,
    EncodedEvent,
    EventCodec,
    EventRegistry,
    JSONSerializer,
    Metadata,
    MsgpackSerializer,
    NewEvent,
    default_registry,
)
from mink_runtime.errors import SerializationError, UnknownEventTypeError

registry = EventRegistry()


@registry.event("codec.Renamed", version=2)
@dataclass(frozen=True)
class Renamed:
    name: str


@dataclass(frozen=True)
class NotRegistered:
    name: str


RECORDED_AT = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)


def decode(codec: EventCodec, encoded: EncodedEvent, **overrides: Any) -> Any:
    """Decode an encoded event as an adapter would after reading its row."""
    row: dict[str, Any] = {
        "event_id": encoded.event_id,
        "stream_id": "person-1",
        "version": 3,
        "position": 17,
        "transaction_id": 0,
        "type_name": encoded.type,
        "schema_version": encoded.schema_version,
        "data": encoded.data,
        "content_type": encoded.content_type,
        "metadata": encoded.metadata,
        "recorded_at": RECORDED_AT,
        "tenant_id": "",
    }
    return codec.decode(**(row | overrides))


def test_a_registered_event_is_encoded_under_its_type_name_and_version() -> None:
    """The row carries the registered name and schema version, JSON data and a UUIDv7 id."""
    encoded = EventCodec(registry).encode(Renamed("ada"))
    assert (encoded.type, encoded.schema_version) == ("codec.Renamed", 2)
    assert orjson.loads(encoded.data) == {"name": "ada"}
    assert encoded.content_type == "application/json"
    assert encoded.is_json
    assert encoded.event_id.version == 7
    assert encoded.metadata is None


def test_a_new_event_keeps_its_own_id_and_metadata() -> None:
    """The caller's event id (for idempotent retries) and metadata are what get stored."""
    event_id = uuid.uuid4()
    metadata = Metadata(correlation_id="c-1", user_id="u-9")
    encoded = EventCodec(registry).encode(
        NewEvent(data=Renamed("ada"), event_id=event_id, metadata=metadata)
    )
    assert encoded.event_id == event_id
    assert encoded.metadata is not None
    assert orjson.loads(encoded.metadata) == {"correlation_id": "c-1", "user_id": "u-9"}


def test_a_dict_event_with_a_type_name_is_stored_as_it_is() -> None:
    """Plain data with an explicit type needs no class; its schema version defaults to 1."""
    encoded = EventCodec(registry).encode(NewEvent(type="legacy.Thing", data={"a": 1}))
    assert (encoded.type, encoded.schema_version) == ("legacy.Thing", 1)
    assert orjson.loads(encoded.data) == {"a": 1}


def test_a_dict_event_under_a_registered_name_takes_that_schema_version() -> None:
    """An explicit type name that the registry knows records the registered version."""
    encoded = EventCodec(registry).encode(NewEvent(type="codec.Renamed", data={"name": "x"}))
    assert encoded.schema_version == 2


def test_a_dict_event_without_a_type_name_is_refused() -> None:
    """The error shows how to give the type."""
    with pytest.raises(SerializationError, match="a dict event needs a type name"):
        EventCodec(registry).encode({"a": 1})


def test_an_unregistered_event_class_is_refused() -> None:
    """Encoding an object whose class has no type name raises UnknownEventTypeError."""
    with pytest.raises(UnknownEventTypeError):
        EventCodec(registry).encode(NotRegistered("x"))


def test_a_row_decodes_to_a_recorded_event_holding_the_event_object() -> None:
    """Every column lands in the RecordedEvent, and the data is the registered class again."""
    codec = EventCodec(registry)
    encoded = codec.encode(NewEvent(data=Renamed("ada"), metadata=Metadata(user_id="u")))
    recorded = decode(codec, encoded)
    assert recorded.data == Renamed("ada")
    assert recorded.event_id == encoded.event_id
    assert (recorded.stream_id, recorded.version, recorded.position) == ("person-1", 3, 17)
    assert (recorded.type, recorded.schema_version) == ("codec.Renamed", 2)
    assert recorded.metadata == Metadata(user_id="u")
    assert recorded.recorded_at == RECORDED_AT
    assert recorded.size == len(encoded.data)
    assert recorded.checkpoint == Checkpoint(0, 17)
    assert recorded.category == "person"


def test_an_unknown_type_decodes_to_plain_data() -> None:
    """A reader that lacks the event class still gets the event, as a dict."""
    encoded = EventCodec(registry).encode(Renamed("ada"))
    recorded = decode(EventCodec(EventRegistry()), encoded)
    assert recorded.data == {"name": "ada"}
    assert recorded.type == "codec.Renamed"


def test_an_event_without_metadata_decodes_with_empty_metadata() -> None:
    """No stored metadata reads as Metadata.EMPTY, never None."""
    codec = EventCodec(registry)
    recorded = decode(codec, codec.encode(Renamed("ada")))
    assert recorded.metadata is Metadata.EMPTY


def test_metadata_stored_as_text_decodes_too() -> None:
    """Drivers handing back the metadata column as str are understood."""
    codec = EventCodec(registry)
    recorded = decode(codec, codec.encode(Renamed("a")), metadata='{"causation_id": "cmd-1"}')
    assert recorded.metadata == Metadata(causation_id="cmd-1")


def test_events_written_with_another_built_in_serializer_still_decode() -> None:
    """After switching serializer, events stored as msgpack still read through a JSON codec."""
    old = EventCodec(registry, MsgpackSerializer()).encode(Renamed("ada"))
    assert old.content_type == "application/msgpack"
    assert not old.is_json
    recorded = decode(EventCodec(registry, JSONSerializer()), old)
    assert recorded.data == Renamed("ada")


def test_an_unknown_content_type_is_refused_with_advice() -> None:
    """Data stored in a format no serializer reads asks for one to be passed."""
    codec = EventCodec(registry)
    encoded = codec.encode(Renamed("ada"))
    with pytest.raises(SerializationError, match=r"serializer=\.\.\."):
        decode(codec, encoded, content_type="application/x-custom")


def test_stored_data_that_no_longer_fits_the_class_is_refused() -> None:
    """A row missing a required field raises SerializationError suggesting an upcaster."""
    codec = EventCodec(registry)
    encoded = codec.encode(NewEvent(type="codec.Renamed", data={"other": 1}))
    with pytest.raises(SerializationError, match="upcaster"):
        decode(codec, encoded)


def test_a_codec_defaults_to_the_default_registry_and_json() -> None:
    """With no arguments a codec names types with default_registry and writes JSON."""
    codec = EventCodec()
    assert codec.registry is default_registry
    assert isinstance(codec.serializer, JSONSerializer)
