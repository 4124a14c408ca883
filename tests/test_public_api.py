"""The curated public API: `__all__` lists exactly what each public module offers."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import typing
from typing import Any

import pytest

import mink_runtime
from mink_runtime import domain, errors
from mink_runtime.errors import ConfigurationError, MinkError

PUBLIC_MODULES = [mink_runtime, domain, errors]
LAZY = {
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresProjectionStore",
    "PostgresReadModelRepository",
    "PostgresSnapshotStore",
    "RedisReadModelRepository",
}
"""Names `mink_runtime` resolves on first use, so that importing it stays light."""


def isort_order(name: str) -> tuple[int, str]:
    """The order ruff keeps `__all__` in (RUF022): CONSTANTS, then Classes, then the rest
    (a one-letter name such as `F` counts as a class)."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def is_foreign(name: str, value: Any) -> bool:
    """Whether a module attribute was imported from outside mink (`Any`, `TYPE_CHECKING`, …)."""
    origin = getattr(value, "__module__", None)
    if isinstance(origin, str):
        return origin.split(".")[0] != "mink_runtime"
    return value is getattr(typing, name, object())


def public_names(module: types.ModuleType) -> set[str]:
    """The mink objects a module exposes: no private names, submodules or foreign imports."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and not is_foreign(name, value)
    }


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_all_is_kept_in_sorted_order(module: types.ModuleType) -> None:
    """`__all__` is sorted as ruff sorts it, so additions land in one obvious place."""
    assert module.__all__ == sorted(module.__all__, key=isort_order)
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_name_in_all_resolves(module: types.ModuleType) -> None:
    """No listed name is a typo or a stale entry (the lazy Postgres classes included)."""
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_the_package_lists_exactly_its_public_objects() -> None:
    """Every mink object in `mink_runtime`'s namespace is in `__all__`, and nothing else is."""
    listed = set(mink_runtime.__all__)
    assert listed == public_names(mink_runtime) | LAZY | {"__version__"}


@pytest.mark.parametrize("module", [domain, errors], ids=lambda m: m.__name__)
def test_each_public_submodule_lists_exactly_its_public_objects(module: types.ModuleType) -> None:
    """`__all__` of the domain and the errors module equals what they expose."""
    assert set(module.__all__) == public_names(module)


def test_the_lazy_postgres_classes_are_the_adapters_own() -> None:
    """`mink_runtime.PostgresEventStore` is the class from the postgres adapter."""
    from mink_runtime.adapters import postgres

    assert mink_runtime.PostgresEventStore is postgres.PostgresEventStore
    assert mink_runtime.PostgresSnapshotStore is postgres.PostgresSnapshotStore
    assert mink_runtime.PostgresReadModelRepository is postgres.PostgresReadModelRepository
    assert mink_runtime.PostgresIdempotencyStore is postgres.PostgresIdempotencyStore


def test_the_lazy_redis_repository_is_the_adapters_own() -> None:
    """`mink_runtime.RedisReadModelRepository` is the class from the redis adapter."""
    from mink_runtime.adapters import redis

    assert mink_runtime.RedisReadModelRepository is redis.RedisReadModelRepository


def test_the_redis_repository_without_the_redis_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without redis installed, asking for the Redis repository says which extra to install."""
    import mink_runtime.adapters

    monkeypatch.delattr(mink_runtime.adapters, "redis", raising=False)
    monkeypatch.delitem(sys.modules, "mink_runtime.adapters.redis", raising=False)
    monkeypatch.delitem(
        sys.modules, "mink_runtime.adapters.redis._read_model_repository", raising=False
    )
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ConfigurationError, match=r"mink\[redis\]"):
        _ = mink_runtime.RedisReadModelRepository


def test_a_star_import_brings_in_every_listed_name() -> None:
    """`from mink_runtime import *` works, lazy names and all."""
    namespace: dict[str, Any] = {}
    exec("from mink_runtime import *", namespace)
    assert set(mink_runtime.__all__) <= namespace.keys()


def test_an_unknown_attribute_raises_attribute_error() -> None:
    """The lazy-import hook does not swallow typos."""
    with pytest.raises(AttributeError, match="has no attribute 'PostgresEventStor'"):
        _ = mink_runtime.PostgresEventStor


def test_every_error_class_is_listed_and_is_a_mink_error() -> None:
    """`except MinkError` catches every error the errors module defines."""
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and value.__module__ == errors.__name__
    }
    assert classes == set(errors.__all__)
    for name in classes:
        assert issubclass(getattr(errors, name), MinkError), name


def test_the_package_re_exports_every_error() -> None:
    """Each error is importable from `mink_runtime` as well as from `mink_runtime.errors`."""
    for name in errors.__all__:
        assert getattr(mink_runtime, name) is getattr(errors, name)


def test_importing_the_package_leaves_heavy_dependencies_unloaded() -> None:
    """`import mink_runtime` loads no database driver, migration tool or CLI library."""
    heavy = [
        "psycopg",
        "psycopg_pool",
        "redis",
        "alembic",
        "sqlalchemy",
        "typer",
        "rich",
        "jinja2",
        "prometheus_client",
        "opentelemetry",
        "pydantic",
    ]
    code = (
        "import json, sys\n"
        "import mink_runtime\n"
        f"heavy = {heavy!r}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
