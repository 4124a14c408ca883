"""`mink migrate`: mink's own migrations and the project's, through Alembic, against the store.

Two migration trees share the database: **mink**'s own (shipped in `mink_runtime.migrations`,
version table `mink.alembic_version`, or `mink_alembic_version` on SQLite) and the **app**'s
(the project's Alembic folder, `migrations` by default, with Alembic's own version table).
`upgrade` runs both in one transaction, mink's first, under mink's PostgreSQL advisory lock.

Targets name the app's revisions (`head`, `base`, `ae10`, `-1`); `mink:REV` names mink's.
"""

from __future__ import annotations

import io
import re
from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mink_cli.errors import CLIError, ProjectError, UsageError
from mink_cli.ops.database import connect, current_revisions, with_database
from mink_cli.ops.drift import compare_models
from mink_cli.ops.project import import_object, project_code
from mink_cli.settings import Settings
from mink_runtime import migrations
from mink_runtime.errors import MinkError
from mink_runtime.urls import backend_of

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection

__all__ = [
    "Downgrade",
    "Drift",
    "Revision",
    "Step",
    "TreeStatus",
    "check",
    "connect",
    "downgrade",
    "heads",
    "history",
    "new_revision",
    "offline_sql",
    "plan_downgrade",
    "stamp",
    "status",
    "status_of",
    "upgrade",
]

MINK, APP = "mink", "app"
_RUNNING = re.compile(r"^-- Running (upgrade|downgrade) (.*?) -> (.*)$", re.MULTILINE)
_DROPS = re.compile(r"^\s*(DROP\s+\w+|ALTER\s+TABLE\s+\S+\s+DROP\s+\w+)[^;]*", re.I | re.M)


@dataclass(frozen=True, slots=True, kw_only=True)
class Revision:
    """One migration script of a tree."""

    tree: str
    revision: str
    down_revisions: tuple[str, ...]
    message: str
    is_head: bool
    applied: bool | None = None
    """Whether the database has it (None when the database was not asked)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeStatus:
    """A tree's scripts against the database's state."""

    tree: str
    location: str
    heads: tuple[str, ...]
    current: tuple[str, ...] | None
    """The revisions the database is at (empty: none yet); None when not asked."""
    revisions: tuple[Revision, ...]

    @property
    def at_head(self) -> bool:
        return self.current is not None and set(self.current) == set(self.heads)

    @property
    def pending(self) -> tuple[Revision, ...]:
        return tuple(r for r in self.revisions if r.applied is False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """What an upgrade, downgrade or stamp did to one tree."""

    tree: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True, slots=True, kw_only=True)
class Downgrade:
    """What `migrate down TARGET` would do, for the user to confirm."""

    tree: str
    target: str
    current: tuple[str, ...]
    undone: tuple[str, ...]
    """Revisions undone, newest first, as `rev (message)`."""
    drops: tuple[str, ...]
    """The statements that drop something (tables, columns, indexes, functions)."""
    database: str
    sql: str = ""
    """The whole SQL of the downgrade."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """What `migrate check` found; no operations means no drift."""

    operations: tuple[str, ...] = ()
    database: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.operations


# --- the trees ---------------------------------------------------------------------------


def _app_location(settings: Settings) -> Path | None:
    if settings.project_dir is None:
        return None
    location = settings.path("migrations")
    return location if (location / "env.py").is_file() else None


def _config(
    settings: Settings,
    tree: str,
    *,
    connection: Connection | None = None,
    output: Any = None,
) -> Config:
    from alembic.config import Config

    dialect = backend_of(settings.database_url) if "database_url" in settings.values else None
    if tree == MINK:
        config = migrations.alembic_config(
            settings.schema, connection=connection, dialect=dialect, output=output
        )
        config.cmd_opts = Namespace(quiet=True)  # Alembic's chatter is not a command's result
        return config
    location = _app_location(settings)
    if location is None:
        raise ProjectError(
            f"the project has no Alembic folder at {settings.get('migrations')!r} (no env.py)",
            hint="set `migrations` in mink.toml, or create one with `mink init`",
        )
    config = Config(output_buffer=output) if output is not None else Config()
    config.cmd_opts = Namespace(quiet=True)
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    config.attributes["mink_schema"] = settings.schema
    config.attributes["mink_dialect"] = dialect
    return config


def _trees(settings: Settings) -> list[str]:
    return [MINK, APP] if _app_location(settings) is not None else [MINK]


def _script(settings: Settings, tree: str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(settings, tree))


def _split_target(target: str | None) -> tuple[str | None, str]:
    if target is None:
        return None, "head"
    if target.startswith(f"{MINK}:"):
        return MINK, target.removeprefix(f"{MINK}:") or "head"
    if target.startswith(f"{APP}:"):
        return APP, target.removeprefix(f"{APP}:") or "head"
    return APP, target


@contextmanager
def _alembic_errors(settings: Settings, tree: str) -> Iterator[None]:
    from alembic.util import CommandError

    try:
        yield
    except CommandError as error:
        text = str(error)
        if "multiple head" in text.lower() or "multiple heads" in text.lower():
            raise _multiple_heads(settings, tree) from error
        raise CLIError(f"{tree} migrations: {text}") from error
    except MinkError:
        raise
    except Exception as error:
        if tree != APP:
            raise
        # The project's own code (env.py, a migration script, its models) failed: say so in
        # one line; -vv shows the traceback.
        raise ProjectError(
            f"the project's migrations failed: {type(error).__name__}: {error}",
            hint="fix the migration script or migrations/env.py (see it with -vv), then run "
            "the command again",
        ) from error


def _multiple_heads(settings: Settings, tree: str) -> CLIError:
    script = _script(settings, tree)
    shown = ", ".join(
        f"{r.revision} ({(r.doc or '').strip()})"
        for h in script.get_heads()
        if (r := script.get_revision(h))
    )
    return CLIError(
        f"the {tree} migrations have {len(script.get_heads())} heads: {shown}. Two migrations "
        "were made from the same parent, so their order is undecided",
        hint="merge them with `mink migrate new 'merge heads' --merge`, then `mink migrate up`",
    )


def _require_single_heads(settings: Settings, trees: list[str]) -> None:
    for name in trees:
        if len(_script(settings, name).get_heads()) > 1:
            raise _multiple_heads(settings, name)


def _at(connection: Connection | None, settings: Settings, tree: str) -> tuple[str, ...]:
    """The revisions a tree is at (none without a database yet)."""
    if connection is None:
        return ()
    return current_revisions(connection, settings, own=tree == MINK)


# --- reading -----------------------------------------------------------------------------


def _revisions(settings: Settings, tree: str, current: tuple[str, ...] | None) -> TreeStatus:
    script = _script(settings, tree)
    heads = tuple(sorted(script.get_heads()))
    applied: set[str] = set()
    if current:
        for revision in script.iterate_revisions(current, "base"):
            if revision is not None:
                applied.add(revision.revision)
    revisions = tuple(
        Revision(
            tree=tree,
            revision=r.revision,
            down_revisions=_as_tuple(r.down_revision),
            message=(r.doc or "").strip(),
            is_head=r.revision in heads,
            applied=None if current is None else r.revision in applied,
        )
        for r in script.walk_revisions()
    )
    return TreeStatus(
        tree=tree, location=script.dir, heads=heads, current=current, revisions=revisions
    )


def _as_tuple(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def history(settings: Settings) -> list[TreeStatus]:
    """Every migration script of both trees, newest first; the database is not asked."""
    return [_revisions(settings, tree, None) for tree in _trees(settings)]


def heads(settings: Settings) -> list[TreeStatus]:
    """The head revisions of both trees (more than one per tree needs a merge)."""
    return history(settings)


def status(settings: Settings) -> list[TreeStatus]:
    """Both trees' scripts against the database: applied, pending, current.

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """

    def read(connection: Connection | None) -> list[TreeStatus]:
        return [
            _revisions(
                settings,
                tree,
                () if connection is None else _at(connection, settings, tree),
            )
            for tree in _trees(settings)
        ]

    return with_database(settings, read)


# --- writing -----------------------------------------------------------------------------


def upgrade(settings: Settings, target: str | None = None) -> list[Step]:
    """Bring the trees up to `target` (default: mink's and the app's heads), in one
    transaction, mink's first, under the advisory lock. An app target takes mink's tables to
    their head too; a `mink:` target moves mink's tables alone.

    Raises:
        StoreUnavailableError: the database cannot be reached.
        CLIError: a migration failed, or a tree has several heads.
    """
    from alembic import command

    tree, revision = _split_target(target)
    if revision == "head":
        _require_single_heads(settings, [MINK] if tree == MINK else _trees(settings))
    steps: list[Step] = []
    with connect(settings, create=True) as connection, project_code(settings):
        for name in _trees(settings):
            if tree == MINK and name != MINK:
                continue
            goal = revision if tree == name else "head"
            before = _at(connection, settings, name)
            with _alembic_errors(settings, name):
                command.upgrade(_config(settings, name, connection=connection), goal)
            steps.append(
                Step(
                    tree=name,
                    before=before,
                    after=_at(connection, settings, name),
                )
            )
    return steps


def plan_downgrade(settings: Settings, target: str) -> Downgrade:
    """What `downgrade(target)` would undo and drop, from the database's current revision.

    Raises:
        UsageError: no target.
        StoreUnavailableError: the database cannot be reached.
    """
    from alembic import command

    tree, revision = _split_target(target)
    assert tree is not None
    if not revision or revision == "head":
        raise UsageError("`migrate down` needs a target below the current revision: -1, base, REV")
    current = status_of(settings, tree)
    if not current:
        return Downgrade(
            tree=tree, target=revision, current=(), undone=(), drops=(), database=settings.shown_url
        )
    output = io.StringIO()
    with _alembic_errors(settings, tree), project_code(settings):
        config = _config(settings, tree, output=output)
        command.downgrade(config, f"{current[0]}:{revision}", sql=True)
    sql = output.getvalue()
    script = _script(settings, tree)
    undone = []
    for kind, source, _ in _RUNNING.findall(sql):
        if kind == "downgrade":
            entry = script.get_revision(source.strip())
            message = (entry.doc or "").strip() if entry else ""
            undone.append(f"{source.strip()} ({message})" if message else source.strip())
    drops = tuple(" ".join(m.group(0).split()) for m in _DROPS.finditer(sql))
    return Downgrade(
        tree=tree,
        target=revision,
        current=current,
        undone=tuple(undone),
        drops=drops,
        database=settings.shown_url,
        sql=sql,
    )


def status_of(settings: Settings, tree: str) -> tuple[str, ...]:
    """The revisions the database is at in one tree (empty before the first).

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """
    return with_database(settings, lambda c: _at(c, settings, tree))


def downgrade(settings: Settings, target: str) -> Step:
    """Take one tree down to `target` (the caller has confirmed `plan_downgrade`).

    Raises:
        StoreUnavailableError: the database cannot be reached.
        CLIError: a migration failed.
    """
    from alembic import command

    tree, revision = _split_target(target)
    assert tree is not None
    with connect(settings) as connection, project_code(settings):
        before = _at(connection, settings, tree)
        with _alembic_errors(settings, tree):
            command.downgrade(_config(settings, tree, connection=connection), revision)
        return Step(
            tree=tree,
            before=before,
            after=_at(connection, settings, tree),
        )


def stamp(settings: Settings, target: str) -> Step:
    """Record `target` as the database's revision of a tree, running no migration.

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """
    from alembic import command

    tree, revision = _split_target(target)
    assert tree is not None
    with connect(settings, create=True) as connection, project_code(settings):
        before = _at(connection, settings, tree)
        with _alembic_errors(settings, tree):
            command.stamp(_config(settings, tree, connection=connection), revision)
        return Step(
            tree=tree,
            before=before,
            after=_at(connection, settings, tree),
        )


def offline_sql(settings: Settings, target: str | None = None) -> str:
    """The SQL `upgrade(target)` would run, from an empty database, without connecting."""
    from alembic import command

    tree, revision = _split_target(target)
    output = io.StringIO()
    with project_code(settings):
        for name in _trees(settings):
            if tree is not None and name != tree:
                continue
            output.write(f"-- {name} migrations\n")
            with _alembic_errors(settings, name):
                command.upgrade(_config(settings, name, output=output), revision, sql=True)
    return output.getvalue()


def new_revision(
    settings: Settings, message: str, *, autogenerate: bool = False, merge: bool = False
) -> list[Path]:
    """Create a migration script in the project's Alembic folder (or merge its heads).

    Raises:
        ProjectError: the project has no Alembic folder.
        StoreUnavailableError: autogenerate could not reach the database.
    """
    from alembic import command

    settings.require_project()
    if merge:
        with _alembic_errors(settings, APP):
            made = command.merge(_config(settings, APP), "heads", message=message)
        return [Path(made.path)] if made is not None else []
    if not autogenerate:
        with _alembic_errors(settings, APP), project_code(settings):
            made_any = command.revision(_config(settings, APP), message=message)
        return _paths(made_any)
    with connect(settings, create=True) as connection, project_code(settings):
        with _alembic_errors(settings, APP):
            made_any = command.revision(
                _config(settings, APP, connection=connection), message=message, autogenerate=True
            )
        connection.rollback()
    return _paths(made_any)


def _paths(made: Any) -> list[Path]:
    scripts = made if isinstance(made, list) else [made]
    return [Path(s.path) for s in scripts if s is not None]


def check(settings: Settings) -> Drift:
    """Compare the database with the migrations and the project's models: mink's tables at
    mink's head, the app's migrations all applied, the app's tables as its MetaData says.

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """
    metadata = import_object(settings, "metadata") if settings.get("metadata") else None

    def compare(connection: Connection | None) -> Drift:
        operations: list[str] = []
        for tree in _trees(settings):
            state = _revisions(
                settings,
                tree,
                () if connection is None else _at(connection, settings, tree),
            )
            if not state.at_head:
                behind = ", ".join(r.revision for r in state.pending) or "none"
                operations.append(
                    f"{tree} migrations not at head ({', '.join(state.heads)}): "
                    f"pending {behind}; run `mink migrate up`"
                )
        notes: list[str] = []
        if metadata is None:
            notes.append("no `metadata` setting: the project's tables were not compared")
        elif connection is not None:
            operations.extend(compare_models(connection, metadata, settings.schema))
        return Drift(operations=tuple(operations), database=settings.shown_url, notes=tuple(notes))

    return with_database(settings, compare)
