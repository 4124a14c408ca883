"""The event codec: `NewEvent` → bytes for a store row, and a store row → `RecordedEvent`.

Every adapter encodes and decodes through one codec, so all backends agree on what is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mink_runtime.domain._context import with_message_context
from mink_runtime.domain._conversion import builder_for, converter_for
from mink_runtime.domain._envelopes import Metadata, NewEvent, RecordedEvent
from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._registry import EventRegistry, default_registry
from mink_runtime.domain._serialization import JSONSerializer, Serializer, serializer_for
from mink_runtime.errors import SerializationError

__all__ = ["ROW_LAYOUT", "EncodedEvent", "EventCodec"]

JSON_CONTENT_TYPE = JSON = JSONSerializer.content_type


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
        self._decoders: dict[str, dict[str, Callable[[Any], Any]]] = {}
        """Per content type, per event type: the fast decoder of its data."""
        self._careful: dict[tuple[str, str], Callable[[Any], Any]] = {}
        self._generation = self.registry.generation

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
        """The event object for stored data; a dict/list when the type is not registered.

        Raises:
            SerializationError: the data does not fit the registered class.
        """
        return self._careful_decoder(type_name, content_type)(raw)

    def decode(
        self,
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
        """Build the `RecordedEvent` for one stored row.

        Raises:
            SerializationError: the data or metadata cannot be decoded.
        """
        return _new_recorded(
            RecordedEvent,
            (
                event_id,
                stream_id,
                version,
                position,
                transaction_id,
                type_name,
                schema_version,
                self.decode_data(type_name, data, content_type),
                _decode_metadata(metadata),
                recorded_at,
                tenant_id,
                len(data),
            ),
        )

    def decode_rows(self, rows: Iterable[Sequence[Any]]) -> list[RecordedEvent]:
        """Build the `RecordedEvent`s of many rows, each starting with the `ROW_LAYOUT` columns.

        The loop of every global-log read: it keeps calls per event to a minimum, and sends a
        row that fails to the careful path of `decode`, which raises the telling error.

        Raises:
            SerializationError: a row's data or metadata cannot be decoded.
        """
        if self._generation != self.registry.generation:
            self._forget_decoders()
        decoders, find, json = self._decoders, self._fast_decoder, JSON
        json_decoders = decoders.setdefault(json, {})
        make, recorded, no_metadata = _new_recorded, RecordedEvent, Metadata.EMPTY
        events: list[RecordedEvent] = []
        append = events.append
        for row in rows:  # indexed, not unpacked: a row may carry more columns after these
            type_name, text, content_type = row[5], row[7], row[9]
            raw = text if text is not None else row[8]
            try:
                if content_type is None or content_type == json:
                    content_type = json
                    decoder = json_decoders.get(type_name) or find(type_name, json)
                else:
                    decoder = decoders.get(content_type, {}).get(type_name) or find(
                        type_name, content_type
                    )
                metadata = row[10]
                append(
                    make(
                        recorded,
                        (
                            row[0],
                            row[1],
                            row[2],
                            row[3],
                            row[4],
                            type_name,
                            row[6],
                            decoder(raw),
                            no_metadata if metadata is None else _decode_metadata(metadata),
                            row[11],
                            row[12],
                            len(raw),
                        ),
                    )
                )
            except Exception:
                event_id, stream_id, version, position, transaction_id, _, schema_version = row[:7]
                append(
                    self.decode(
                        event_id,
                        stream_id,
                        version,
                        position,
                        transaction_id,
                        type_name,
                        schema_version,
                        raw,
                        content_type,
                        row[10],
                        row[11],
                        row[12],
                    )
                )
        return events

    # --- decoders per (type, content type) -------------------------------------------------

    def _forget_decoders(self) -> None:
        self._decoders.clear()
        self._careful.clear()
        self._generation = self.registry.generation

    def _fast_decoder(self, type_name: str, content_type: str) -> Callable[[Any], Any]:
        """Decodes one event's data; may raise any error on bad data (`decode_rows` catches)."""
        loads = serializer_for(content_type, self.serializer).loads
        entry = self.registry.lookup(type_name)
        convert = None if entry is None else converter_for(entry.cls)
        if convert is None:
            decoder = loads
        else:

            def decoder(raw: Any) -> Any:
                return convert(loads(raw))

        self._decoders.setdefault(content_type, {})[type_name] = decoder
        return decoder

    def _careful_decoder(self, type_name: str, content_type: str) -> Callable[[Any], Any]:
        """Decodes one event's data, raising `SerializationError` on bad data."""
        if self._generation != self.registry.generation:
            self._forget_decoders()
        decoder = self._careful.get((type_name, content_type))
        if decoder is None:
            loads = serializer_for(content_type, self.serializer).loads
            entry = self.registry.lookup(type_name)
            if entry is None:
                decoder = loads
            else:
                build = builder_for(entry.cls)

                def decoder(raw: Any) -> Any:
                    return build(loads(raw))

            self._careful[type_name, content_type] = decoder
        return decoder


ROW_LAYOUT = (
    "event_id",
    "stream_id",
    "version",
    "position",
    "transaction_id",
    "type",
    "schema_version",
    "data_text",
    "data_binary",
    "content_type",
    "metadata",
    "recorded_at",
    "tenant_id",
)
"""The columns `EventCodec.decode_rows` reads, in order: data is in exactly one of `data_text`
(JSON) and `data_binary`; a missing content type means JSON."""

_new_recorded = tuple.__new__


def _decode_metadata(metadata: bytes | str | None) -> Metadata:
    if metadata is None:
        return Metadata.EMPTY
    try:
        return Metadata.from_dict(orjson.loads(metadata))
    except (orjson.JSONDecodeError, TypeError, AttributeError) as error:
        raise SerializationError(f"stored event metadata is not valid: {error}") from error
