"""The first hour, from the built wheel in a fresh virtualenv, outside the repository:
`mink init`, `generate` (aggregates, events, commands), `migrate up`, commands dispatched
through the project's bus, then the generated project's own ruff, mypy --strict and pytest,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mink_runtime.migrations import REQUIRED_REVISION

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell with the fresh venv on PATH and no MINK_* set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MINK_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mink's wheel, built from this checkout and installed into a new virtualenv."""
    work = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT, cwd=work
    )
    [wheel] = (work / "dist").glob("mink-*.whl")
    run(sys.executable, "-m", "venv", work / "venv", cwd=work)
    run(work / "venv" / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=work)
    return work / "venv"


DISPATCH = """
from datetime import UTC, date, datetime
from decimal import Decimal

from mink_cli.settings import load_settings
from mink_runtime import sync

from shop.commands import handlers
from shop.commands.create_order import CreateOrder
from shop.commands.ship_order import ShipOrder
from shop.domain import registry

settings = load_settings()
with sync.open_store(settings.database_url, schema=settings.schema, registry=registry) as store:
    bus = sync.CommandBus(handlers=handlers(store.async_store))
    placed = datetime(2026, 1, 2, tzinfo=UTC)
    bus.dispatch(
        CreateOrder(order_id="1", customer_id="alice", total=Decimal("9.99"), placed_at=placed)
    )
    result = bus.dispatch(ShipOrder(order_id="1", carrier="ups", on=date(2026, 1, 3)))
    assert result.version == 2, result
"""
"""Create and ship an order through the project's bus (its blocking twin), on its store."""


def first_hour(venv: Path, folder: Path, env: dict[str, str], *init_args: str) -> Path:
    """init, generate each kind there is, migrate, dispatch, and the project's own gates."""
    mink = venv / "bin" / "mink"
    run(mink, "init", "shop", *init_args, cwd=folder, env=env)
    shop = folder / "shop"
    run(
        mink,
        "generate",
        "aggregate",
        "Order",
        "customer_id:str",
        "total:decimal",
        "note:str?",
        "tags:list[str]",
        "placed_at:datetime",
        cwd=shop,
        env=env,
    )
    run(
        mink,
        "generate",
        "event",
        "Order.Shipped",
        "carrier:str",
        "on:date",
        "ref:uuid?",
        cwd=shop,
        env=env,
    )
    run(mink, "generate", "aggregate", "Invoice", "amount:float", "paid:bool", cwd=shop, env=env)
    run(mink, "generate", "event", "Invoice.Shipped", "count:int", cwd=shop, env=env)
    # The command's event is the one generated above: identical, so left alone.
    ship = ("Order.Ship", "carrier:str", "on:date", "ref:uuid?")
    run(mink, "generate", "command", *ship, cwd=shop, env=env)
    run(mink, "generate", "command", "Order.Cancel", "reason:str?", cwd=shop, env=env)
    run(mink, "generate", "command", "Order.ChangeAddress", "lines:list[str]", cwd=shop, env=env)
    pay = ("Pay", "--aggregate", "Invoice", "amount:decimal", "--event", "PaymentReceived")
    run(mink, "generate", "command", *pay, cwd=shop, env=env)
    run(mink, "migrate", "up", cwd=shop, env=env)
    assert run(mink, "diagnose", cwd=shop, env=env) == ""
    run(venv / "bin" / "python", "-c", DISPATCH, cwd=shop, env=env)
    shown = run(mink, "stream", "show", "order-1", cwd=shop, env=env).splitlines()
    assert [json.loads(line)["type"] for line in shown] == ["order.Created", "order.Shipped"]
    assert run(mink, "diagnose", cwd=shop, env=env) == ""
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", "-e", ".[dev]", cwd=shop, env=env)
    run(venv / "bin" / "ruff", "check", ".", cwd=shop, env=env)
    run(venv / "bin" / "ruff", "format", "--check", ".", cwd=shop, env=env)
    run(venv / "bin" / "mypy", cwd=shop, env=env)
    output = run(venv / "bin" / "python", "-m", "pytest", "-q", cwd=shop, env=env)
    assert " passed" in output
    assert "failed" not in output
    return shop


def test_the_first_hour_on_sqlite(venv: Path, tmp_path: Path) -> None:
    """A project made by the installed wheel passes its own ruff, mypy --strict and pytest."""
    assert not tmp_path.is_relative_to(ROOT)
    shop = first_hour(venv, tmp_path, clean_env(venv))
    assert (shop / "var" / "shop.db").is_file()
    version = run(venv / "bin" / "mink", "--version", cwd=tmp_path, env=clean_env(venv))
    assert version.startswith("mink ")


@pytest.fixture
def postgres_schemas(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A schema for mink's tables and one for the project's, dropped afterwards."""
    token = secrets.token_hex(4)
    mink_schema, app_schema = f"wheel_{token}", f"wheelapp_{token}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {app_schema}")
    yield mink_schema, app_schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {mink_schema} CASCADE")
        conn.execute(f"DROP SCHEMA IF EXISTS {app_schema} CASCADE")


@pytest.mark.postgres
def test_the_first_hour_on_postgres(
    venv: Path, tmp_path: Path, postgres_url: str, postgres_schemas: tuple[str, str]
) -> None:
    """The same on PostgreSQL, its URL kept in .env by `mink init --database-url`."""
    mink_schema, app_schema = postgres_schemas
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-csearch_path%3D{app_schema}"
    env = clean_env(venv, MINK_SCHEMA=mink_schema)
    shop = first_hour(venv, tmp_path, env, "--database-url", url)
    status = run(venv / "bin" / "mink", "--json", "migrate", "status", cwd=shop, env=env)
    assert f'"{REQUIRED_REVISION}"' in status
