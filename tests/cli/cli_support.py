"""Helpers of the CLI's tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

from mink_cli.ops.scaffold import plan_init
from mink_cli.scaffold import apply_plan

Mink = Callable[..., Result]
"""Runs `mink ARGS...` in-process: `mink("migrate", "up")`."""


def make_project(root: Path, **options: Any) -> Path:
    """A project made as `mink init` makes it."""
    apply_plan(plan_init(root, **options))
    return root


def unreachable_postgres() -> str:
    """A PostgreSQL URL nothing answers at, with a password that must never be printed."""
    return "postgresql://mink:s3cret-pw@127.0.0.1:1/nowhere?connect_timeout=1"
