"""The event codec: `NewEvent` → bytes for a store row, and a store row → `RecordedEvent`.

Every adapter encodes and decodes through one codec, so all backends agree on what is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mink_runtime.domain._context import with_message_context
from mink_runtime.domain._conversion import from_primitive
from mink_runtime.domain._envelopes import Metadata, NewEvent, RecordedEvent
from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._registry import EventRegistry, default_registry
from mink_runtime.domain._serialization import JSONSerializer, Serializer, serializer_for
from mink_runtime.errors import SerializationError

__all__ = ["EncodedEvent", "EventCodec"]

JSON_CONTENT_TYPE = JSONSerializer.content_type


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    """An event ready for a store row."""

    event_id: uuid.UUID
    type: str
    schema_version: int
    data: bytes
    content_type: str
    metadata: bytes | None
    """JSON, or None when the event carries no metadata."""

    @property
    def is_json(self) -> bool:
        return self.content_type == JSON_CONTENT_TYPE


class EventCodec:
    """Encodes events with a serializer and names their types with a registry."""

    def __init__(
        self, registry: EventRegistry | None = None, serializer: Serializer | None = None
    ) -> None:
        self.registry = registry if registry is not None else default_registry
        self.serializer = serializer if serializer is not None else JSONSerializer()
        self._readers: dict[str, Serializer] = {}

    def encode(self, event: NewEvent | object) -> EncodedEvent:
        """Encode one event for appending; metadata fields it leaves unset come from the
        message context in force (`message_context`, the command bus).

        Raises:
            UnknownEventTypeError: the event's class is not registered and no type is given.
            SerializationError: the data cannot be serialized.
        """
        if isinstance(event, NewEvent):
            data, type_name, event_id, metadata = (
                event.data,
                event.type,
                event.event_id,
                event.metadata,
            )
        else:
            data, type_name, event_id, metadata = event, None, None, Metadata.EMPTY
        if type_name is None:
            if isinstance(data, Mapping):
                raise SerializationError(
                    "a dict event needs a type name: NewEvent(type='OrderPlaced', data={...})"
                )
            registered = self.registry.type_of(type(data))
            type_name, schema_version = registered.name, registered.version
        else:
            entry = self.registry.lookup(type_name)
            schema_version = entry.version if entry is not None else 1
        if event_id is None:
            event_id = uuid7()
        return EncodedEvent(
            event_id=event_id,
            type=type_name,
            schema_version=schema_version,
            data=self.serializer.dumps(data),
            content_type=self.serializer.content_type,
            metadata=self.encode_metadata(with_message_context(metadata)),
        )

    @staticmethod
    def encode_metadata(metadata: Metadata) -> bytes | None:
        fields = metadata.to_dict()
        return orjson.dumps(fields) if fields else None

    def decode_data(self, type_name: str, raw: bytes | str, content_type: str) -> Any:
        """The event object for stored data; a dict/list when the type is not registered."""
        reader = self._readers.get(content_type)
        if reader is None:
            reader = self._readers[content_type] = serializer_for(content_type, self.serializer)
        value = reader.loads(raw)
        entry = self.registry.lookup(type_name)
        return value if entry is None else from_primitive(entry.cls, value)

    def decode(
        self,
        *,
        event_id: uuid.UUID,
        stream_id: str,
        version: int,
        position: int,
        transaction_id: int,
        type_name: str,
        schema_version: int,
        data: bytes | str,
        content_type: str,
        metadata: bytes | str | None,
        recorded_at: datetime,
        tenant_id: str,
    ) -> RecordedEvent:
        """Build the `RecordedEvent` for one stored row."""
        return RecordedEvent(
            event_id=event_id,
            stream_id=stream_id,
            version=version,
            position=position,
            transaction_id=transaction_id,
            type=type_name,
            schema_version=schema_version,
            data=self.decode_data(type_name, data, content_type),
            metadata=Metadata.EMPTY
            if metadata is None
            else Metadata.from_dict(orjson.loads(metadata)),
            recorded_at=recorded_at,
            tenant_id=tenant_id,
            size=len(data),
        )
