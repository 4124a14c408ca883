"""What a kind is asked to generate, and the helpers every kind starts from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mink_cli.errors import ProjectError, UsageError
from mink_cli.scaffold._names import Field, Name, imports_of, parse_name

__all__ = ["Request", "aggregate_of", "context_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """What to generate, and where."""

    root: Path
    package: str
    name: Name
    fields: Sequence[Field] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


def context_of(request: Request, **more: Any) -> dict[str, Any]:
    """The template context every kind starts from."""
    return {
        "package": request.package,
        "fields": list(request.fields),
        "imports": imports_of(request.fields),
        "test_imports": imports_of(request.fields, examples=True),
        **more,
    }


def aggregate_of(
    request: Request, *, required: bool, what: str = "an event", example: str = "Order.Shipped"
) -> Name:
    """The aggregate `request` names (option `aggregate`), which must exist when `required`.

    Raises:
        UsageError: no aggregate is named, or its name is bad.
        ProjectError: it is required and does not exist.
    """
    given = request.options.get("aggregate")
    if given is None:
        raise UsageError(f"{what} belongs to an aggregate: pass --aggregate NAME (or {example})")
    aggregate = parse_name(str(given), what="aggregate")
    folder = request.root / request.package / "domain" / aggregate.snake
    if required and not (folder / "aggregate.py").is_file():
        raise ProjectError(
            f"there is no aggregate {aggregate.pascal} "
            f"({folder.relative_to(request.root)} is missing)",
            hint=f"run `mink generate aggregate {aggregate.pascal}` first",
        )
    return aggregate
