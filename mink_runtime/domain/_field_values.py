"""The values of read-model fields: their kinds, how a value is checked against a field, and
the row form every backend shares (JSON-ready primitives: datetimes as fixed-width UTC text,
decimals and UUIDs as text, enums by value)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from mink_runtime.domain._conversion import from_primitive, to_primitive

__all__ = ["FieldKind", "MismatchError", "coerce", "row_decoder", "row_encoder", "show", "utc_text"]


class FieldKind(enum.Enum):
    """How a field is stored and compared."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"
    UUID = "uuid"
    JSON = "json"


class MismatchError(Exception):
    """A value does not fit a field; `expected` says what would."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


# --- checking values -------------------------------------------------------------------------


def coerce(kind: FieldKind, enum_class: type[enum.Enum] | None, value: Any) -> Any:
    """`value` as a field of this kind (and enum) holds it.

    Raises:
        MismatchError: it does not fit.
    """
    if enum_class is not None:
        if isinstance(value, enum_class):
            return value
        try:
            return enum_class(value)
        except ValueError:
            members = ", ".join(repr(m.value) for m in enum_class)
            raise MismatchError(f"a {enum_class.__qualname__} (or one of {members})") from None
    check = _CHECKS.get(kind)
    if check is None:
        raise MismatchError(f"a {kind.value}")
    return check(value)


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise MismatchError("a str")


_INT64 = range(-(2**63), 2**63)


def _integer(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value in _INT64:
        return value
    raise MismatchError("an int that fits in 64 bits")


def _float(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number - number == 0:  # neither NaN nor infinite: one meaning in every backend
            return number
    raise MismatchError("a finite float (or an int)")


def _decimal(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise MismatchError("a finite Decimal (or an int; write Decimal('9.99'), not a float)")


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise MismatchError("a bool")


def _datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value
    raise MismatchError("a timezone-aware datetime (e.g. datetime.now(UTC))")


def _date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise MismatchError("a date (not a datetime)")


def _uuid(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise MismatchError("a UUID (or its text)")


_CHECKS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.TEXT: _text,
    FieldKind.INTEGER: _integer,
    FieldKind.FLOAT: _float,
    FieldKind.DECIMAL: _decimal,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.DATETIME: _datetime,
    FieldKind.DATE: _date,
    FieldKind.UUID: _uuid,
}


def show(value: Any) -> str:
    """A value and its type, shortened, for messages."""
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__qualname__} {text}"


# --- the row form ----------------------------------------------------------------------------


def utc_text(moment: dt.datetime) -> str:
    """An aware datetime as UTC text of fixed width, microseconds included (text order is time
    order): `2025-01-02T03:04:05.678000+00:00`."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def row_encoder(kind: FieldKind, enum_class: type[enum.Enum] | None) -> Callable[[Any], Any]:
    """The function turning a checked value (not None) into its row form."""
    if enum_class is not None:
        return _enum_value
    return _ENCODERS.get(kind, _identity)


def row_decoder(
    kind: FieldKind, enum_class: type[enum.Enum] | None, hint: Any
) -> Callable[[Any], Any]:
    """The function turning a row-form value (not None; native values pass) back into the
    field's type; `hint` rebuilds JSON fields."""
    if enum_class is not None:
        return enum_class
    if kind is FieldKind.JSON:
        return lambda value: from_primitive(hint, value)
    return _DECODERS.get(kind, _identity)


def _identity(value: Any) -> Any:
    return value


def _enum_value(value: Any) -> Any:
    return value.value


def _json_primitive(value: Any) -> Any:
    return to_primitive(value)


_ENCODERS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.DECIMAL: str,
    FieldKind.DATETIME: utc_text,
    FieldKind.DATE: dt.date.isoformat,
    FieldKind.UUID: str,
    FieldKind.JSON: _json_primitive,
}


def _decode_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _decode_datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _decode_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _decode_uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(value) if isinstance(value, str) else value


_DECODERS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.FLOAT: float,
    FieldKind.BOOLEAN: bool,
    FieldKind.DECIMAL: _decode_decimal,
    FieldKind.DATETIME: _decode_datetime,
    FieldKind.DATE: _decode_date,
    FieldKind.UUID: _decode_uuid,
}
