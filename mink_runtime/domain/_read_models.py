"""What a read model is to mink: a dataclass whose fields become typed columns.

`describe_model(Order)` reads the dataclass's fields and type hints once and returns a
`ModelSchema`: for each field its `FieldKind` (text, integer, decimal, datetime, …, or JSON for
lists, dicts and nested dataclasses), whether it may be None, and how its values are checked
and turned into storable primitives and back. Repositories of every backend, the query
validator and the in-Python evaluator all work from this one description, so a model means the
same thing everywhere.

Supported field types: `str`, `int`, `float`, `bool`, `Decimal`, `datetime` (timezone-aware),
`date`, `UUID`, `Enum` (of str or of int values), `Literal` of str or of int, any of these
`| None`, and as JSON: `list`, `tuple`, `set`, `frozenset`, `dict` and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import types
import typing
import uuid
from collections import abc
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from mink_runtime.domain._field_values import (
    FieldKind,
    MismatchError,
    coerce,
    row_decoder,
    row_encoder,
    show,
)
from mink_runtime.errors import ConfigurationError, QueryError, SerializationError

__all__ = [
    "Container",
    "ElementType",
    "ModelField",
    "ModelSchema",
    "check_identifier",
    "describe_model",
    "table_name",
]

M = TypeVar("M")


class Container(enum.Enum):
    """The shape of a JSON field, which decides what `contains` means on it."""

    SEQUENCE = "sequence"  # list, tuple, set, frozenset: contains an element
    MAPPING = "mapping"  # dict: contains a key
    OTHER = "other"  # a nested dataclass: no contains


_ELEMENT_KINDS = frozenset(
    {
        FieldKind.TEXT,
        FieldKind.INTEGER,
        FieldKind.FLOAT,
        FieldKind.BOOLEAN,
        FieldKind.UUID,
        FieldKind.DATE,
    }
)
"""Element kinds `contains` can look for inside JSON: their JSON form is unique (a Decimal or a
datetime has many spellings of one value, so they are left out)."""
_KEY_KINDS = frozenset({FieldKind.TEXT, FieldKind.INTEGER})
_SHAPES: dict[Container, tuple[Any, str]] = {
    Container.SEQUENCE: ((list, tuple, set, frozenset), "a list, tuple or set"),
    Container.MAPPING: (abc.Mapping, "a dict"),
    Container.OTHER: (object, "a dataclass"),
}
_ID_KINDS = frozenset({FieldKind.TEXT, FieldKind.INTEGER, FieldKind.UUID})


@dataclass(frozen=True, slots=True)
class ElementType:
    """The kind of the elements (of a sequence) or keys (of a mapping) of a JSON field."""

    kind: FieldKind
    enum: type[enum.Enum] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ModelField:
    """One stored field of a read model."""

    name: str
    kind: FieldKind
    nullable: bool
    hint: Any
    """The field's type hint, as written (JSON fields are rebuilt from it)."""
    enum: type[enum.Enum] | None = None
    """The Enum class of an enum field (stored by value)."""
    container: Container | None = None
    """The shape of a JSON field."""
    element: ElementType | None = None
    """What `contains` looks for in a JSON field: an element kind, or a key kind."""
    type_name: str = ""
    """The type as users wrote it, for messages."""

    def coerce(self, value: Any) -> Any:
        """`value` as this field holds it (an int for a float field becomes a float, a str
        for a UUID field a UUID, an enum value its member).

        Raises:
            MismatchError: the value does not fit the field.
        """
        return coerce(self.kind, self.enum, value)

    def coerce_element(self, value: Any) -> Any:
        """A value `contains` can look for in this JSON field.

        Raises:
            MismatchError: the value does not fit the elements (or keys).
        """
        assert self.element is not None
        return coerce(self.element.kind, self.element.enum, value)

    def sort_key(self, value: Any) -> Any:
        """What values of this field compare by (enums by their values)."""
        return value.value if isinstance(value, enum.Enum) else value


class ModelSchema(Generic[M]):
    """A read-model class as mink stores it; get one with `describe_model`."""

    def __init__(self, model: type[M], fields: list[ModelField], id_field: str) -> None:
        self.model = model
        self.name = model.__qualname__
        self.fields: Mapping[str, ModelField] = types.MappingProxyType({f.name: f for f in fields})
        self.id = self.fields[id_field]
        self._encoders = {f.name: row_encoder(f.kind, f.enum) for f in fields}
        self._to_row = list(self._encoders.items())
        self._decoders = {f.name: row_decoder(f.kind, f.enum, f.hint) for f in fields}
        self._from_row = list(self._decoders.items())

    def __repr__(self) -> str:
        return f"<ModelSchema {self.name} id={self.id.name!r} fields={list(self.fields)}>"

    def values(self, model: object) -> dict[str, Any]:
        """The field values of a model instance, checked and coerced, by field name.

        Raises:
            SerializationError: `model` is not an instance of the model class, or a value does
                not fit its field (wrong type, a naive datetime, None where None is not allowed).
        """
        if not isinstance(model, self.model):
            raise SerializationError(
                f"expected a {self.name}, got {type(model).__qualname__}; this repository "
                f"stores {self.name} models"
            )
        values = {}
        for name, field in self.fields.items():
            values[name] = self.check(field, getattr(model, name))
        return values

    def check(self, field: ModelField, value: Any) -> Any:
        """One value of a model being written, checked and coerced.

        Raises:
            SerializationError: the value does not fit the field.
        """
        if value is None:
            if field.nullable:
                return None
            raise SerializationError(
                f"{self.name}.{field.name} is None, but its type {field.type_name} does not "
                "allow None; give it a value, or declare it `... | None`"
            )
        if field.kind is FieldKind.JSON:
            expected = _SHAPES[field.container or Container.OTHER]
            if not isinstance(value, expected[0]):
                raise SerializationError(
                    f"{self.name}.{field.name} must be {expected[1]}, got {show(value)}"
                )
            return value
        try:
            return field.coerce(value)
        except MismatchError as mismatch:
            raise SerializationError(
                f"{self.name}.{field.name} must be {mismatch.expected}, got {show(value)}"
            ) from None

    def key(self, model_id: Any) -> Any:
        """An id as given to `get`, `update` or `delete`, checked and coerced.

        Raises:
            QueryError: it is not of the id field's type.
        """
        try:
            if model_id is None:
                raise MismatchError(f"a {self.id.type_name}")
            return self.id.coerce(model_id)
        except MismatchError as mismatch:
            raise QueryError(
                f"{self.name}.{self.id.name} is the id, so it must be {mismatch.expected}, "
                f"got {show(model_id)}",
                model=self.name,
                field=self.id.name,
            ) from None

    def changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The changes of an `update`, checked and coerced.

        Raises:
            QueryError: a change names an unknown field, or the id.
            SerializationError: a value does not fit its field.
        """
        checked = {}
        for name, value in changes.items():
            field = self.fields.get(name)
            if field is None:
                raise QueryError(
                    f"{self.name} has no field {name!r} to update; its fields are: "
                    f"{', '.join(self.fields)}",
                    model=self.name,
                    field=name,
                )
            if field is self.id:
                raise QueryError(
                    f"{self.name}.{name} is the id and cannot be updated; delete the model and "
                    "insert it under the new id",
                    model=self.name,
                    field=name,
                )
            checked[name] = self.check(field, value)
        return checked

    def to_row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Checked values (from `values`) as JSON-compatible primitives: datetimes as UTC text
        of fixed width (so text order is time order), decimals and UUIDs as text, enums by
        value, JSON fields as primitives; None stays None.

        Raises:
            SerializationError: a JSON field holds something with no JSON form.
        """
        return {
            name: (None if (value := values[name]) is None else encode(value))
            for name, encode in self._to_row
        }

    def primitive(self, field: ModelField, value: Any) -> Any:
        """One checked value in the row form of `to_row`."""
        return None if value is None else self._encoders[field.name](value)

    def from_row_value(self, field: ModelField, value: Any) -> Any:
        """One value of the row form of `to_row` as the field holds it."""
        return None if value is None else self._decoders[field.name](value)

    def from_row(self, row: Mapping[str, Any]) -> M:
        """Rebuild a model from the primitives of `to_row` (native values pass as they are).

        Raises:
            SerializationError: the row does not fit the model class.
        """
        try:
            kwargs = {
                name: (None if (value := row[name]) is None else decode(value))
                for name, decode in self._from_row
                if name in row  # a field added since the row was written takes its default
            }
            return self.model(**kwargs)
        except SerializationError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise SerializationError(
                f"a stored {self.name} does not fit the class any more ({error}); give new "
                "fields defaults, or migrate the stored rows"
            ) from error


_schemas: dict[tuple[type, str], ModelSchema[Any]] = {}


def describe_model(model: type[M], *, id_field: str = "id") -> ModelSchema[M]:
    """The `ModelSchema` of a read-model dataclass (computed once per class and id field).

    Raises:
        ConfigurationError: `model` is not a dataclass, has no field `id_field` (or it is not a
            str, int or UUID that cannot be None), or a field has a type mink cannot store.
    """
    key = (model, id_field)
    found = _schemas.get(key)
    if found is not None:
        return found
    schema = _describe(model, id_field)
    _schemas[key] = schema
    return schema


def table_name(model: type) -> str:
    """The default table (or key) name of a model class: its name in snake case
    (`OrderSummary` -> `order_summary`, `HTTPLog` -> `http_log`)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", model.__name__)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str, what: str) -> str:
    """Return `name` if it is a plain SQL identifier (letters, digits, underscores; at most 63
    characters, PostgreSQL's limit).

    Raises:
        ConfigurationError: it is not.
    """
    if not isinstance(name, str) or not _IDENTIFIER.match(name) or len(name) > 63:
        raise ConfigurationError(
            f"{what} {name!r} must be letters, digits and underscores, starting with a letter "
            "or underscore, at most 63 characters"
        )
    return name


def _describe(model: type[M], id_field: str) -> ModelSchema[M]:
    if not (isinstance(model, type) and dataclasses.is_dataclass(model)):
        raise ConfigurationError(
            f"a read model is a dataclass class; {model!r} is not (decorate it with @dataclass)"
        )
    name = model.__qualname__
    try:
        hints = typing.get_type_hints(model, include_extras=True)
    except (NameError, TypeError) as error:
        raise ConfigurationError(
            f"cannot read the type hints of {name}: {error}; define the types its fields name "
            "at module level"
        ) from error
    fields = [
        _field(name, f.name, hints.get(f.name, Any)) for f in dataclasses.fields(model) if f.init
    ]
    by_name = {f.name: f for f in fields}
    if id_field not in by_name:
        raise ConfigurationError(
            f"{name} has no field {id_field!r} to use as its id; add one, or name the id field "
            f"with id_field=... (its fields: {', '.join(by_name) or 'none'})"
        )
    id_ = by_name[id_field]
    if id_.kind not in _ID_KINDS or id_.enum is not None or id_.nullable:
        raise ConfigurationError(
            f"{name}.{id_field} is the id, so it must be a str, an int or a UUID that cannot be "
            f"None; it is {id_.type_name}"
        )
    for field in fields:
        if len(field.name.encode()) > 63:
            raise ConfigurationError(
                f"{name}.{field.name}: a field name becomes a column name, which PostgreSQL cuts "
                "at 63 bytes; use a shorter name"
            )
    return ModelSchema(model, fields, id_field)


def _field(model: str, name: str, hint: Any) -> ModelField:
    type_name = _type_name(hint)
    tp, nullable = _unwrap(hint)
    if tp is None:
        raise ConfigurationError(
            f"{model}.{name}: a union of several types ({type_name}) cannot be stored in one "
            "column; use one type (optionally `| None`)"
        )
    kind, enum_class = _scalar_kind(tp)
    if kind is not None:
        return ModelField(name, kind, nullable, hint, enum_class, type_name=type_name)
    container, element = _json_shape(tp)
    if container is None:
        raise ConfigurationError(
            f"{model}.{name}: mink cannot store a field of type {type_name}; use str, int, float, "
            "bool, Decimal, datetime, date, UUID, an Enum, a Literal, or (stored as JSON) a "
            "list, tuple, set, dict or dataclass"
        )
    return ModelField(
        name, FieldKind.JSON, nullable, hint, None, container, element, type_name=type_name
    )


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """The one type under `Annotated`, `NewType` and `| None`, and whether None is allowed;
    (None, …) for a union of several types."""
    nullable = False
    tp = hint
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif isinstance(tp, typing.NewType):
            tp = tp.__supertype__
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            nullable = nullable or len(members) < len(typing.get_args(tp))
            if len(members) != 1:
                return None, nullable
            tp = members[0]
        else:
            return tp, nullable


_SIMPLE: dict[Any, FieldKind] = {
    bool: FieldKind.BOOLEAN,
    int: FieldKind.INTEGER,
    float: FieldKind.FLOAT,
    str: FieldKind.TEXT,
    Decimal: FieldKind.DECIMAL,
    dt.datetime: FieldKind.DATETIME,
    dt.date: FieldKind.DATE,
    uuid.UUID: FieldKind.UUID,
}


def _scalar_kind(tp: Any) -> tuple[FieldKind | None, type[enum.Enum] | None]:
    if tp in _SIMPLE:
        return _SIMPLE[tp], None
    if typing.get_origin(tp) is typing.Literal:
        return _values_kind(typing.get_args(tp)), None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        kind = _values_kind(tuple(member.value for member in tp))
        return (kind, tp) if kind is not None else (None, None)
    return None, None


def _values_kind(values: tuple[Any, ...]) -> FieldKind | None:
    if values and all(isinstance(v, str) for v in values):
        return FieldKind.TEXT
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return FieldKind.INTEGER
    return None


_SEQUENCES = (list, tuple, set, frozenset, abc.Sequence, abc.Set, abc.MutableSequence)
_MAPPINGS = (dict, abc.Mapping, abc.MutableMapping)


def _json_shape(tp: Any) -> tuple[Container | None, ElementType | None]:
    origin = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if origin in _SEQUENCES:
        homogeneous = origin is not tuple or (len(args) == 2 and args[1] is Ellipsis)
        return Container.SEQUENCE, _element(args[0]) if args and homogeneous else None
    if origin in _MAPPINGS:
        key = _element(args[0], _KEY_KINDS) if args else None
        return Container.MAPPING, key if key is None or key.enum is None else None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return Container.OTHER, None
    return None, None


def _element(hint: Any, allowed: frozenset[FieldKind] = _ELEMENT_KINDS) -> ElementType | None:
    tp, nullable = _unwrap(hint)
    if tp is None or nullable:
        return None
    kind, enum_class = _scalar_kind(tp)
    return ElementType(kind, enum_class) if kind in allowed else None


def _type_name(hint: Any) -> str:
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        return hint.__qualname__
    return re.sub(r"\b(typing|datetime|decimal|uuid|builtins)\.", "", repr(hint))
