"""Event schemas: JSON Schema derived from an event class's type hints, and compatibility rules.

```python
schema = event_schema(OrderPlaced, name="order.Placed", version=2)
changes = compare_schemas(released, schema)          # what changed, field by field
breaking = [c for c in changes if not c.allowed_by(Compatibility.BACKWARD)]
```

The schema describes the stored JSON (what `to_primitive` writes): decimals, UUIDs and datetimes
are strings with a `format`, enums their values, tuples and sets arrays, nested dataclasses
`$defs`. Compatibility has the Avro/Confluent meanings:

- **backward**: code with the new class can read events written with the old one;
- **forward**: code with the old class can read events written with the new one;
- **full**: both.

A field added with a default, or removed while it had one, is fine both ways; a field added
without a default breaks backward (old events lack it), one removed without a default breaks
forward (old readers need it); a type that accepts more (int → float, `X` → `X | None`, a new
enum value) breaks forward only, one that accepts less breaks backward, any other change both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
import uuid
from collections import abc
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from mink_runtime.domain._conversion import to_primitive
from mink_runtime.errors import ConfigurationError, SerializationError

__all__ = ["Compatibility", "SchemaChange", "compare_schemas", "event_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    bytes: {"type": "string", "contentEncoding": "base64"},
    Decimal: {"type": "string", "format": "decimal"},
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
    dt.time: {"type": "string", "format": "time"},
    dt.timedelta: {"type": "number", "format": "duration-seconds"},
    uuid.UUID: {"type": "string", "format": "uuid"},
}
_ARRAYS = (list, tuple, set, frozenset, abc.Sequence, abc.MutableSequence, abc.Set, abc.Collection)
_MAPPINGS = (dict, abc.Mapping, abc.MutableMapping)


def event_schema(cls: type, *, name: str, version: int) -> dict[str, Any]:
    """The JSON Schema of an event class (a dataclass, or a pydantic model) at a version.

    Raises:
        ConfigurationError: the class is neither a dataclass nor a pydantic model.
        SerializationError: a type hint cannot be resolved or has no JSON form.
    """
    defs: dict[str, Any] = {}
    body = _object(cls, defs)
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": name,
        "x-mink-type": name,
        "x-mink-version": version,
        "x-mink-class": f"{cls.__module__}.{cls.__qualname__}",
        **body,
    }
    if defs:
        schema["$defs"] = dict(sorted(defs.items()))
    return schema


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    model_schema = getattr(cls, "model_json_schema", None)  # pydantic v2, without importing it
    if callable(model_schema) and not dataclasses.is_dataclass(cls):
        found: dict[str, Any] = model_schema()
        defs.update(found.pop("$defs", {}))
        found.pop("title", None)
        return found
    if not dataclasses.is_dataclass(cls):
        raise ConfigurationError(
            f"{cls.__qualname__} is not a dataclass or a pydantic model; event schemas are "
            "derived from their fields"
        )
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError) as error:
        raise SerializationError(
            f"cannot read the type hints of {cls.__qualname__}: {error}"
        ) from error
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        prop = _type(hints.get(field.name, Any), defs)
        if field.default is not dataclasses.MISSING:
            prop = {**prop, "default": to_primitive(field.default)}
        elif field.default_factory is not dataclasses.MISSING:
            prop = {**prop, "default": to_primitive(field.default_factory())}
        else:
            required.append(field.name)
        properties[field.name] = prop
    return {"type": "object", "properties": properties, "required": required}


def _type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp in (Any, object):
        return {}
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return dict(simple)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type(args[0], defs)
    if isinstance(tp, typing.NewType):
        return _type(tp.__supertype__, defs)
    if origin is typing.Literal:
        return {"enum": [to_primitive(a) for a in args]}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type(a, defs) for a in args]}
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        items = [_type(a, defs) for a in args]
        return {
            "type": "array",
            "prefixItems": items,
            "minItems": len(items),
            "maxItems": len(items),
        }
    if origin in _ARRAYS or tp in _ARRAYS:
        return {"type": "array", "items": _type(args[0], defs) if args else {}}
    if origin in _MAPPINGS or tp in _MAPPINGS:
        return {"type": "object", "additionalProperties": _type(args[1], defs) if args else {}}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [to_primitive(member.value) for member in tp]}
    if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or hasattr(tp, "model_json_schema")):
        name = tp.__qualname__
        if name not in defs:
            defs[name] = {}  # a placeholder stops a self-reference from recursing
            defs[name] = _object(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if isinstance(tp, type):
        for base, schema in _SIMPLE.items():
            if isinstance(base, type) and base is not type(None) and issubclass(tp, base):
                return dict(schema)
    raise SerializationError(f"{tp!r} has no JSON Schema: use the types events may hold")


# --- compatibility -----------------------------------------------------------------------


class Compatibility(enum.Enum):
    """Which readers a new version of an event schema must keep working for."""

    BACKWARD = "backward"
    """New code reads old events."""
    FORWARD = "forward"
    """Old code reads new events."""
    FULL = "full"
    """Both."""
    NONE = "none"
    """No promise: every change is allowed."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SchemaChange:
    """One difference between two versions of an event schema."""

    path: str
    """The field, dotted into nested objects (`lines[].price`)."""
    description: str
    breaks_backward: bool
    breaks_forward: bool

    def allowed_by(self, mode: Compatibility) -> bool:
        """Whether this change keeps the promise `mode` makes."""
        if mode is Compatibility.NONE:
            return True
        if mode is Compatibility.BACKWARD:
            return not self.breaks_backward
        if mode is Compatibility.FORWARD:
            return not self.breaks_forward
        return not (self.breaks_backward or self.breaks_forward)

    def __str__(self) -> str:
        breaks = [
            word
            for word, broken in (
                ("backward", self.breaks_backward),
                ("forward", self.breaks_forward),
            )
            if broken
        ]
        suffix = f" (breaks {' and '.join(breaks)})" if breaks else ""
        return f"{self.path}: {self.description}{suffix}"


def compare_schemas(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SchemaChange]:
    """The changes from `old` to `new` (two schemas from `event_schema`), field by field."""
    return list(_compare_objects(old, new, "", old.get("$defs", {}), new.get("$defs", {})))


def _resolve(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return defs.get(ref.removeprefix("#/$defs/"), {})  # type: ignore[no-any-return]
    return schema


def _compare_objects(
    old: Mapping[str, Any], new: Mapping[str, Any], prefix: str, old_defs: Any, new_defs: Any
) -> Iterator[SchemaChange]:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name in sorted(old_props.keys() | new_props.keys()):
        path = f"{prefix}{name}"
        if name not in old_props:
            if name in new_required:
                yield SchemaChange(
                    path=path,
                    description="added without a default",
                    breaks_backward=True,
                    breaks_forward=False,
                )
            else:
                yield SchemaChange(
                    path=path,
                    description="added with a default",
                    breaks_backward=False,
                    breaks_forward=False,
                )
        elif name not in new_props:
            required = name in old_required
            yield SchemaChange(
                path=path,
                description="removed" + ("" if required else " (it had a default)"),
                breaks_backward=False,
                breaks_forward=required,
            )
        else:
            if name in new_required and name not in old_required:
                yield SchemaChange(
                    path=path,
                    description="lost its default: now required",
                    breaks_backward=True,
                    breaks_forward=False,
                )
            elif name in old_required and name not in new_required:
                yield SchemaChange(
                    path=path,
                    description="gained a default: now optional",
                    breaks_backward=False,
                    breaks_forward=True,
                )
            yield from _compare_types(old_props[name], new_props[name], path, old_defs, new_defs)


def _compare_types(
    old: Mapping[str, Any], new: Mapping[str, Any], path: str, old_defs: Any, new_defs: Any
) -> Iterator[SchemaChange]:
    old, new = _resolve(old, old_defs), _resolve(new, new_defs)
    old_body = {k: v for k, v in old.items() if k != "default"}
    new_body = {k: v for k, v in new.items() if k != "default"}
    if old_body == new_body:
        return
    if (
        old.get("type") == new.get("type") == "object"
        and "properties" in old
        and "properties" in new
    ):
        yield from _compare_objects(old, new, f"{path}.", old_defs, new_defs)
        return
    if old.get("type") == new.get("type") == "array" and "items" in old and "items" in new:
        yield from _compare_types(old["items"], new["items"], f"{path}[]", old_defs, new_defs)
        return
    old_atoms, new_atoms = _atoms(old_body, old_defs), _atoms(new_body, new_defs)
    shown = f"type {_describe(old_body)} → {_describe(new_body)}"
    if old_atoms is not None and new_atoms is not None:
        if old_atoms <= new_atoms:  # new accepts more: reads old data; old code may choke
            yield SchemaChange(
                path=path,
                description=f"{shown} (widened)",
                breaks_backward=False,
                breaks_forward=True,
            )
            return
        if new_atoms <= old_atoms:
            yield SchemaChange(
                path=path,
                description=f"{shown} (narrowed)",
                breaks_backward=True,
                breaks_forward=False,
            )
            return
    yield SchemaChange(path=path, description=shown, breaks_backward=True, breaks_forward=True)


def _atoms(schema: Mapping[str, Any], defs: Any) -> frozenset[Any] | None:
    """The values a simple schema accepts, as comparable atoms; None when it is not simple."""
    if "anyOf" in schema:
        found: set[Any] = set()
        for member in schema["anyOf"]:
            atoms = _atoms(_resolve(member, defs), defs)
            if atoms is None:
                return None
            found |= atoms
        return frozenset(found)
    if "enum" in schema and len(schema) == 1:
        return frozenset(("value", repr(v)) for v in schema["enum"])
    kind = schema.get("type")
    if kind in ("array", "object") or not isinstance(kind, str):
        return None if kind is not None or schema else frozenset({("any",)})
    extra = tuple(sorted((k, repr(v)) for k, v in schema.items() if k != "type"))
    if kind == "number" and not extra:
        return frozenset({("type", "number", ()), ("type", "integer", ())})
    return frozenset({("type", kind, extra)})


def _describe(schema: Mapping[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_describe(member) for member in schema["anyOf"])
    if "$ref" in schema:
        return str(schema["$ref"]).rpartition("/")[2]
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)
