"""Serializers: event data to bytes and back. JSON (orjson) is the default; msgpack is built in."""

from __future__ import annotations

import decimal
from typing import Any, Protocol, runtime_checkable

import msgpack
import orjson

from mink_runtime.domain._conversion import to_primitive
from mink_runtime.errors import SerializationError

__all__ = ["JSONSerializer", "MsgpackSerializer", "Serializer", "serializer_for"]


@runtime_checkable
class Serializer(Protocol):
    """Turns event data into bytes and bytes into JSON-compatible primitives."""

    content_type: str
    """A MIME type recorded with every event, so that old events decode after a switch."""

    def dumps(self, value: Any) -> bytes: ...

    def loads(self, raw: bytes | str) -> Any: ...


def _orjson_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    return to_primitive(value)


class JSONSerializer:
    """JSON through orjson. PostgreSQL stores it as jsonb, so the events stay queryable."""

    content_type = "application/json"
    _options = orjson.OPT_NON_STR_KEYS

    def dumps(self, value: Any) -> bytes:
        try:
            return orjson.dumps(value, default=_orjson_default, option=self._options)
        except TypeError as error:
            raise SerializationError(f"cannot encode as JSON: {error}") from error

    def loads(self, raw: bytes | str) -> Any:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise SerializationError(f"stored JSON is not valid: {error}") from error


class MsgpackSerializer:
    """MessagePack: smaller and faster to parse than JSON, stored as binary."""

    content_type = "application/msgpack"

    def dumps(self, value: Any) -> bytes:
        try:
            packed: bytes = msgpack.packb(to_primitive(value), use_bin_type=True)
        except (TypeError, ValueError, OverflowError) as error:
            raise SerializationError(f"cannot encode as msgpack: {error}") from error
        return packed

    def loads(self, raw: bytes | str) -> Any:
        if isinstance(raw, str):
            raise SerializationError("stored msgpack data came back as text, not bytes")
        try:
            return msgpack.unpackb(raw, raw=False, strict_map_key=False)
        except (ValueError, msgpack.ExtraData, msgpack.FormatError) as error:
            raise SerializationError(f"stored msgpack is not valid: {error}") from error


_BUILT_IN: dict[str, Serializer] = {
    JSONSerializer.content_type: JSONSerializer(),
    MsgpackSerializer.content_type: MsgpackSerializer(),
}


def serializer_for(content_type: str, preferred: Serializer) -> Serializer:
    """The serializer that reads `content_type`: the preferred one, else a built-in one.

    Raises:
        SerializationError: nothing here reads that content type.
    """
    if content_type == preferred.content_type:
        return preferred
    try:
        return _BUILT_IN[content_type]
    except KeyError:
        raise SerializationError(
            f"events stored as {content_type!r} need a serializer for it; "
            "pass one to the store (serializer=...)"
        ) from None
