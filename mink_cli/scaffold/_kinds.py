"""The kinds `mink generate` knows, each rendering its templates and its registrations.

A kind turns a `Request` (the project, a name, fields, options) into `Rendered` files and
edits. Registration is an edit: a new aggregate is imported by `<package>/domain/__init__.py`,
a new event by its aggregate's `events/__init__.py`, so importing the project's registry
(`<package>.domain:registry`) registers every event type.

To add a kind (`command`, `projection`, `saga`), write `templates/<kind>/`, a build function
here, and add it to `KINDS`; `mink generate <kind>` and `mink init` pick it up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mink_cli.errors import ProjectError, UsageError
from mink_cli.scaffold._names import Field, Name, imports_of, parse_name
from mink_cli.scaffold._plan import Edit, Rendered
from mink_cli.scaffold._render import render_tree

__all__ = ["KINDS", "Kind", "Request", "ensure_file", "ensure_import"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """What to generate, and where."""

    root: Path
    package: str
    name: Name
    fields: Sequence[Field] = ()
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """A kind of artefact `mink generate` renders."""

    name: str
    summary: str
    build: Callable[[Request], Rendered]


def ensure_import(line: str, docstring: str) -> Edit:
    """An edit that adds `line` to a module's block of imports, kept sorted; the module is
    created (with `docstring`) when it does not exist, and left alone when it has the line."""

    def edit(current: str | None) -> str:
        if current is None:
            return f'"""{docstring}"""\n\n{line}\n'
        lines = current.splitlines()
        if line in lines:
            return current
        imports = [i for i, text in enumerate(lines) if text.startswith(("from ", "import "))]
        if not imports:
            body = current.rstrip("\n")
            return f"{body}\n\n{line}\n" if body else f"{line}\n"
        start, end = imports[0], imports[-1] + 1
        block = sorted([*lines[start:end], line], key=_import_key)
        tail = "\n".join(lines[end:])
        head = "\n".join([*lines[:start], *block])
        return f"{head}\n{tail}\n" if tail.strip() else f"{head}\n"

    return edit


def ensure_file(content: str) -> Edit:
    """An edit that creates a file with `content` when it is missing, and otherwise leaves it."""
    return lambda current: content if current is None else current


def _import_key(text: str) -> tuple[int, str]:
    return (0 if text.startswith("import ") else 1, text.split(" import ")[0].lower())


def _context(request: Request, **more: Any) -> dict[str, Any]:
    return {
        "package": request.package,
        "fields": list(request.fields),
        "imports": imports_of(request.fields),
        "test_imports": imports_of(request.fields, examples=True),
        **more,
    }


def _aggregate_of(request: Request, *, required: bool) -> Name:
    given = request.options.get("aggregate")
    if given is None:
        raise UsageError(
            "an event belongs to an aggregate: pass --aggregate NAME (or Order.Shipped)"
        )
    aggregate = parse_name(str(given), what="aggregate")
    folder = request.root / request.package / "domain" / aggregate.snake
    if required and not (folder / "aggregate.py").is_file():
        raise ProjectError(
            f"there is no aggregate {aggregate.pascal} "
            f"({folder.relative_to(request.root)} is missing)",
            hint=f"run `mink generate aggregate {aggregate.pascal}` first",
        )
    return aggregate


def build_event(request: Request) -> Rendered:
    """An event class of an aggregate, registered under `<category>.<Name>`, with its test."""
    aggregate = _aggregate_of(request, required=not request.options.get("with_aggregate"))
    context = _context(
        request,
        aggregate=aggregate,
        event=request.name,
        type_name=f"{aggregate.snake}.{request.name.pascal}",
    )
    events = f"{request.package}.domain.{aggregate.snake}.events"
    line = (
        f"from {events}.{request.name.snake} import {request.name.pascal} as {request.name.pascal}"
    )
    docstring = f"The events of {aggregate.pascal}; importing this module registers them all."
    return Rendered(
        files=render_tree("event", context),
        edits={
            f"{request.package}/domain/{aggregate.snake}/events/__init__.py": (
                ensure_import(line, docstring),
            )
        },
    )


def build_aggregate(request: Request) -> Rendered:
    """An aggregate with a `create` command, its `Created` event, its tests, registered with
    the project's domain."""
    name = request.name
    created = build_event(
        Request(
            root=request.root,
            package=request.package,
            name=Name(pascal="Created", snake="created"),
            fields=request.fields,
            options={"aggregate": name.pascal, "with_aggregate": True},
        )
    )
    context = _context(request, aggregate=name, type_name=f"{name.snake}.Created")
    package = request.package
    line = f"from {package}.domain.{name.snake} import {name.pascal} as {name.pascal}"
    registry = f"from {package}.registry import registry as registry"
    docstring = "The domain: aggregates and their events. Importing it registers every event type."
    own = Rendered(
        files=render_tree("aggregate", context),
        edits={
            f"{package}/domain/__init__.py": (
                ensure_import(registry, docstring),
                ensure_import(line, docstring),
            ),
            f"{package}/registry.py": (
                ensure_file(render_tree("registry", context)["registry.py"]),
            ),
        },
    )
    return own | created


KINDS: dict[str, Kind] = {
    "aggregate": Kind(
        name="aggregate",
        summary="an aggregate with a create command, its Created event and tests",
        build=build_aggregate,
    ),
    "event": Kind(
        name="event",
        summary="an event of an aggregate, registered, with a round-trip test",
        build=build_event,
    ),
}
"""Kinds by name. `command`, `projection` and `saga` join when the command bus and the
projection engine land."""
