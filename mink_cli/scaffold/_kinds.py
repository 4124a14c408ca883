"""The kinds `mink generate` knows, each rendering its templates and its registrations.

A kind turns a `Request` (the project, a name, fields, options) into `Rendered` files and
edits. Registration is an edit: a new aggregate is imported by `<package>/domain/__init__.py`,
a new event by its aggregate's `events/__init__.py`, so importing the project's registry
(`<package>.domain:registry`) registers every event type; a new command is listed in
`<package>/commands/__init__.py`, whose `bus(store)` registers every handler; a new projection
in `<package>/projections/__init__.py`, whose `projections(store)` makes every projection.

To add a kind (`projection`, `saga`), write `templates/<kind>/`, a build function (in a module
of its own, as `_events` and `_commands`), and add it to `KINDS`; `mink generate <kind>` and
`mink init` pick it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mink_cli.scaffold._commands import build_command
from mink_cli.scaffold._edits import ensure_file, ensure_import
from mink_cli.scaffold._events import build_event
from mink_cli.scaffold._models import MODEL_RESERVED, build_model
from mink_cli.scaffold._names import AGGREGATE_RESERVED, Name
from mink_cli.scaffold._plan import Rendered
from mink_cli.scaffold._projections import build_projection
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request, context_of
from mink_cli.scaffold._sagas import build_saga

__all__ = ["KINDS", "Kind", "build_aggregate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """A kind of artefact `mink generate` renders."""

    name: str
    summary: str
    build: Callable[[Request], Rendered]
    reserved_fields: frozenset[str] = AGGREGATE_RESERVED
    """Field names `NAME:TYPE` may not use for this kind."""


def build_aggregate(request: Request) -> Rendered:
    """An aggregate with a `create` method, its `Created` event, the command
    `Create<Aggregate>` on the project's bus, their tests, registered with the project's
    domain."""
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
    context = context_of(request, aggregate=name, type_name=f"{name.snake}.Created")
    package = request.package
    line = f"from {package}.domain.{name.snake} import {name.pascal} as {name.pascal}"
    registry = f"from {package}.registry import registry as registry"
    docstring = "The domain: aggregates and their events. Importing it registers every event type."
    own = Rendered(
        files=render_tree("aggregate", context),
        edits={
            f"{package}/domain/__init__.py": (
                ensure_import(registry, docstring, first_party=package),
                ensure_import(line, docstring, first_party=package),
            ),
            f"{package}/registry.py": (
                ensure_file(render_tree("registry", context)["registry.py"]),
            ),
        },
    )
    creation = build_command(
        Request(
            root=request.root,
            package=package,
            name=Name(pascal="Create", snake="create"),
            fields=request.fields,
            options={"aggregate": name.pascal, "with_aggregate": True, "create": True},
        )
    )
    return own | created | creation


KINDS: dict[str, Kind] = {
    "aggregate": Kind(
        name="aggregate",
        summary="an aggregate, its Created event, its Create command on the bus, and tests",
        build=build_aggregate,
    ),
    "event": Kind(
        name="event",
        summary="an event of an aggregate, registered, with a round-trip test",
        build=build_event,
    ),
    "command": Kind(
        name="command",
        summary="a command of an aggregate, its handler on the bus, its event and a test",
        build=build_command,
    ),
    "model": Kind(
        name="model",
        summary="a read model, its table in the project's metadata for migrations, and a test",
        build=build_model,
        reserved_fields=MODEL_RESERVED,
    ),
    "projection": Kind(
        name="projection",
        summary="a projection of events into a read model, in projections(store), and a test",
        build=build_projection,
    ),
    "saga": Kind(
        name="saga",
        summary="a process manager dispatching a command on events, idempotently, and a test",
        build=build_saga,
    ),
}
"""Kinds by name."""
