"""mink's own schema, owned by Alembic migrations shipped in this package.

```python
from mink_runtime import migrations

migrations.upgrade("postgresql://app@db/app")          # or "sqlite:///app.db"
migrations.current("postgresql://app@db/app")          # "0003", or None before the first
```

Read-model tables are your project's, not mink's: `read_model_table(Model, metadata)` and
`read_model_columns(Model)` build them for your own Alembic migrations.

Migrations run in one transaction; on PostgreSQL under an advisory lock, so that replicas
starting together migrate once. Tables live in one schema (default `mink`); SQLite, having no
schemas, prefixes the table names with it (`mink_events`). Your project's own Alembic folder
keeps its own version table, so both histories live side by side.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mink_runtime.errors import ConfigurationError
from mink_runtime.migrations._read_model_tables import read_model_columns, read_model_table

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

__all__ = [
    "DEFAULT_SCHEMA",
    "REQUIRED_REVISION",
    "SCRIPTS",
    "alembic_config",
    "current",
    "dialect_of",
    "downgrade",
    "head",
    "lock",
    "read_model_columns",
    "read_model_table",
    "run_migrations",
    "schema_of",
    "sqlalchemy_url",
    "upgrade",
    "upgrade_on",
    "validate_schema_name",
    "version_table",
]

DEFAULT_SCHEMA = "mink"
REQUIRED_REVISION = "0003"
"""The revision this version of mink's stores need; a test holds it equal to `head()`."""
SCRIPTS = Path(__file__).parent / "scripts"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
_LOCK_NAMESPACE = 0x6D696E6B  # "mink"
# Alembic keeps the running migration in module globals (`op`, `context`), so one process
# runs one migration at a time; across processes the PostgreSQL advisory lock serializes.
_in_process = threading.Lock()


def validate_schema_name(schema: str) -> str:
    """Return `schema` if it is a safe lower-case SQL identifier.

    Raises:
        ConfigurationError: it is not.
    """
    if not _SCHEMA_NAME.match(schema):
        raise ConfigurationError(
            f"schema name {schema!r} must be lower-case letters, digits and underscores, "
            "starting with a letter or underscore, at most 48 characters"
        )
    return schema


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy URL for a mink database URL (`postgresql://…` or `sqlite:///…`).

    Raises:
        ConfigurationError: the URL names another database.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigurationError(
            "a database URL looks like postgresql://user@host/db or sqlite:///path/app.db"
        )
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return url
    raise ConfigurationError(
        f"unsupported database {scheme!r}: mink stores events in postgresql:// or sqlite:///"
    )


def schema_of(op: Any) -> str:
    """The schema the running migration works in (for migration scripts)."""
    return str(op.get_context().config.attributes["mink_schema"])


def dialect_of(op: Any) -> str:
    """`postgresql` or `sqlite` (for migration scripts; also when writing offline SQL)."""
    return str(op.get_context().dialect.name)


def version_table(dialect: str, schema: str = DEFAULT_SCHEMA) -> tuple[str, str | None]:
    """Where Alembic records the revision of mink's tables: (table, its schema or None)."""
    if dialect == "postgresql":
        return "alembic_version", schema
    return f"{schema}_alembic_version", None


def _lock_sql(schema: str) -> str:
    return f"SELECT pg_advisory_xact_lock({_LOCK_NAMESPACE}, hashtext('{schema}'))"


def lock(connection: Connection, schema: str = DEFAULT_SCHEMA) -> None:
    """On PostgreSQL, take the migration lock of `schema` for the connection's transaction (a
    no-op elsewhere): the lock every `upgrade` of mink's tables takes, for tools that migrate
    more (a project's own tables) in the same transaction."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_lock_sql(validate_schema_name(schema)))


def alembic_config(
    schema: str = DEFAULT_SCHEMA,
    *,
    connection: Connection | None = None,
    dialect: str | None = None,
    output: Any = None,
) -> Config:
    """The Alembic configuration of mink's own migrations: with a `connection` to run them on
    it, or with a `dialect` (and an `output` stream) to write their SQL offline.

    Raises:
        ConfigurationError: the schema name is not a safe identifier.
    """
    from alembic.config import Config

    config = Config(output_buffer=output) if output is not None else Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    config.attributes["mink_schema"] = validate_schema_name(schema)
    config.attributes["mink_dialect"] = dialect
    return config


def run_migrations(context: Any) -> None:
    """Body of the Alembic `env.py`: migrate the connection handed over in the config, or,
    offline, write the SQL for the dialect named there."""
    config = context.config
    schema = config.attributes["mink_schema"]
    if context.is_offline_mode():
        dialect = config.attributes.get("mink_dialect") or "postgresql"
        table, table_schema = version_table(dialect, schema)
        context.configure(
            dialect_name=dialect,
            literal_binds=True,
            version_table=table,
            version_table_schema=table_schema,
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if dialect == "postgresql":
                context.execute(_lock_sql(schema))
                context.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            context.run_migrations()
        return
    connection = config.attributes["connection"]
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # Replicas starting together: the first migrates, the others wait and find it done.
        connection.exec_driver_sql(_lock_sql(schema))
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    table, table_schema = version_table(connection.dialect.name, schema)
    context.configure(
        connection=connection,
        version_table=table,
        version_table_schema=table_schema,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(sqlalchemy_url(url), poolclass=NullPool)


def _with_connection(url: str, action: Any) -> Any:
    from sqlalchemy.exc import OperationalError

    from mink_runtime.errors import StoreUnavailableError

    engine = _engine(url)
    try:
        with _in_process, engine.begin() as connection:
            return action(connection)
    except OperationalError as error:
        raise StoreUnavailableError(
            f"cannot reach the database to migrate: {error.orig}"
        ) from error
    finally:
        engine.dispose()


def upgrade(url: str, *, schema: str = DEFAULT_SCHEMA, revision: str = "head") -> None:
    """Bring mink's tables up to `revision` (default: the newest)."""
    from alembic import command

    _with_connection(url, lambda c: command.upgrade(alembic_config(schema, connection=c), revision))


def upgrade_on(
    connection: Connection, *, schema: str = DEFAULT_SCHEMA, revision: str = "head"
) -> None:
    """Bring mink's tables up to `revision` through an open SQLAlchemy connection, inside the
    transaction the caller holds (the caller commits). For databases that live in one
    connection only, such as in-memory SQLite."""
    from alembic import command

    with _in_process:
        command.upgrade(alembic_config(schema, connection=connection), revision)


def downgrade(url: str, revision: str, *, schema: str = DEFAULT_SCHEMA) -> None:
    """Take mink's tables back to `revision` (`"base"` drops them all, with every event)."""
    from alembic import command

    _with_connection(
        url, lambda c: command.downgrade(alembic_config(schema, connection=c), revision)
    )


def current(url: str, *, schema: str = DEFAULT_SCHEMA) -> str | None:
    """The revision the database is at, or None if mink's tables were never created."""
    from alembic.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        table, table_schema = version_table(connection.dialect.name, schema)
        context = MigrationContext.configure(
            connection, opts={"version_table": table, "version_table_schema": table_schema}
        )
        return context.get_current_revision()

    validate_schema_name(schema)
    return _with_connection(url, read)  # type: ignore[no-any-return]


def head() -> str:
    """The newest revision this version of mink ships."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "mink ships at least one migration"
    return revision
