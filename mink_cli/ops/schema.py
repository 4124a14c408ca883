"""`mink schema`: event schemas from the registered classes, checked against what was released.

A released schema is a snapshot file, `schemas/<type>/v<N>.json`, written by `mink schema
save` when a version ships. The class must then keep the promise the project's compatibility
mode makes against every older snapshot it still has to read, and may never change a released
version without bumping it (and adding an upcaster where events need one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mink_cli.errors import RefusedError, UsageError
from mink_cli.ops.project import load_registry
from mink_cli.ops.store import connected
from mink_cli.settings import Settings
from mink_runtime.domain import (
    Compatibility,
    EventRegistry,
    EventType,
    SchemaChange,
    compare_schemas,
    event_schema,
)

__all__ = [
    "Finding",
    "SchemaDiff",
    "SchemaEntry",
    "check",
    "diff",
    "list_schemas",
    "save",
    "show",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaEntry:
    """A registered event type, its version, and the versions released as snapshots."""

    type: str
    version: int
    cls: str
    released: tuple[int, ...]

    @property
    def current_released(self) -> bool:
        return self.version in self.released


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaDiff:
    """The class's schema against a released snapshot."""

    type: str
    old_version: int | None
    new_version: int
    changes: tuple[SchemaChange, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One result of `schema check`; an `error` fails it."""

    level: str  # "error" | "warning" | "info"
    type: str
    message: str


def _snapshot_dir(settings: Settings, type_name: str) -> Path:
    return settings.path("schemas") / type_name


def _released(settings: Settings, type_name: str) -> dict[int, Path]:
    folder = _snapshot_dir(settings, type_name)
    found: dict[int, Path] = {}
    if folder.is_dir():
        for path in folder.glob("v*.json"):
            number = path.stem[1:]
            if number.isdigit():
                found[int(number)] = path
    return dict(sorted(found.items()))


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _schema(entry: EventType) -> dict[str, Any]:
    return event_schema(entry.cls, name=entry.name, version=entry.version)


def _entry(registry: EventRegistry, type_name: str) -> EventType:
    entry = registry.lookup(type_name)
    if entry is None:
        known = ", ".join(e.name for e in registry) or "none"
        raise UsageError(f"no event type {type_name!r} in the registry (registered: {known})")
    return entry


def list_schemas(settings: Settings) -> list[SchemaEntry]:
    """Every registered event type with its version and released snapshots."""
    registry = load_registry(settings)
    return [
        SchemaEntry(
            type=e.name,
            version=e.version,
            cls=f"{e.cls.__module__}.{e.cls.__qualname__}",
            released=tuple(_released(settings, e.name)),
        )
        for e in registry
    ]


def show(settings: Settings, type_name: str) -> dict[str, Any]:
    """The JSON Schema of a registered event type at its current version.

    Raises:
        UsageError: no such type in the registry.
    """
    return _schema(_entry(load_registry(settings), type_name))


def diff(settings: Settings, type_name: str, *, against: int | None = None) -> SchemaDiff:
    """The class's schema against the newest released snapshot (or version `against`).

    Raises:
        UsageError: no such type, or no such released version.
    """
    entry = _entry(load_registry(settings), type_name)
    released = _released(settings, type_name)
    if against is not None and against not in released:
        raise UsageError(
            f"{type_name} has no released v{against} in {_snapshot_dir(settings, type_name)}"
        )
    version = against if against is not None else (max(released) if released else None)
    current = _schema(entry)
    old = _read(released[version]) if version is not None else {"properties": {}, "required": []}
    return SchemaDiff(
        type=type_name,
        old_version=version,
        new_version=entry.version,
        changes=tuple(compare_schemas(old, current)),
    )


def _check_class(settings: Settings, entry: EventType, mode: Compatibility) -> list[Finding]:
    released = _released(settings, entry.name)
    if not released:
        return [
            Finding(
                level="info", type=entry.name, message="no released schema yet (`mink schema save`)"
            )
        ]
    current = _schema(entry)
    findings: list[Finding] = []
    newer = [v for v in released if v > entry.version]
    if newer:
        findings.append(
            Finding(
                level="error",
                type=entry.name,
                message=f"the class is at v{entry.version} but v{max(newer)} was released",
            )
        )
    if entry.version in released:
        changed = compare_schemas(_read(released[entry.version]), current)
        if changed:
            shown = "; ".join(str(c) for c in changed)
            findings.append(
                Finding(
                    level="error",
                    type=entry.name,
                    message=f"released v{entry.version} changed without a version bump: {shown}; "
                    "bump the version in @event(..., version=N) (and add an upcaster if needed)",
                )
            )
    older = [v for v in released if v < entry.version]
    if older:
        latest = max(older)
        for change in compare_schemas(_read(released[latest]), current):
            if not change.allowed_by(mode):
                findings.append(
                    Finding(
                        level="error",
                        type=entry.name,
                        message=f"v{latest} → v{entry.version} is not {mode.value} "
                        f"compatible: {change}",
                    )
                )
    return findings


async def check(settings: Settings, *, against: str = "snapshots") -> list[Finding]:
    """Check the classes against their released snapshots under the project's compatibility
    mode; with `against="database"`, check every (type, version) the store holds instead.

    Raises:
        UsageError: `against` is neither "snapshots" nor "database".
        StoreUnavailableError: (database) the store cannot be reached.
    """
    registry = load_registry(settings)
    mode = Compatibility(settings.compatibility)
    if against == "snapshots":
        return [f for e in registry for f in _check_class(settings, e, mode)]
    if against != "database":
        raise UsageError(f"--against {against!r}: use snapshots or database")
    async with connected(settings) as store:
        stored = await store.event_types()
    findings: list[Finding] = []
    for item in stored:
        entry = registry.lookup(item.type)
        label = f"{item.count} stored events of v{item.schema_version}"
        if entry is None:
            findings.append(
                Finding(
                    level="error",
                    type=item.type,
                    message=f"{label}, but the registry has no such type",
                )
            )
            continue
        if item.schema_version > entry.version:
            findings.append(
                Finding(
                    level="error",
                    type=item.type,
                    message=f"{label}, newer than the class (v{entry.version}): is this old code?",
                )
            )
            continue
        if item.schema_version == entry.version:
            continue
        snapshot = _released(settings, item.type).get(item.schema_version)
        if snapshot is None:
            findings.append(
                Finding(
                    level="warning",
                    type=item.type,
                    message=f"{label}, and no released schema of v{item.schema_version} to prove "
                    f"that v{entry.version} reads them",
                )
            )
            continue
        for change in compare_schemas(_read(snapshot), _schema(entry)):
            if change.breaks_backward:
                findings.append(
                    Finding(
                        level="error",
                        type=item.type,
                        message=f"{label} cannot be read by v{entry.version}: {change}",
                    )
                )
    return findings


def save(settings: Settings, types: list[str] | None = None, *, force: bool = False) -> list[Path]:
    """Release the current schemas: write `schemas/<type>/v<N>.json` for each registered type
    (or the ones named). A released version that changed is refused unless `force`.

    Raises:
        UsageError: a named type is not registered.
        RefusedError: a released snapshot would change.
    """
    registry = load_registry(settings)
    entries = [_entry(registry, t) for t in types] if types else list(registry)
    written: list[Path] = []
    for entry in entries:
        schema = _schema(entry)
        path = _snapshot_dir(settings, entry.name) / f"v{entry.version}.json"
        if path.exists():
            if not compare_schemas(_read(path), schema):
                continue
            if not force:
                raise RefusedError(
                    f"{path} was released and the class changed since",
                    hint="bump the event's version instead, or pass --force to rewrite it",
                )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written
