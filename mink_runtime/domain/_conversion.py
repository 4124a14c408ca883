"""Turning event objects into JSON-compatible primitives and back, guided by type hints.

`to_primitive` walks any value (dataclasses, pydantic models, datetimes, UUIDs, decimals, enums,
sets, tuples, mappings) down to dicts, lists, strings and numbers. `from_primitive` rebuilds an
object of a given class from such primitives; it compiles one converter per class, on first
use, from the class's type hints, so decoding a flat dataclass is one constructor call.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from mink_runtime.errors import SerializationError

__all__ = ["builder_for", "converter_for", "from_primitive", "to_primitive"]

Converter = Callable[[Any], Any]

_PASSTHROUGH: frozenset[Any] = frozenset({str, int, bool, bytes, Any, object, type(None)})


def to_primitive(value: Any) -> Any:
    """Return `value` as dicts, lists, str, int, float, bool and None (bytes stay bytes)."""
    if value is None or isinstance(value, str | int | float | bytes):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_primitive(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {_key(k): to_primitive(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_primitive(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_primitive(value.value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    dump = getattr(value, "model_dump", None)  # pydantic v2, without importing it
    if callable(dump):
        return dump(mode="json")
    raise SerializationError(
        f"cannot serialize a {type(value).__name__}: use dataclasses, pydantic models, or "
        "str/int/float/bool/None, datetime, date, UUID, Decimal, Enum, lists, tuples, sets, dicts"
    )


def _key(key: Any) -> str:
    """A mapping key as text: enums by their value, like orjson writes them."""
    if isinstance(key, str):
        return key
    primitive = to_primitive(key)
    return primitive if isinstance(primitive, str) else str(primitive)


def from_primitive(cls: type[Any], data: Any) -> Any:
    """Build an instance of `cls` from primitives written by `to_primitive` (or by JSON).

    Raises:
        SerializationError: the data lacks a field the class requires, or a value has the wrong
            shape for its field's type.
    """
    return builder_for(cls)(data)


def converter_for(cls: type[Any]) -> Converter | None:
    """The bare converter from primitives to `cls` (None: the primitives already are it).

    Fast, and raising whatever a bad value provokes; `builder_for` wraps it with clear errors.
    """
    return _converter_for(cls)


def builder_for(cls: type[Any]) -> Converter:
    """`from_primitive` for one class, compiled once: call it per value on hot paths.

    Its calls raise `SerializationError` as `from_primitive` does.
    """
    converter = _converter_for(cls)
    if converter is None:
        return _identity

    def build(data: Any) -> Any:
        try:
            return converter(data)
        except SerializationError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise SerializationError(
                f"cannot rebuild {cls.__qualname__} from the stored data: {error}. If the "
                "class changed since the event was written, give the new fields defaults or "
                "add an upcaster"
            ) from error

    return build


def _identity(value: Any) -> Any:
    return value


_cache: dict[Any, Converter | None] = {}


def _converter_for(tp: Any) -> Converter | None:
    """A function turning primitives into `tp`, or None where the primitives already are it."""
    try:
        return _cache[tp]
    except KeyError:
        pass
    except TypeError:  # unhashable hint
        return _build(tp)

    def deferred(value: Any) -> Any:  # stands in while a self-referencing type is built
        final = _cache[tp]
        return value if final is None else final(value)

    _cache[tp] = deferred
    try:
        converter = _build(tp)
    except BaseException:
        del _cache[tp]  # report the same problem again next time, not a recursion
        raise
    _cache[tp] = converter
    return converter


def _build(tp: Any) -> Converter | None:
    if tp in _PASSTHROUGH:
        return None
    if tp is float:
        return _to_float
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _converter_for(typing.get_args(tp)[0])
    if origin is typing.Literal:
        return None
    if isinstance(tp, typing.NewType):
        return _converter_for(tp.__supertype__)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(tp))
    if origin is not None:
        return _generic(origin, typing.get_args(tp))
    if isinstance(tp, type):
        return _class(tp)
    return None  # TypeVars, forward references we cannot resolve, …


def _to_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _union(members: tuple[Any, ...]) -> Converter | None:
    concrete = [m for m in members if m is not type(None)]
    if len(concrete) != 1:
        return None  # an ambiguous union keeps the primitive as it is
    inner = _converter_for(concrete[0])
    if inner is None:
        return None
    return lambda value: None if value is None else inner(value)


def _generic(origin: Any, args: tuple[Any, ...]) -> Converter | None:
    from collections import abc

    if origin in (list, abc.Sequence, abc.MutableSequence, abc.Iterable, abc.Collection):
        item = _converter_for(args[0]) if args else None
        return None if item is None else _each(item, list)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter_for(args[0])
            return tuple if item is None else _each(item, tuple)
        items = [_converter_for(a) for a in args]
        return lambda v: tuple(x if c is None else c(x) for c, x in zip(items, v, strict=True))
    if origin in (set, frozenset, abc.Set, abc.MutableSet):
        item = _converter_for(args[0]) if args else None
        make: Callable[[Any], Any] = frozenset if origin is frozenset else set
        return make if item is None else _each(item, make)
    if origin in (dict, abc.Mapping, abc.MutableMapping):
        key = _key_converter(args[0]) if args else None
        val = _converter_for(args[1]) if len(args) > 1 else None
        if key is None and val is None:
            return None
        return lambda v: {
            (k if key is None else key(k)): (x if val is None else val(x)) for k, x in v.items()
        }
    if isinstance(origin, type):
        return _class(origin)
    return None


def _key_converter(tp: Any) -> Converter | None:
    """Mapping keys arrive as text (JSON has no other keys); numbers are parsed back."""
    if tp is int or tp is float:
        number: Callable[[Any], Any] = tp
        return lambda key: number(key) if isinstance(key, str) else key
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        members = {_key(member): member for member in tp}
        return lambda key: members.get(key, key) if isinstance(key, str) else tp(key)
    return _converter_for(tp)


def _each(item: Converter, make: Callable[[Any], Any]) -> Converter:
    return lambda values: make(item(value) for value in values)


def _class(cls: type[Any]) -> Converter | None:
    if cls is dt.datetime:
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if cls is dt.date:
        return lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v
    if cls is dt.time:
        return lambda v: dt.time.fromisoformat(v) if isinstance(v, str) else v
    if cls is dt.timedelta:
        return lambda v: dt.timedelta(seconds=v) if isinstance(v, int | float) else v
    if cls is uuid.UUID:
        return lambda v: uuid.UUID(v) if isinstance(v, str) else v
    if cls is Decimal:
        return lambda v: Decimal(str(v)) if not isinstance(v, Decimal) else v
    if issubclass(cls, enum.Enum):
        return lambda v: v if isinstance(v, cls) else cls(v)
    if dataclasses.is_dataclass(cls):
        return _dataclass(cls)
    validate = getattr(cls, "model_validate", None)  # pydantic v2
    if callable(validate):
        return lambda v: v if isinstance(v, cls) else validate(v)
    if issubclass(cls, str | int | bool | bytes):
        return None
    if issubclass(cls, float):
        return _to_float
    if issubclass(cls, list | tuple | set | frozenset):
        return lambda v: cls(v)
    return None


def _dataclass(cls: type[Any]) -> Converter:
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError) as error:
        raise SerializationError(
            f"cannot read the type hints of {cls.__qualname__}: {error}; define the classes "
            "its fields name at module level"
        ) from error
    fields = [f for f in dataclasses.fields(cls) if f.init]
    names = frozenset(f.name for f in fields)
    converters = [
        (f.name, c) for f in fields if (c := _converter_for(hints.get(f.name, Any))) is not None
    ]

    def build(value: Any) -> Any:
        if type(value) is dict:
            if converters:
                value = dict(value)
                for name, convert in converters:
                    if name in value:
                        value[name] = convert(value[name])
            try:
                return cls(**value)
            except TypeError:
                if value.keys() <= names:
                    raise  # a missing field, not an extra one
                return cls(**{k: v for k, v in value.items() if k in names})
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object for {cls.__qualname__}, got {value!r}")
        return build(dict(value))

    return build
