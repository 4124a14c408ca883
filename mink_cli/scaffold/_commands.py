"""The `command` kind: a command of an aggregate, its handler on the project's bus, the event
it records, the aggregate's method that decides, and a given/when/then test.

Naming: `Order.Ship` (or `Ship --aggregate Order`) is the action `ship` of the aggregate
`Order`. The command is `ShipOrder` (action, then aggregate) in `commands/ship_order.py`,
carrying `order_id` and the fields; its handler loads the Order, calls `order.ship(...)` and
saves it. The event is the action's first word in the past tense, moved to the end
(`Shipped`, `ChangeAddress` → `AddressChanged`), unless `--event` names it.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence

from mink_cli.errors import UsageError
from mink_cli.scaffold._edits import (
    attributes_of,
    ensure_apply,
    ensure_import,
    ensure_listed,
    ensure_method,
)
from mink_cli.scaffold._events import build_event
from mink_cli.scaffold._names import (
    FIELD_TYPES,
    Field,
    Name,
    event_name_of,
    imports_of,
    parse_fields,
    parse_name,
)
from mink_cli.scaffold._plan import Edit, Rendered
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request, aggregate_of, context_of

__all__ = ["build_command"]

_TAKEN_ACTIONS = frozenset(
    {"create", "record", "apply_event", "mark_committed", "load", "save", "register"}
)
_COMMANDS_DOC = "Commands and their handlers; `bus(store)` dispatches them."
_STATE_MARKER = "# State changes: one @apply method per event."


def build_command(request: Request) -> Rendered:
    """A command, its handler (registered in `<package>/commands/__init__.py`), its event, the
    aggregate's new method and `@apply` method, and a test.

    With the option `create` (the aggregate kind sets it), the command is the aggregate's
    `Create<Aggregate>`: its handler makes a new aggregate and calls its `create`, which
    records `Created`; nothing else is added to the aggregate.

    Raises:
        UsageError: the action is taken, or a field is named like the aggregate's id.
        ProjectError: the aggregate does not exist, or its files cannot be edited.
    """
    create = bool(request.options.get("create"))
    aggregate = aggregate_of(
        request,
        required=not request.options.get("with_aggregate"),
        what="a command",
        example="Order.Ship",
    )
    action = Name(pascal="Create", snake="create") if create else request.name
    if not create and action.snake in _TAKEN_ACTIONS:
        raise UsageError(
            f"the action {action.pascal!r} is taken by mink's Aggregate or the aggregate's own "
            f"create (Create{aggregate.pascal} comes with `mink generate aggregate`); choose "
            "another (e.g. Order.Ship)"
        )
    id_field = f"{aggregate.snake}_id"
    if any(f.name == id_field for f in request.fields):
        raise UsageError(f"the command carries {id_field} already; drop that field")
    given = request.options.get("event")
    if create:
        event = Name(pascal="Created", snake="created")
    else:
        event = parse_name(str(given), what="event") if given else event_name_of(action)
    command = Name(
        pascal=f"{action.pascal}{aggregate.pascal}", snake=f"{action.snake}_{aggregate.snake}"
    )
    package = request.package
    fields = request.fields
    history_name, history_fields = (event, []) if create else _history(request, aggregate, event)
    context = context_of(
        request,
        aggregate=aggregate,
        action=action,
        command=command,
        event=event,
        create=create,
        id_field=id_field,
        one_line_decide=len(
            f"def {command.snake}({aggregate.snake}: {aggregate.pascal}, "
            f"command: {command.pascal}) -> None:"
        )
        <= 100,
        history=history_name,
        history_fields=history_fields,
        event_imports=sorted({history_name.pascal, event.pascal}),
        test_imports=imports_of([*fields, *history_fields], examples=True),
    )
    commands_path = f"{package}/commands/__init__.py"
    commands_template = render_tree("commands", {"package": package})[commands_path]
    own = Rendered(
        files=render_tree("command", context),
        edits={
            commands_path: (
                ensure_listed(
                    "REGISTRATIONS",
                    f"{command.snake}.register",
                    path=commands_path,
                    template=commands_template,
                ),
                ensure_import(
                    f"from {package}.commands import {command.snake} as {command.snake}",
                    _COMMANDS_DOC,
                    first_party=package,
                ),
            ),
        },
    )
    if create:
        return own
    return _decision(request, aggregate, action, event) | own


def _decision(request: Request, aggregate: Name, action: Name, event: Name) -> Rendered:
    """The event a command records, and the aggregate's method that records it (with the
    imports it needs) and its `@apply` method."""
    package, fields = request.package, request.fields
    event_rendered = build_event(
        Request(
            root=request.root,
            package=package,
            name=event,
            fields=fields,
            options={"aggregate": aggregate.pascal, "with_aggregate": True},
        )
    )
    path = f"{package}/domain/{aggregate.snake}/aggregate.py"
    event_import = (
        f"from {package}.domain.{aggregate.snake}.events.{event.snake} import {event.pascal}"
    )
    edits = (
        *(ensure_import(line, "", first_party=package) for line in imports_of(fields)),
        ensure_import(event_import, "", first_party=package),
        ensure_method(
            aggregate.pascal,
            action.snake,
            _method(aggregate, action, event, fields),
            path=path,
            marker=_STATE_MARKER,
        ),
        _apply_edit(aggregate, event, fields, path=path),
    )
    return event_rendered | Rendered(edits={path: edits})


def _method(aggregate: Name, action: Name, event: Name, fields: Sequence[Field]) -> list[str]:
    """The aggregate's method that decides: it records the event (the rules are the user's)."""
    doc = _docstring(
        f"{action.pascal} the {aggregate.pascal}: check the rules (raise to refuse), then "
        f"record {event.pascal}.",
        indent=8,
    )
    if not fields:
        return [
            f"    def {action.snake}(self) -> None:",
            *doc,
            f"        self.record({event.pascal}())",
        ]
    return [
        f"    def {action.snake}(",
        "        self,",
        "        *,",
        *(
            f"        {f.name}: {f.annotation}"
            + (f" = {f.default}," if f.default is not None else ",")
            for f in fields
        ),
        "    ) -> None:",
        *doc,
        "        self.record(",
        f"            {event.pascal}(",
        *(f"                {f.name}={f.name}," for f in fields),
        "            )",
        "        )",
    ]


def _apply_edit(aggregate: Name, event: Name, fields: Sequence[Field], *, path: str) -> Edit:
    """The `@apply` method of the event: it sets the aggregate's attributes of the same name
    and type; the user's own state changes go there too."""

    def edit(current: str | None) -> str:
        declared = attributes_of(current or "")
        body = [
            f"        self.{f.name} = event.{f.name}"
            for f in fields
            if declared.get(f.name) in (f.annotation, f"{f.annotation} | None")
        ]
        if not body:
            body = _docstring(
                f"{event.pascal} changes no state of {aggregate.pascal} yet: change it here.",
                indent=8,
            )
        source = [
            "    @apply",
            f"    def _{event.snake}(self, event: {event.pascal}) -> None:",
            *body,
        ]
        return ensure_apply(aggregate.pascal, f"_{event.snake}", source, path=path)(current)

    return edit


def _history(request: Request, aggregate: Name, event: Name) -> tuple[Name, list[Field]]:
    """What the test gives as the aggregate's past: its `Created` event with examples of its
    required fields, read from the project (or given by `mink init`); failing that, the new
    event itself."""
    given = request.options.get("created_fields")
    if given is not None:
        return Name(pascal="Created", snake="created"), [f for f in given if f.default is None]
    path = request.root / request.package / "domain" / aggregate.snake / "events" / "created.py"
    fields = _required_fields(path.read_text(encoding="utf-8")) if path.is_file() else None
    if fields is None:
        return event, [f for f in request.fields if f.default is None]
    return Name(pascal="Created", snake="created"), fields


def _required_fields(source: str) -> list[Field] | None:
    """The required fields of the class `Created` in `source`, when each has a type mink
    generates (so the test can give it an example); else None."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return None
    by_annotation = {t.annotation: key for key, t in FIELD_TYPES.items()}
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == "Created":
            specs = []
            for item in node.body:
                if not isinstance(item, ast.AnnAssign) or item.value is not None:
                    continue
                if not isinstance(item.target, ast.Name):
                    return None
                key = by_annotation.get(ast.unparse(item.annotation))
                if key is None:
                    return None
                specs.append(f"{item.target.id}:{key}")
            try:
                return parse_fields(specs)
            except UsageError:
                return None
    return None


def _docstring(text: str, *, indent: int) -> list[str]:
    """A docstring's lines, wrapped to 100 columns."""
    pad = " " * indent
    lines = textwrap.wrap(f'"""{text}"""', width=100 - indent)
    return [f"{pad}{line}" for line in lines]
