"""The user's project as code: importing its registry (or any `module:attribute` it names).

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
from mink_runtime.domain import EventRegistry

__all__ = ["import_object", "load_registry", "project_code", "project_on_path"]


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


def import_object(settings: Settings, key: str) -> Any:
    """Import what a `module:attribute` setting names, from the project.

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
    _forget(module_name.partition(".")[0])
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
