"""The user's project as code: importing its registry and its projections (or any
`module:attribute` a setting names).

The project folder goes first on `sys.path` while its code is imported, and the package's
modules imported earlier are forgotten first, so that one process (a test run) can load several
projects that share a package name, or the same project after its files changed.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from mink_cli.errors import ProjectError
from mink_cli.settings import Settings
from mink_runtime.application.projections import Projection
from mink_runtime.domain import EventRegistry
from mink_runtime.ports import EventStore

__all__ = [
    "import_object",
    "load_projections",
    "load_registry",
    "project_code",
    "project_on_path",
]


@contextmanager
def project_on_path(project: Path) -> Iterator[None]:
    """Import the project's modules from `project` inside the block."""
    entry = str(project)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        with suppress(ValueError):
            sys.path.remove(entry)


@contextmanager
def project_code(settings: Settings) -> Iterator[None]:
    """Inside the block the project's own modules import fresh from its folder (for code that
    imports them itself, such as the project's Alembic env.py)."""
    package = settings.get("package")
    if package:
        _forget(package)
    with project_on_path(settings.project_dir or Path.cwd()):
        yield


def _forget(package: str) -> None:
    for name in list(sys.modules):
        if name == package or name.startswith(f"{package}."):
            del sys.modules[name]


def _loaded_from(package: str, project: Path) -> bool:
    """Whether `package` was imported already, from this project's folder."""
    module = sys.modules.get(package)
    where = getattr(module, "__file__", None)
    return where is not None and Path(where).resolve().is_relative_to(project.resolve())


def import_object(settings: Settings, key: str, *, whole_package: bool = True) -> Any:
    """Import what a `module:attribute` setting names, from the project: its whole package
    afresh, or (not `whole_package`) only that module, so that the classes of modules imported
    before (the registry's events) stay the same.

    Raises:
        ProjectError: the setting is missing or malformed, or importing fails.
    """
    project = settings.require_project()
    spec = settings.require(key)
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ProjectError(
            f"{key} = {spec!r} (from {settings.sources.get(key)}) is not module:attribute",
            hint=f"write e.g. {key} = 'myapp.domain:registry'",
        )
    root = module_name.partition(".")[0]
    _forget(root if whole_package or not _loaded_from(root, project) else module_name)
    with project_on_path(project):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            raise ProjectError(
                f"cannot import {module_name} ({key} = {spec!r}): {error}",
                hint=f"is the project's package in {project}?",
            ) from error
        except Exception as error:
            raise ProjectError(
                f"importing {module_name} failed: {type(error).__name__}: {error}",
                hint="run with -vv for the traceback",
            ) from error
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ProjectError(
            f"{module_name} has no attribute {attribute!r} ({key} = {spec!r})"
        ) from None


def load_registry(settings: Settings) -> EventRegistry:
    """The project's event registry.

    Raises:
        ProjectError: it is not configured, cannot be imported, or is not an EventRegistry.
    """
    registry = import_object(settings, "registry")
    if not isinstance(registry, EventRegistry):
        raise ProjectError(
            f"registry = {settings.get('registry')!r} is a {type(registry).__name__}, "
            "not a mink EventRegistry"
        )
    return registry


def load_projections(settings: Settings, store: EventStore) -> list[Projection]:
    """The project's projections: what its `projections(store)` function returns for `store`
    (the `projections` setting, by default `<package>.projections:projections`). Load the
    registry first: the projections module is imported afresh, the rest of the package is not.

    Raises:
        ProjectError: the setting is missing, the function cannot be imported or is not
            callable, calling it fails, or it returns something else than a list of
            projections.
    """
    spec = settings.get("projections")
    if spec is None:
        raise ProjectError(
            "no `projections` setting and no `package` to derive it from",
            hint="add projections = 'myapp.projections:projections' to mink.toml",
        )
    factory = import_object(settings, "projections", whole_package=False)
    if not callable(factory):
        raise ProjectError(
            f"projections = {spec!r} is a {type(factory).__name__}, not a function",
            hint="define `def projections(store: EventStore) -> list[Projection]` there",
        )
    try:
        with project_on_path(settings.require_project()):
            found = factory(store)
    except Exception as error:
        raise ProjectError(
            f"calling {spec}(store) failed: {type(error).__name__}: {error}",
            hint="run with -vv for the traceback",
        ) from error
    if not isinstance(found, list | tuple) or not all(isinstance(p, Projection) for p in found):
        raise ProjectError(
            f"{spec}(store) returned {_describe(found)}, not a list of mink Projections",
            hint="return e.g. [OrderSummaries(repository)] from it",
        )
    return list(found)


def _describe(value: object) -> str:
    if isinstance(value, list | tuple):
        wrong = [type(v).__name__ for v in value if not isinstance(v, Projection)]
        return f"a {type(value).__name__} holding a {wrong[0]}"
    return f"a {type(value).__name__}"
