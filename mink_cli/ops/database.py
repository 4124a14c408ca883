"""The store's database for Alembic: a SQLAlchemy connection in one transaction (SQLite's DDL
included), under mink's migration lock, and the revisions each migration tree is at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from mink_cli.ops.project import project_code
from mink_cli.settings import Settings
from mink_runtime import migrations
from mink_runtime.errors import StoreUnavailableError
from mink_runtime.urls import backend_of, redact_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["connect", "current_revisions", "with_database"]

T = TypeVar("T")


@contextmanager
def connect(settings: Settings, *, create: bool = False, lock: bool = True) -> Iterator[Connection]:
    """A SQLAlchemy connection to the store's database, in a transaction that commits when the
    block ends without an error; with `lock`, holding mink's migration lock (PostgreSQL).

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    url = settings.database_url
    sqlite_file = settings.sqlite_file
    if sqlite_file is not None and create:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(migrations.sqlalchemy_url(url), poolclass=NullPool)
    if sqlite_file is not None or backend_of(url) == "sqlite":
        _transactional_sqlite(engine, immediate=lock)
    try:
        try:
            connection = engine.connect()
        except OperationalError as error:
            reason = (str(error.orig).strip().splitlines() or ["no answer"])[0]
            raise StoreUnavailableError(
                f"cannot reach the database {redact_url(url)}: {reason}"
            ) from error
        with connection, connection.begin():
            if lock:
                migrations.lock(connection, settings.schema)
            yield connection
    finally:
        engine.dispose()


def _transactional_sqlite(engine: Any, *, immediate: bool) -> None:
    """Make SQLite's DDL part of the transaction: by default Python's sqlite3 commits before a
    CREATE TABLE, so a failed migration would leave half its tables behind. Migrations take
    the write lock at once (`BEGIN IMMEDIATE`), as the store's writers do."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def current_revisions(connection: Connection, settings: Settings, *, own: bool) -> tuple[str, ...]:
    """The revisions the database is at in mink's own tree (`own`) or the project's."""
    from alembic.migration import MigrationContext

    if own:
        table, table_schema = migrations.version_table(connection.dialect.name, settings.schema)
        opts: dict[str, Any] = {"version_table": table, "version_table_schema": table_schema}
    else:
        opts = {}
    return tuple(sorted(MigrationContext.configure(connection, opts=opts).get_current_heads()))


def with_database(settings: Settings, action: Callable[[Connection | None], T]) -> T:
    """Run `action` with a connection; with None for a SQLite file that does not exist yet
    (reading it must not create it)."""
    sqlite_file = settings.sqlite_file
    if sqlite_file is not None and not sqlite_file.exists():
        return action(None)
    with (
        connect(settings, lock=False) as connection,
        project_code(settings),
    ):
        return action(connection)
