"""Fixtures for the real servers the tests use, found in one place.

PostgreSQL: `--postgres-url` or `MINK_TEST_POSTGRES_URL` (default
postgresql://127.0.0.1:5432/test). Redis: `--redis-url` or `MINK_TEST_REDIS_URL` (default
redis://127.0.0.1:6379/0). When a server cannot be reached its tests skip with the reason,
unless `MINK_TEST_REQUIRE_SERVICES=1` (CI sets it): then they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest

from mink_runtime import migrations

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

pytest_plugins = ["pytester"]  # tests of mink's own pytest plugin run suites with it


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres-url",
        default=os.environ.get("MINK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL for the tests (env MINK_TEST_POSTGRES_URL)",
    )
    parser.addoption(
        "--redis-url",
        default=os.environ.get("MINK_TEST_REDIS_URL", DEFAULT_REDIS_URL),
        help="Redis for the tests (env MINK_TEST_REDIS_URL)",
    )


def _services_required() -> bool:
    return os.environ.get("MINK_TEST_REQUIRE_SERVICES", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> str:
    """The URL of a reachable PostgreSQL server (checked once per session)."""
    url: str = request.config.getoption("--postgres-url")
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at {url} ({error}); set MINK_TEST_POSTGRES_URL"
        if _services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


def _unavailable(message: str) -> None:
    if _services_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    """The URL of a reachable Redis server (checked once per session)."""
    url: str = request.config.getoption("--redis-url")
    try:
        import redis
    except ImportError:
        _unavailable('the redis package is missing; pip install -e ".[dev]"')
    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable(f"Redis is not reachable at {url} ({error}); set MINK_TEST_REDIS_URL")
    finally:
        client.close()
    return url


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test session's own; its keys are deleted at the end."""
    import redis

    prefix = f"mink_test_{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of this test session's own, migrated to head, dropped at the end."""
    schema = f"mink_test_{secrets.token_hex(4)}"
    migrations.upgrade(postgres_url, schema=schema)
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clean_postgres(postgres_url: str, postgres_schema: str) -> str:
    """Empty mink's tables in the session schema before the test; returns the schema."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            f"TRUNCATE {postgres_schema}.events, {postgres_schema}.streams, "
            f"{postgres_schema}.snapshots, {postgres_schema}.idempotency, "
            f"{postgres_schema}.projections, {postgres_schema}.projection_control, "
            f"{postgres_schema}.dead_letters RESTART IDENTITY"
        )
    return postgres_schema
