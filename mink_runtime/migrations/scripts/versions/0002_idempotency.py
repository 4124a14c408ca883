"""Idempotency keys of commands, with their results.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

One row per (tenant, key). `result` is the command's result as JSON; it is written in the
transaction that claimed the key, with the command's events, so a committed row always has one.
`expires_at` drives `cleanup()`, which its index keeps cheap.
"""

from alembic import op

from mink_runtime.migrations import dialect_of, schema_of

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = schema_of(op)
    if dialect_of(op) == "postgresql":
        op.execute(
            f"""
            CREATE TABLE {s}.idempotency (
                tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
                key             text COLLATE "C" NOT NULL,
                command_type    text NOT NULL,
                fingerprint     text NOT NULL,
                result          jsonb,
                created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
                expires_at      timestamptz NOT NULL,
                PRIMARY KEY (tenant_id, key)
            )
            """
        )
        op.execute(f"CREATE INDEX idempotency_expires_at ON {s}.idempotency (expires_at)")
    else:
        op.execute(
            f"""
            CREATE TABLE {s}_idempotency (
                tenant_id       TEXT NOT NULL DEFAULT '',
                key             TEXT NOT NULL,
                command_type    TEXT NOT NULL,
                fingerprint     TEXT NOT NULL,
                result          TEXT,
                created_at      TEXT NOT NULL,
                expires_at      TEXT NOT NULL,
                PRIMARY KEY (tenant_id, key)
            ) WITHOUT ROWID
            """
        )
        op.execute(f"CREATE INDEX {s}_idempotency_expires_at ON {s}_idempotency (expires_at)")


def downgrade() -> None:
    s = schema_of(op)
    if dialect_of(op) == "postgresql":
        op.execute(f"DROP TABLE IF EXISTS {s}.idempotency")
    else:
        op.execute(f"DROP TABLE IF EXISTS {s}_idempotency")
