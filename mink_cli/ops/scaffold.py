"""`mink init` and `mink generate`: plans from the templates, applied once settled."""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mink_cli.errors import RefusedError, UsageError
from mink_cli.scaffold import (
    ANSWERS_FILE,
    KINDS,
    FileChange,
    Plan,
    Rendered,
    Request,
    apply_plan,
    make_plan,
    parse_fields,
    parse_name,
    project_answers,
    record_generated,
    render_tree,
)
from mink_cli.settings import Settings
from mink_runtime._version import __version__
from mink_runtime.urls import backend_of

__all__ = [
    "EXAMPLE_AGGREGATE",
    "EXAMPLE_COMMAND",
    "EXAMPLE_PROJECTION",
    "apply_generate",
    "plan_generate",
    "plan_init",
    "split_event_name",
]

EXAMPLE_AGGREGATE = ("Account", ("owner:str",))
"""The example aggregate `mink init` renders (name, fields)."""

EXAMPLE_COMMAND = ("Rename", ("owner:str",))
"""The example command of the example aggregate (action, fields): `RenameAccount`."""

EXAMPLE_PROJECTION = ("AccountSummaries", "Account.Created,Account.Renamed", "AccountSummary")
"""The example projection of `mink init` (name, events, read model): the AccountSummary of each
account, with its table in the project's first migration (templates/example)."""

_IGNORED_IN_TARGET = frozenset({".git"})
_FORBIDDEN_PACKAGES = frozenset({"mink", "mink_runtime", "mink_cli", "test", "tests", "migrations"})


def _package_name(name: str) -> str:
    package = parse_name(name, what="project").snake
    if keyword.iskeyword(package) or package in _FORBIDDEN_PACKAGES or not package.isidentifier():
        raise UsageError(f"{package!r} cannot be the project's package; pass --package NAME")
    return package


def plan_init(
    target: Path,
    *,
    package: str | None = None,
    database_url: str | None = None,
    example: bool = True,
    projection: bool = True,
    force: bool = False,
) -> Plan:
    """The plan of a new project in `target` (`.` for the working folder); with `example`, an
    example aggregate and command, and (with `projection` too) an example projection, its read
    model and the migration of its table.

    Raises:
        UsageError: the name cannot make a Python package, or the URL is not a database URL.
        RefusedError: `target` holds files and `force` is off.
    """
    root = target.resolve()
    name = root.name
    package = _package_name(package or name)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    if root.is_dir() and not force:
        present = sorted(p.name for p in root.iterdir() if p.name not in _IGNORED_IN_TARGET)
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise RefusedError(
                f"{target} is not empty ({shown})",
                hint="choose a new folder, or pass --force to render into it "
                "(files that differ are overwritten)",
            )
    if database_url is not None:
        try:
            backend_of(database_url)
        except Exception as error:
            raise UsageError(str(error)) from None
    context = {
        "name": name,
        "package": package,
        "mink_version": __version__,
        "database_in_env": database_url is not None,
    }
    registry = render_tree("registry", context)["registry.py"]
    rendered = Rendered(
        files={
            **render_tree("project", context),
            **render_tree("commands", context),
            **render_tree("projections", context),
            f"{package}/registry.py": registry,
        }
    )
    if database_url is not None:
        rendered = rendered | Rendered(files={".env": f"MINK_DATABASE_URL={database_url}\n"})
    if example:
        aggregate, fields = EXAMPLE_AGGREGATE
        created_fields = parse_fields(fields)
        rendered = rendered | KINDS["aggregate"].build(
            Request(
                root=root,
                package=package,
                name=parse_name(aggregate, what="aggregate"),
                fields=created_fields,
            )
        )
        action, command_fields = EXAMPLE_COMMAND
        rendered = rendered | KINDS["command"].build(
            Request(
                root=root,
                package=package,
                name=parse_name(action, what="command"),
                fields=parse_fields(command_fields),
                options={
                    "aggregate": aggregate,
                    "with_aggregate": True,
                    "created_fields": created_fields,
                },
            )
        )
    if example and projection:
        rendered = (
            rendered
            | KINDS["projection"].build(
                Request(
                    root=root,
                    package=package,
                    name=parse_name(EXAMPLE_PROJECTION[0], what="projection"),
                    options={
                        "events": EXAMPLE_PROJECTION[1],
                        "model": EXAMPLE_PROJECTION[2],
                        "known_events": {
                            f"{aggregate}.Created": created_fields,
                            f"{aggregate}.Renamed": parse_fields(command_fields),
                        },
                    },
                )
            )
            | Rendered(files=render_tree("example", context))
        )
    answers = {
        "name": name,
        "package": package,
        "database": "env" if database_url is not None else "sqlite",
        "example": example,
    }
    rendered = rendered | Rendered(
        files={ANSWERS_FILE: project_answers(answers, mink_version=__version__)}
    )
    return make_plan(root, rendered, force=force)


def split_event_name(name: str, aggregate: str | None) -> tuple[str, str | None]:
    """`Order.Shipped` → (`Shipped`, `Order`); a plain name keeps the given aggregate (events
    and commands alike: `Order.Ship`).

    Raises:
        UsageError: the aggregate is given twice, differently.
    """
    head, dot, tail = name.partition(".")
    if not dot:
        return name, aggregate
    if aggregate is not None and aggregate != head:
        raise UsageError(f"{name!r} names aggregate {head!r} but --aggregate says {aggregate!r}")
    return tail, head


def plan_generate(
    settings: Settings,
    kind: str,
    name: str,
    field_specs: Sequence[str] = (),
    *,
    aggregate: str | None = None,
    event: str | None = None,
    force: bool = False,
    skip: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan of one artefact of `kind` in the project (`extra`: options of the kind, such as
    a projection's `events` and `model`).

    Raises:
        UsageError: an unknown kind, a bad name or field, or --force with --skip.
        ProjectError: no project here, no `package` setting, a missing aggregate, or a file
            the kind edits cannot take the edit.
    """
    if force and skip:
        raise UsageError("--force and --skip exclude each other")
    chosen = KINDS.get(kind)
    if chosen is None:
        raise UsageError(f"unknown kind {kind!r}; mink generates: {', '.join(KINDS)}")
    root = settings.require_project()
    package = settings.require("package")
    request = Request(
        root=root,
        package=package,
        name=parse_name(name, what=kind),
        fields=parse_fields(field_specs, reserved=chosen.reserved_fields),
        options={"aggregate": aggregate, "event": event, **(extra or {})},
    )
    return make_plan(root, chosen.build(request), force=force, skip=skip)


def apply_generate(
    settings: Settings,
    plan: Plan,
    *,
    kind: str,
    name: str,
    field_specs: Sequence[str] = (),
    aggregate: str | None = None,
    event: str | None = None,
) -> list[FileChange]:
    """Apply a settled plan and record the generation in the answers file.

    Raises:
        RefusedError: a conflict is left in the plan.
    """
    written = apply_plan(plan)
    if written:
        record_generated(
            settings.require_project(),
            kind,
            name,
            list(field_specs),
            aggregate=aggregate,
            event=event,
        )
    return written
