"""Fixtures of the CLI's tests: a runner of the `mink` app, and projects to run it in."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cli_support import Mink, make_project
from typer.testing import CliRunner, Result

from mink_cli.app import build_app
from mink_cli.settings import KEYS, Settings, load_settings


@pytest.fixture(autouse=True)
def no_mink_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' settings come from their own projects, never from the caller's MINK_*."""
    for key in KEYS:
        monkeypatch.delenv(f"MINK_{key.upper()}", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def mink() -> Mink:
    """Run `mink ARGS...` in-process through Typer's runner; stdout and stderr apart."""
    app = build_app()
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, prog_name="mink")

    return invoke


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh `mink init shop` project (SQLite), the working directory of the test."""
    root = make_project(tmp_path / "shop")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    """The settings of the `project` fixture."""
    return load_settings()


@pytest.fixture
def postgres_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> Iterator[Path]:
    """A fresh project whose store is the test PostgreSQL: mink's tables in a schema of its
    own, the project's tables in another (its search_path), both dropped afterwards."""
    token = secrets.token_hex(4)
    mink_schema, app_schema = f"cli_{token}", f"cliapp_{token}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {app_schema}")
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-csearch_path%3D{app_schema}"
    root = make_project(tmp_path / "shop", database_url=url)
    monkeypatch.chdir(root)
    monkeypatch.setenv("MINK_SCHEMA", mink_schema)
    yield root
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {mink_schema} CASCADE")
        conn.execute(f"DROP SCHEMA IF EXISTS {app_schema} CASCADE")
