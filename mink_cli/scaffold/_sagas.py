"""The `saga` kind: a process manager, an async projection whose handlers dispatch a command
through the project's bus, registered in `projections(store)` like projections, with a test.

`mink generate saga Invoicing --on Order.Created --then Invoice.Create` writes
`projections/invoicing.py`: on each `order.Created` it dispatches `CreateInvoice` (the command
must exist: `mink generate command`, or the aggregate's own `Create<Aggregate>`), its id the
event's stream id, its fields copied from the event where names and types match (else an
example value, marked to be chosen). Every dispatch carries the idempotency key
`<saga>:<event id>`, and the saga's bus has the idempotency middleware over the store's
idempotency store: replaying the log (a rebuild) or retrying a batch never runs a command twice.
"""

from __future__ import annotations

from typing import Any

from mink_cli.errors import ProjectError, UsageError
from mink_cli.scaffold._names import Field, Name, imports_of, parse_fields, parse_name
from mink_cli.scaffold._plan import Rendered
from mink_cli.scaffold._projections import (
    class_fields,
    event_fields,
    event_import,
    event_names,
    handler_of,
    projections_registration,
    spec_of,
    wrap_docstring,
)
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request

__all__ = ["build_saga"]


def build_saga(request: Request) -> Rendered:
    """A process manager reacting to `on` events with the `then` command, registered, with
    its test.

    Raises:
        UsageError: no `on` events or no `then` command, or a malformed name.
        ProjectError: a named event or the command does not exist, or a field the command
            needs has a type mink cannot give an example of.
    """
    saga, package, root = request.name, request.package, request.root
    names = event_names(request.options.get("on"), option="--on", what="a saga reacts to")
    target, action = _then(request.options.get("then"))
    command = Name(pascal=f"{action.pascal}{target.pascal}", snake=f"{action.snake}_{target.snake}")
    id_field = f"{target.snake}_id"
    command_fields = _command_fields(request, command, target, action)
    known: dict[str, Any] = {}
    handlers = []
    needed: list[Field] = []
    for aggregate, event in names:
        found = event_fields(root, package, aggregate, event, known)
        declared = found[0]
        base = handler_of(aggregate, event, found, command_fields)
        arguments: list[tuple[str, str, str | None]] = []
        for name, (annotation, required) in command_fields.items():
            if name == id_field:
                continue
            if declared.get(name, ("", False))[0] == annotation:
                arguments.append((name, f"event.{name}", None))
            elif required:
                chosen = _example(name, annotation, command)
                needed.append(chosen)
                note = f"{base.type_name} carries no {name}: choose it"
                arguments.append((name, chosen.example, note))
        handlers.append((base, arguments))
    first = handlers[0][0]
    setup = None
    setup_fields: list[Field] = []
    if action.snake != "create":
        setup = Name(pascal=f"Create{target.pascal}", snake=f"create_{target.snake}")
        create_fields = _command_fields(
            request, setup, target, Name(pascal="Create", snake="create")
        )
        setup_fields = [
            _example(name, annotation, setup)
            for name, (annotation, required) in create_fields.items()
            if required and name != f"{target.snake}_id"
        ]
    example = first.fields is not None
    first_party = [
        f"from {package}.domain import registry",
        f"from {package}.projections.{saga.snake} import build",
    ]
    if example:
        first_party.append(event_import(package, first))
        if setup is not None:
            first_party += [
                f"from {package}.commands import bus",
                f"from {package}.commands.{setup.snake} import {setup.pascal}",
            ]
    test_fields = [*(first.fields or []), *setup_fields] if example else []
    context = {
        "package": package,
        "saga": saga,
        "command": command,
        "target": target,
        "id_field": id_field,
        "handlers": [
            {
                "method": h.method,
                "alias": h.alias,
                "type_name": h.type_name,
                "arguments": arguments,
            }
            for h, arguments in handlers
        ],
        "first": first,
        "example": example,
        "setup": setup,
        "setup_fields": setup_fields,
        "imports": imports_of(needed, examples=True),
        "event_imports": sorted(event_import(package, h) for h, _ in handlers),
        "first_party": sorted(first_party),
        "test_imports": imports_of(test_fields, examples=True),
        "doc_lines": wrap_docstring(
            f"{saga.pascal}: a process manager; on "
            f"{', '.join(h.type_name for h, _ in handlers)} it dispatches {command.pascal}."
        ),
    }
    files = render_tree("saga", context)
    return Rendered(files=files) | projections_registration(package, saga.snake)


def _then(given: Any) -> tuple[Name, Name]:
    text = str(given or "").strip()
    head, dot, tail = text.partition(".")
    if not text:
        raise UsageError("a saga dispatches a command: pass --then Aggregate.Action")
    if not dot or not head or not tail:
        raise UsageError(f"--then {text!r} must be Aggregate.Action, e.g. Invoice.Create")
    return parse_name(head, what="aggregate"), parse_name(tail, what="command")


def _command_fields(
    request: Request, command: Name, target: Name, action: Name
) -> dict[str, tuple[str, bool]]:
    path = request.root / request.package / "commands" / f"{command.snake}.py"
    if not path.is_file():
        how = (
            f"mink generate aggregate {target.pascal}"
            if action.snake == "create"
            else f"mink generate command {target.pascal}.{action.pascal}"
        )
        raise ProjectError(
            f"there is no command {command.pascal} ({path.relative_to(request.root)} is missing)",
            hint=f"run `{how}` first",
        )
    fields = class_fields(path.read_text(encoding="utf-8"), command.pascal)
    if fields is None:
        raise ProjectError(
            f"cannot find the class {command.pascal} in {path.relative_to(request.root)}"
        )
    return fields


def _example(name: str, annotation: str, command: Name) -> Field:
    spec = spec_of(annotation, True)
    if spec is None:
        raise ProjectError(
            f"{command.pascal}.{name} is a {annotation}, which mink cannot give an example of",
            hint="generate the saga for another command, or write it by hand",
        )
    [field] = parse_fields([f"{name}:{spec}"], reserved=frozenset())
    return field
