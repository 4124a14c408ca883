"""Comparing events in tests: a readable diff of expected against actual, field by field.

```python
assert_events([Shipped(carrier="ups")], [Shipped(carrier="dhl")])
# AssertionError: the events differ (expected 1, got 1):
#   #1 Shipped:
#        carrier: expected 'ups', got 'dhl'
```

Fields compare with `==`, so `unittest.mock.ANY` matches anything (an id drawn at random, a
time). Dataclasses, pydantic models, mappings and sequences are compared inside, so the diff
points at the nested field that differs (`lines[0].quantity`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = ["EventsMismatchError", "assert_events", "diff_events"]

_MISSING = object()


class EventsMismatchError(AssertionError):
    """Expected and actual events differ; the message shows how, event by event."""

    def __init__(self, message: str, *, expected: Sequence[Any], actual: Sequence[Any]) -> None:
        super().__init__(message)
        self.expected = list(expected)
        self.actual = list(actual)


def assert_events(expected: Sequence[Any], actual: Sequence[Any]) -> None:
    """Pass when the events are equal, in order; else raise with a readable diff.

    Raises:
        EventsMismatchError: they differ (an `AssertionError`).
    """
    lines = diff_events(expected, actual)
    if lines:
        raise EventsMismatchError("\n".join(lines), expected=expected, actual=actual)


def diff_events(expected: Sequence[Any], actual: Sequence[Any]) -> list[str]:
    """The lines describing how `actual` differs from `expected`; empty when they are equal."""
    if len(expected) == len(actual) and all(
        _same(e, a) for e, a in zip(expected, actual, strict=True)
    ):
        return []
    lines = [f"the events differ (expected {len(expected)}, got {len(actual)}):"]
    for number in range(max(len(expected), len(actual))):
        want = expected[number] if number < len(expected) else _MISSING
        got = actual[number] if number < len(actual) else _MISSING
        label = f"  #{number + 1}"
        if got is _MISSING:
            lines.append(f"{label} missing: {_show(want)}")
        elif want is _MISSING:
            lines.append(f"{label} unexpected: {_show(got)}")
        elif _same(want, got):
            lines.append(f"{label} {_name(got)}: as expected")
        elif _kind(want) is not _kind(got):
            lines.append(f"{label} expected {_show(want)}")
            lines.append(f"{' ' * len(label)} but got {_show(got)}")
        else:
            lines.append(f"{label} {_name(got)}:")
            for path, wanted, found in _field_diffs(want, got, ""):
                where = path or "(value)"
                lines.append(f"       {where}: expected {_short(wanted)}, got {_short(found)}")
    return lines


def _same(expected: Any, actual: Any) -> bool:
    try:
        return bool(expected == actual)
    except Exception:  # an __eq__ that raises is not equality
        return False


def _kind(value: Any) -> type:
    if isinstance(value, Mapping):
        return dict
    return type(value)


def _fields(value: Any) -> dict[str, Any] | None:
    """The fields of a structured value, or None for a plain one."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return dict(value)
    model_fields = getattr(type(value), "model_fields", None)  # pydantic v2
    if isinstance(model_fields, Mapping):
        return {name: getattr(value, name) for name in model_fields}
    return None


def _field_diffs(expected: Any, actual: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, expected, actual) for each innermost difference."""
    if _same(expected, actual):
        return
    wanted, found = _fields(expected), _fields(actual)
    if wanted is not None and found is not None and _kind(expected) is _kind(actual):
        for name in [*wanted, *(n for n in found if n not in wanted)]:
            inner = f"{path}.{name}" if path else str(name)
            yield from _field_diffs(wanted.get(name, _MISSING), found.get(name, _MISSING), inner)
        return
    if (
        isinstance(expected, list | tuple)
        and isinstance(actual, list | tuple)
        and len(expected) == len(actual)
    ):
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            yield from _field_diffs(e, a, f"{path}[{index}]")
        return
    yield path, expected, actual


def _name(value: Any) -> str:
    if isinstance(value, Mapping) and "type" in value:
        return str(value["type"])
    return type(value).__name__


def _show(value: Any) -> str:
    return _short(value, limit=160)


def _short(value: Any, *, limit: int = 100) -> str:
    if value is _MISSING:
        return "(no such field)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
