"""Plans: what rendering templates would do to each file, decided before anything is written.

Every file gets one verb: **create** (missing), **identical** (already so: a silent no-op),
**update** (an additive edit of a file mink owns a part of, such as registering an event),
**conflict** (exists with other content), **overwrite** (a conflict, with `--force`), **skip** (a
conflict, with `--skip`). A plan with conflicts left is never applied.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mink_cli.errors import RefusedError

__all__ = ["Edit", "FileChange", "Plan", "Rendered", "Verb", "apply_plan", "make_plan"]

Edit = Callable[[str | None], str]
"""An edit of a file: its new content from its current one (None when it does not exist)."""


class Verb(enum.StrEnum):
    """What applying a plan does to one file."""

    CREATE = "create"
    IDENTICAL = "identical"
    UPDATE = "update"
    CONFLICT = "conflict"
    OVERWRITE = "overwrite"
    SKIP = "skip"

    @property
    def writes(self) -> bool:
        return self in (Verb.CREATE, Verb.UPDATE, Verb.OVERWRITE)


@dataclass(frozen=True, slots=True, kw_only=True)
class FileChange:
    """One file of a plan."""

    path: str
    """Relative to the plan's root, with `/` separators."""
    verb: Verb
    content: str
    current: str | None = None

    def diff(self) -> str:
        """The unified diff from what is there to what would be written."""
        if self.current is None or self.current == self.content:
            return ""
        lines = difflib.unified_diff(
            self.current.splitlines(keepends=True),
            self.content.splitlines(keepends=True),
            fromfile=f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendered:
    """What a kind renders: whole files, and edits of files it shares with the user."""

    files: Mapping[str, str] = field(default_factory=dict)
    edits: Mapping[str, tuple[Edit, ...]] = field(default_factory=dict)

    def __or__(self, other: Rendered) -> Rendered:
        files = {**self.files, **other.files}
        edits = dict(self.edits)
        for path, more in other.edits.items():
            edits[path] = edits.get(path, ()) + more
        return Rendered(files=files, edits=edits)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The changes rendering would make under `root`, in path order."""

    root: Path
    changes: tuple[FileChange, ...]

    @property
    def conflicts(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.verb is Verb.CONFLICT)

    @property
    def writes(self) -> tuple[FileChange, ...]:
        return tuple(c for c in self.changes if c.verb.writes)

    def resolve(self, path: str, verb: Verb) -> Plan:
        """The plan with one conflict settled as `overwrite` or `skip`."""
        changes = tuple(replace(c, verb=verb) if c.path == path else c for c in self.changes)
        return replace(self, changes=changes)


def make_plan(root: Path, rendered: Rendered, *, force: bool = False, skip: bool = False) -> Plan:
    """Compare what `rendered` holds with what is under `root`.

    Edits apply to the rendered content of a file of the same plan, else to the file on disk;
    they never conflict. A differing whole file is a conflict, or with `force` an overwrite, or
    with `skip` a skip.
    """
    changes: list[FileChange] = []
    for path in sorted(rendered.files.keys() | rendered.edits.keys()):
        target = root / path
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        edits = rendered.edits.get(path, ())
        if path in rendered.files:
            content = rendered.files[path]
            for edit in edits:
                content = edit(content)
            if current is None:
                verb = Verb.CREATE
            elif current == content:
                verb = Verb.IDENTICAL
            else:
                verb = Verb.OVERWRITE if force else Verb.SKIP if skip else Verb.CONFLICT
        else:
            edited = current
            for edit in edits:
                edited = edit(edited)
            assert edited is not None
            content = edited
            if current is None:
                verb = Verb.CREATE
            else:
                verb = Verb.IDENTICAL if current == content else Verb.UPDATE
        changes.append(FileChange(path=path, verb=verb, content=content, current=current))
    return Plan(root=root, changes=tuple(changes))


def apply_plan(plan: Plan) -> list[FileChange]:
    """Write what the plan creates, updates and overwrites; return those changes.

    Raises:
        RefusedError: a conflict is left unsettled (nothing is written then).
    """
    if plan.conflicts:
        shown = ", ".join(c.path for c in plan.conflicts)
        raise RefusedError(
            f"{len(plan.conflicts)} file(s) exist with other content: {shown}",
            hint="see them with --diff; pass --force to overwrite them or --skip to keep them",
        )
    written = []
    for change in plan.writes:
        target = plan.root / change.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(change.content, encoding="utf-8")
        written.append(change)
    return written
