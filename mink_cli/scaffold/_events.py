"""The `event` kind: an event class of an aggregate, registered by import, with its test."""

from __future__ import annotations

from mink_cli.scaffold._edits import ensure_import
from mink_cli.scaffold._plan import Rendered
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request, aggregate_of, context_of

__all__ = ["build_event"]


def build_event(request: Request) -> Rendered:
    """An event class of an aggregate, registered under `<category>.<Name>`, with its test."""
    aggregate = aggregate_of(request, required=not request.options.get("with_aggregate"))
    context = context_of(
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
                ensure_import(line, docstring, first_party=request.package),
            )
        },
    )
