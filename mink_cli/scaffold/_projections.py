"""The `projection` kind: a projection keeping a read model up to date from named events, its
registration in the project's `projections(store)`, and a test with `ProjectionScenario`.

`mink generate projection OrderSummaries --events Order.Created,Order.Shipped --model
OrderSummary` writes `projections/order_summaries.py`: the class `OrderSummaries`, one
`@handles` method per event (typed with the project's event class, imported under the alias
`OrderCreated` so that two aggregates' `Created` never collide), and `build(store)`, listed in
`BUILDERS` of `projections/__init__.py`. Each handler copies the event's fields that the read
model has (same name, same type) into the model of the event's stream (its `id` is the stream
id): it makes the model when the event carries every required field, and otherwise updates it.
A read model that does not exist yet is generated (`mink generate model`) with the fields of
the first event.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mink_cli.errors import ProjectError, UsageError
from mink_cli.scaffold._edits import ensure_import, ensure_listed
from mink_cli.scaffold._models import MODEL_RESERVED, build_model
from mink_cli.scaffold._names import FIELD_TYPES, Field, Name, imports_of, parse_fields, parse_name
from mink_cli.scaffold._plan import Rendered
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request

__all__ = [
    "build_projection",
    "class_fields",
    "event_fields",
    "event_import",
    "event_names",
    "handler_of",
    "projections_registration",
    "spec_of",
    "wrap_docstring",
]

_PROJECTIONS_DOC = "Projections: read models kept up to date from the events."
_BY_ANNOTATION = {t.annotation: key for key, t in FIELD_TYPES.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Handler:
    aggregate: Name
    event: Name
    fields: list[Field] | None
    """The event's fields, when each has a type mink generates (else None: no example)."""
    annotations: dict[str, str]
    shared: list[str]
    mode: str
    """`create` (it carries every required field of the model), `update`, or `nothing`."""

    @property
    def alias(self) -> str:
        return f"{self.aggregate.pascal}{self.event.pascal}"

    @property
    def alias_snake(self) -> str:
        return f"{self.aggregate.snake}_{self.event.snake}"

    @property
    def method(self) -> str:
        return self.alias_snake

    @property
    def type_name(self) -> str:
        return f"{self.aggregate.snake}.{self.event.pascal}"

    @property
    def example(self) -> bool:
        return self.fields is not None


def projections_registration(package: str, module: str) -> Rendered:
    """The edits that list `<module>.build` in the project's `projections(store)`."""
    path = f"{package}/projections/__init__.py"
    template = render_tree("projections", {"package": package})[path]
    return Rendered(
        edits={
            path: (
                ensure_listed("BUILDERS", f"{module}.build", path=path, template=template),
                ensure_import(
                    f"from {package}.projections import {module} as {module}",
                    _PROJECTIONS_DOC,
                    first_party=package,
                ),
            )
        }
    )


def build_projection(request: Request) -> Rendered:
    """A projection of the named events into a read model, registered, with its test.

    Options: `events` (`Order.Created,Order.Shipped`), `model` (default: the projection's name
    in the singular, e.g. OrderSummaries → OrderSummary), `known_events` (event fields by
    `Aggregate.Event`, given by `mink init` for files not written yet).

    Raises:
        UsageError: no events, or a bad event or model name.
        ProjectError: a named event (or the read model) cannot be read from the project.
    """
    projection, package, root = request.name, request.package, request.root
    names = event_names(request.options.get("events"))
    model_text = request.options.get("model") or _singular(projection.pascal)
    model = parse_name(str(model_text), what="read model")
    known: Mapping[str, Sequence[Field]] = request.options.get("known_events") or {}
    events = [(a, e, event_fields(root, package, a, e, known)) for a, e in names]
    model_path = root / package / "read_models" / f"{model.snake}.py"
    generated = Rendered()
    if model_path.is_file():
        model_fields = class_fields(model_path.read_text(encoding="utf-8"), model.pascal)
        if model_fields is None or "id" not in model_fields:
            raise ProjectError(
                f"{model_path.relative_to(root)} has no dataclass {model.pascal} with an `id` "
                "field (the projection keys its models by stream id)",
                hint="give it `id: str`, or name another --model",
            )
    else:
        first = events[0][2][1]
        if first is None:
            raise ProjectError(
                f"the fields of {events[0][0].pascal}.{events[0][1].pascal} have types mink "
                f"does not generate, so no read model {model.pascal} can be made from them",
                hint=f"run `mink generate model {model.pascal} FIELD:TYPE ...` first",
            )
        own = [f for f in first if f.name not in MODEL_RESERVED and f.name != "id"]
        generated = build_model(Request(root=root, package=package, name=model, fields=own))
        model_fields = {
            "id": ("str", True),
            **{f.name: (f.annotation, f.default is None) for f in own},
        }
    handlers = [handler_of(a, e, found, model_fields) for a, e, found in events]
    first_handler = handlers[0]
    exact = first_handler.mode == "create" and set(first_handler.shared) == set(model_fields) - {
        "id"
    }
    example_fields = first_handler.fields or []
    context = {
        "package": package,
        "projection": projection,
        "model": model,
        "handlers": handlers,
        "first": first_handler,
        "exact": exact,
        "test_imports": imports_of(example_fields, examples=True) if first_handler.example else [],
    }
    imports = sorted(event_import(package, h) for h in handlers)
    context["event_imports"] = imports
    context["first_import"] = event_import(package, first_handler)
    context["doc_lines"] = wrap_docstring(
        f"{projection.pascal}: the read model {model.pascal}, one a stream, kept up to date "
        f"from {', '.join(h.type_name for h in handlers)}."
    )
    files = render_tree("projection", context)
    return generated | Rendered(files=files) | projections_registration(package, projection.snake)


def event_names(
    given: Any, *, option: str = "--events", what: str = "a projection handles"
) -> list[tuple[Name, Name]]:
    items = [s.strip() for s in str(given or "").split(",") if s.strip()]
    if not items:
        raise UsageError(f"{what} events: pass {option} Aggregate.Event[,Aggregate.Event...]")
    found = []
    for item in items:
        head, dot, tail = item.partition(".")
        if not dot or not head or not tail:
            raise UsageError(f"event {item!r} must be Aggregate.Event, e.g. Order.Created")
        pair = (parse_name(head, what="aggregate"), parse_name(tail, what="event"))
        if pair in found:
            raise UsageError(f"event {item!r} is named twice")
        found.append(pair)
    return found


def event_fields(
    root: Path, package: str, aggregate: Name, event: Name, known: Mapping[str, Sequence[Field]]
) -> tuple[dict[str, tuple[str, bool]], list[Field] | None]:
    """The event's fields (name → (annotation, required)) and, when each has a type mink
    generates, as Fields for examples."""
    key = f"{aggregate.pascal}.{event.pascal}"
    if key in known:
        fields = list(known[key])
        return {f.name: (f.annotation, f.default is None) for f in fields}, fields
    path = root / package / "domain" / aggregate.snake / "events" / f"{event.snake}.py"
    if not path.is_file():
        raise ProjectError(
            f"there is no event {key} ({path.relative_to(root)} is missing)",
            hint=f"run `mink generate event {key} FIELD:TYPE ...` first",
        )
    declared = class_fields(path.read_text(encoding="utf-8"), event.pascal)
    if declared is None:
        raise ProjectError(f"cannot find the class {event.pascal} in {path.relative_to(root)}")
    specs = []
    for name, (annotation, required) in declared.items():
        spec = spec_of(annotation, required)
        if spec is None:
            return declared, None
        specs.append(f"{name}:{spec}")
    try:
        return declared, parse_fields(specs, reserved=frozenset())
    except UsageError:
        return declared, None


def spec_of(annotation: str, required: bool) -> str | None:
    if required and annotation in _BY_ANNOTATION:
        return _BY_ANNOTATION[annotation]
    base = annotation.removesuffix(" | None")
    if not required and base != annotation and base in _BY_ANNOTATION:
        return f"{_BY_ANNOTATION[base]}?"
    return None


def class_fields(source: str, class_name: str) -> dict[str, tuple[str, bool]] | None:
    """The annotated fields of a class: name → (annotation, required)."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return None
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {
                item.target.id: (ast.unparse(item.annotation), item.value is None)
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    return None


def handler_of(
    aggregate: Name,
    event: Name,
    found: tuple[dict[str, tuple[str, bool]], list[Field] | None],
    model_fields: Mapping[str, tuple[str, bool]],
) -> _Handler:
    declared, fields = found
    shared = [
        name
        for name, (annotation, _) in declared.items()
        if name != "id" and model_fields.get(name, ("", False))[0] == annotation
    ]
    required = {n for n, (_, needed) in model_fields.items() if needed and n != "id"}
    mode = "create" if required <= set(shared) else ("update" if shared else "nothing")
    return _Handler(
        aggregate=aggregate,
        event=event,
        fields=fields,
        annotations={n: a for n, (a, _) in declared.items()},
        shared=shared,
        mode=mode,
    )


def event_import(package: str, handler: _Handler) -> str:
    module = f"{package}.domain.{handler.aggregate.snake}.events.{handler.event.snake}"
    line = f"from {module} import {handler.event.pascal} as {handler.alias}"
    if len(line) <= 100:
        return line
    return f"from {module} import (\n    {handler.event.pascal} as {handler.alias},\n)"


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith("s") and not plural.endswith("ss"):
        return plural[:-1]
    return f"{plural}View"


def wrap_docstring(text: str, *, indent: int = 0) -> list[str]:
    """A docstring's lines, wrapped to 100 columns."""
    pad = " " * indent
    return [f"{pad}{line}" for line in textwrap.wrap(f'"""{text}"""', width=100 - indent)]
