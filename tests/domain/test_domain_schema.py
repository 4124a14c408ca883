"""Event schemas derived from classes, and the compatibility of two versions."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import Compatibility, compare_schemas, event_schema
from mink_runtime.errors import ConfigurationError


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Line:
    sku: str
    price: Decimal


@dataclass(frozen=True)
class Placed:
    customer_id: str
    placed_at: dt.datetime
    reference: uuid.UUID
    lines: tuple[Line, ...] = ()
    color: Color = Color.RED
    note: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line2:
    sku: str
    price: float


@dataclass(frozen=True)
class Placed1:
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Placed2:
    lines: tuple[Line2, ...]


def schema_of(**fields: Any) -> dict[str, Any]:
    """A schema with the given properties; names without a default in `required`."""
    return {
        "type": "object",
        "properties": {k: v[0] for k, v in fields.items()},
        "required": [k for k, v in fields.items() if v[1]],
    }


def test_a_dataclass_becomes_an_object_schema_with_required_fields() -> None:
    """Fields without defaults are required; types map to their stored JSON forms."""
    schema = event_schema(Placed, name="order.Placed", version=3)
    assert schema["title"] == "order.Placed"
    assert schema["x-mink-version"] == 3
    assert schema["required"] == ["customer_id", "placed_at", "reference"]
    props = schema["properties"]
    assert props["placed_at"] == {"type": "string", "format": "date-time"}
    assert props["reference"] == {"type": "string", "format": "uuid"}
    assert props["color"] == {"enum": ["red", "blue"], "default": "red"}
    assert props["note"] == {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "default": []}


def test_nested_dataclasses_go_to_defs() -> None:
    """A nested dataclass is referenced from `$defs`, described once."""
    schema = event_schema(Placed, name="order.Placed", version=1)
    assert schema["properties"]["lines"]["items"] == {"$ref": "#/$defs/Line"}
    assert schema["$defs"]["Line"]["properties"]["price"] == {"type": "string", "format": "decimal"}


def test_a_plain_class_has_no_schema() -> None:
    """Only dataclasses (and pydantic models) describe their fields."""
    with pytest.raises(ConfigurationError, match="not a dataclass"):
        event_schema(int, name="x", version=1)


def test_identical_schemas_have_no_changes() -> None:
    """A class compared with itself has nothing to report."""
    schema = event_schema(Placed, name="order.Placed", version=1)
    assert compare_schemas(schema, schema) == []


def test_a_field_added_with_a_default_is_fully_compatible() -> None:
    """Old events lack the field but the default fills it; old readers ignore it."""
    old = schema_of(a=({"type": "string"}, True))
    new = schema_of(a=({"type": "string"}, True), b=({"type": "integer", "default": 0}, False))
    [change] = compare_schemas(old, new)
    assert change.allowed_by(Compatibility.FULL)


def test_a_required_field_added_breaks_backward_only() -> None:
    """New code cannot read old events that lack it; old code ignores the extra field."""
    old = schema_of(a=({"type": "string"}, True))
    new = schema_of(a=({"type": "string"}, True), b=({"type": "integer"}, True))
    [change] = compare_schemas(old, new)
    assert not change.allowed_by(Compatibility.BACKWARD)
    assert change.allowed_by(Compatibility.FORWARD)


def test_a_required_field_removed_breaks_forward_only() -> None:
    """Old code needs the field new events no longer carry."""
    old = schema_of(a=({"type": "string"}, True), b=({"type": "integer"}, True))
    new = schema_of(a=({"type": "string"}, True))
    [change] = compare_schemas(old, new)
    assert change.allowed_by(Compatibility.BACKWARD)
    assert not change.allowed_by(Compatibility.FORWARD)
    assert "b: removed" in str(change)


def test_a_widened_type_breaks_forward_and_a_narrowed_one_backward() -> None:
    """int → float reads old events; float → int does not."""
    narrow = schema_of(a=({"type": "integer"}, True))
    wide = schema_of(a=({"type": "number"}, True))
    [widened] = compare_schemas(narrow, wide)
    [narrowed] = compare_schemas(wide, narrow)
    assert (widened.breaks_backward, widened.breaks_forward) == (False, True)
    assert (narrowed.breaks_backward, narrowed.breaks_forward) == (True, False)


def test_an_unrelated_type_change_breaks_both_ways() -> None:
    """string → integer can be read by neither side."""
    [change] = compare_schemas(
        schema_of(a=({"type": "string"}, True)), schema_of(a=({"type": "integer"}, True))
    )
    assert not change.allowed_by(Compatibility.BACKWARD)
    assert not change.allowed_by(Compatibility.FORWARD)
    assert change.allowed_by(Compatibility.NONE)


def test_changes_inside_nested_objects_name_their_path() -> None:
    """A field of a nested dataclass in a list is reported as `lines[].price`."""
    old = event_schema(Placed1, name="p", version=1)
    new = event_schema(Placed2, name="p", version=2)
    [change] = compare_schemas(old, new)
    assert change.path == "lines[].price"
