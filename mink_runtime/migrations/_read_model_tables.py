"""Read-model tables for your project's Alembic migrations, built from the dataclass.

Read-model tables belong to your project (mink's own migrations never touch them): build the
table with `read_model_table` for your Alembic autogenerate, or write the migration with
`read_model_columns`::

    from mink_runtime.migrations import read_model_columns, read_model_table
    order_summary = read_model_table(OrderSummary, target_metadata, indexes=["status"])
    op.create_table("order_summary", *read_model_columns(OrderSummary))   # in a migration

The columns, per field kind:

| field | PostgreSQL | SQLite |
|---|---|---|
| str, str enum, Literal of str | `text COLLATE "C"` (code-point order) | `TEXT` |
| int, int enum | `bigint` | `BIGINT` |
| float | `double precision` | `DOUBLE` |
| Decimal | `numeric` | `TEXT` (exact; compared as numbers by the repository) |
| bool | `boolean` | `BOOLEAN` (0/1) |
| datetime | `timestamptz` | `TEXT` (fixed-width UTC) |
| date | `date` | `TEXT` (ISO) |
| UUID | `uuid` | `TEXT` |
| list, tuple, set, dict, dataclass | `jsonb` | `TEXT` (JSON) |

The id field is the primary key; fields that may be None are nullable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mink_runtime.domain import (
    FieldKind,
    ModelField,
    ModelSchema,
    check_identifier,
    describe_model,
    table_name,
)
from mink_runtime.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy import Column, MetaData, Table

__all__ = ["read_model_columns", "read_model_table"]

Index = str | Sequence[str]


def read_model_table(
    model: type,
    metadata: MetaData | None = None,
    *,
    name: str | None = None,
    schema: str | None = None,
    id_field: str = "id",
    indexes: Iterable[Index] = (),
) -> Table:
    """The SQLAlchemy `Table` of a read model: one typed column per field (see the module).

    `name` defaults to the class name in snake case (`OrderSummary` -> `order_summary`);
    `indexes` lists the fields to index, a name for one field or a sequence of names for a
    composite index (`["status", ("customer", "placed_at")]`).

    Raises:
        ConfigurationError: `model` is not a read-model dataclass, a name is not a plain
            identifier, or an index names an unknown field.
    """
    import sqlalchemy as sa

    described: ModelSchema[Any] = describe_model(model, id_field=id_field)
    table = check_identifier(name if name is not None else table_name(model), "table name")
    if schema is not None:
        check_identifier(schema, "schema name")
    columns = read_model_columns(model, id_field=id_field)
    result = sa.Table(
        table, metadata if metadata is not None else sa.MetaData(), *columns, schema=schema
    )
    for index in indexes:
        names = [index] if isinstance(index, str) else list(index)
        for field_name in names:
            if field_name not in described.fields:
                raise ConfigurationError(
                    f"index on {field_name!r}: {described.name} has no such field; its fields "
                    f"are: {', '.join(described.fields)}"
                )
        sa.Index(f"ix_{table}_{'_'.join(names)}"[:63], *(result.c[n] for n in names))
    return result


def read_model_columns(model: type, *, id_field: str = "id") -> list[Column[Any]]:
    """New SQLAlchemy columns for a read model's fields (see the module), for
    `op.create_table(name, *read_model_columns(Model))` in an Alembic migration.

    Raises:
        ConfigurationError: `model` is not a read-model dataclass.
    """
    import sqlalchemy as sa

    described: ModelSchema[Any] = describe_model(model, id_field=id_field)
    return [
        sa.Column(
            field.name,
            _column_type(field),
            primary_key=field is described.id,
            nullable=field.nullable,
        )
        for field in described.fields.values()
    ]


def _column_type(field: ModelField) -> Any:
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    kind = field.kind
    if kind is FieldKind.TEXT:
        return sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
    if kind is FieldKind.INTEGER:
        return sa.BigInteger()
    if kind is FieldKind.FLOAT:
        return sa.Double()
    if kind is FieldKind.BOOLEAN:
        return sa.Boolean(create_constraint=False)
    native: dict[FieldKind, Any] = {
        FieldKind.DECIMAL: sa.Numeric(asdecimal=True),
        FieldKind.DATETIME: sa.DateTime(timezone=True),
        FieldKind.DATE: sa.Date(),
        FieldKind.UUID: sa.Uuid(as_uuid=True),
        FieldKind.JSON: postgresql.JSONB(),
    }
    return sa.Text().with_variant(native[kind], "postgresql")
