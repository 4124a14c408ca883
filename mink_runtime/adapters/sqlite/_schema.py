"""mink's tables in a SQLite database: checking they are current, and migrating them.

The tables are created only by the Alembic migrations in `mink_runtime.migrations`; the adapter
never issues DDL of its own. Opening a store reads `{schema}_alembic_version` and refuses a
database that is not at `migrations.REQUIRED_REVISION`, naming the fix, so that a missing
`mink migrate up` shows at start-up and not as a "no such table" in the middle of a request.

A file database is migrated by `migrations.upgrade(url)` itself, over its own connection. An
in-memory database exists only inside the store's connection, so it is migrated through that
very connection (`migrations.upgrade_on`): SQLAlchemy gets it from a `creator` behind a
wrapper that ignores `close()`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from mink_runtime import migrations
from mink_runtime.adapters.sqlite._errors import MIGRATE_HINT, translate
from mink_runtime.errors import SchemaNotReadyError

__all__ = ["check_revision", "migrate_connection", "migrate_file"]


def check_revision(connection: sqlite3.Connection, sql: str, *, database: str) -> None:
    """Make sure the schema is at `migrations.REQUIRED_REVISION`; `sql` selects its revision.

    Raises:
        SchemaNotReadyError: mink's tables are missing or at another revision.
    """
    try:
        rows = connection.execute(sql).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" not in str(error):
            raise translate(error, database=database) from error
        rows = []
    current = rows[0][0] if rows else None
    wanted = migrations.REQUIRED_REVISION
    if current is None:
        raise SchemaNotReadyError(
            f"the SQLite database {database} has no mink tables yet: {MIGRATE_HINT}"
        )
    if current != wanted:
        raise SchemaNotReadyError(
            f"the SQLite database {database} is at schema revision {current}, "
            f"this version of mink needs {wanted}: {MIGRATE_HINT}"
        )


def migrate_file(url: str, schema: str) -> None:
    """Bring the tables of a database file up to date (blocking: run it in a thread)."""
    migrations.upgrade(url, schema=schema)


class _Unclosable:
    """A connection handed to SQLAlchemy, which may use it but not close it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        object.__setattr__(self, "_connection", connection)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._connection, name, value)

    def close(self) -> None:
        """The store owns the connection; it closes it."""


def migrate_connection(connection: sqlite3.Connection, schema: str) -> None:
    """Bring the tables up to date through `connection`, in one transaction (blocking).

    The connection must be idle (no open transaction) and used by no one else meanwhile.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine("sqlite://", creator=lambda: _Unclosable(connection), poolclass=NullPool)
    try:
        with engine.connect() as bound:
            # The store's connections run in autocommit mode, so open the transaction here;
            # Alembic sees one already open and leaves the commit to us.
            bound.exec_driver_sql("BEGIN IMMEDIATE")
            migrations.upgrade_on(bound, schema=schema)
            bound.commit()
    finally:
        engine.dispose()
