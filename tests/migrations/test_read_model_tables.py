"""Read-model tables for a project's own migrations: `read_model_table` builds them from the
dataclass, and the repositories work on what it builds."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from mink_runtime import SQLiteEventStore, SQLiteReadModelRepository
from mink_runtime.adapters.postgres import PostgresEventStore, PostgresReadModelRepository
from mink_runtime.errors import ConfigurationError
from mink_runtime.migrations import read_model_columns, read_model_table


class Stage(enum.Enum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class Invoice:
    id: uuid.UUID
    number: int
    customer: str
    stage: Stage
    amount: Decimal
    rate: float
    paid: bool
    issued: datetime
    due: date | None = None
    lines: list[str] = field(default_factory=list)


INVOICE = Invoice(
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    7,
    "acme",
    Stage.OPEN,
    Decimal("99.90"),
    0.2,
    False,
    datetime(2025, 5, 1, 9, 30, tzinfo=UTC),
    lines=["consulting"],
)


def test_the_postgres_ddl_has_native_types() -> None:
    """uuid, bigint, text COLLATE "C", numeric, double precision, boolean, timestamptz, jsonb."""
    table = read_model_table(Invoice, indexes=["customer", ("stage", "issued")])
    ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    for column in [
        "id UUID NOT NULL",
        "number BIGINT NOT NULL",
        'customer TEXT COLLATE "C" NOT NULL',
        'stage TEXT COLLATE "C" NOT NULL',
        "amount NUMERIC NOT NULL",
        "rate DOUBLE PRECISION NOT NULL",
        "paid BOOLEAN NOT NULL",
        "issued TIMESTAMP WITH TIME ZONE NOT NULL",
        "due DATE,",
        "lines JSONB NOT NULL",
        "PRIMARY KEY (id)",
    ]:
        assert column in ddl, column
    assert table.name == "invoice"
    assert sorted(str(i.name) for i in table.indexes) == [
        "ix_invoice_customer",
        "ix_invoice_stage_issued",
    ]


def test_the_sqlite_ddl_keeps_exact_values_as_text() -> None:
    """Decimals, times, dates and UUIDs are TEXT on SQLite, so they round-trip exactly."""
    table = read_model_table(Invoice, name="invoices")
    ddl = str(CreateTable(table).compile(dialect=sqlite.dialect()))  # type: ignore[no-untyped-call]
    for column in ["id TEXT NOT NULL", "amount TEXT NOT NULL", "issued TEXT NOT NULL", "due TEXT,"]:
        assert column in ddl, column


def test_an_index_on_an_unknown_field_is_refused() -> None:
    """Index names are checked against the model's fields."""
    with pytest.raises(ConfigurationError, match="costumer"):
        read_model_table(Invoice, indexes=["costumer"])


async def test_an_alembic_create_table_serves_the_sqlite_repository(tmp_path: Path) -> None:
    """op.create_table with read_model_columns makes a table the repository uses."""
    path = tmp_path / "app.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        operations.create_table("invoice", *read_model_columns(Invoice))
    engine.dispose()
    async with await SQLiteEventStore.open(path, migrate=True) as store:
        invoices = SQLiteReadModelRepository(store, Invoice)
        await invoices.insert(INVOICE)
        assert await invoices.get(INVOICE.id) == INVOICE


@pytest.mark.postgres
async def test_a_metadata_create_all_serves_the_postgres_repository(
    postgres_url: str, clean_postgres: str
) -> None:
    """The table SQLAlchemy creates from read_model_table is the one the repository expects."""
    metadata = sa.MetaData()
    table = read_model_table(Invoice, metadata, name="invoices_md", schema=clean_postgres)
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        async with await PostgresEventStore.connect(postgres_url, schema=clean_postgres) as store:
            invoices = PostgresReadModelRepository(
                store, Invoice, table=table.name, schema=clean_postgres
            )
            await invoices.insert(INVOICE)
            assert await invoices.get(INVOICE.id) == INVOICE
    finally:
        metadata.drop_all(engine)
        engine.dispose()
