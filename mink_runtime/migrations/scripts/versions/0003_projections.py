"""The read side's state: projection checkpoints and status, operator switches, dead letters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

- `projections`: one row per (tenant, projection, version, partition): its checkpoint in the
  global log (the pair transaction + position, see docs/adr/0002; 0/0 is the start), what its
  worker is doing, and the error that faulted it. A worker moves the checkpoint with a
  compare-and-set in the transaction of its batch's read-model changes.
- `projection_control`: one row per (tenant, projection): what operators asked (paused) and
  which version readers use; running workers read it before each batch.
- `dead_letters`: events a projection could not process, with the error, for an operator to
  look at, replay or drop.
"""

from alembic import op

from mink_runtime.migrations import dialect_of, schema_of

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    s = schema_of(op)
    statements = _postgres(s) if dialect_of(op) == "postgresql" else _sqlite(s)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    s = schema_of(op)
    if dialect_of(op) == "postgresql":
        op.execute(
            f"DROP TABLE IF EXISTS {s}.dead_letters, {s}.projection_control, {s}.projections"
        )
    else:
        for table in ("dead_letters", "projection_control", "projections"):
            op.execute(f"DROP TABLE IF EXISTS {s}_{table}")


def _postgres(s: str) -> list[str]:
    return [
        f"""
        CREATE TABLE {s}.projections (
            tenant_id              text COLLATE "C" NOT NULL DEFAULT '',
            name                   text COLLATE "C" NOT NULL,
            version                integer NOT NULL DEFAULT 1,
            partition              integer NOT NULL DEFAULT 0,
            checkpoint_transaction bigint NOT NULL DEFAULT 0,
            checkpoint_position    bigint NOT NULL DEFAULT 0,
            status                 text NOT NULL DEFAULT 'stopped',
            last_error             text,
            updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (tenant_id, name, version, partition)
        )
        """,
        f"""
        CREATE TABLE {s}.projection_control (
            tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
            name            text COLLATE "C" NOT NULL,
            paused          boolean NOT NULL DEFAULT false,
            active_version  integer,
            updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (tenant_id, name)
        )
        """,
        f"""
        CREATE TABLE {s}.dead_letters (
            id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            tenant_id              text COLLATE "C" NOT NULL DEFAULT '',
            projection             text COLLATE "C" NOT NULL,
            version                integer NOT NULL,
            event_id               text NOT NULL,
            stream_id              text COLLATE "C" NOT NULL,
            stream_version         bigint NOT NULL,
            checkpoint_transaction bigint NOT NULL,
            checkpoint_position    bigint NOT NULL,
            event_type             text NOT NULL,
            error                  text NOT NULL,
            attempts               integer NOT NULL,
            failed_at              timestamptz NOT NULL
        )
        """,
        f"""
        CREATE INDEX dead_letters_projection
            ON {s}.dead_letters (tenant_id, projection, version, id)
        """,
    ]


def _sqlite(s: str) -> list[str]:
    return [
        f"""
        CREATE TABLE {s}_projections (
            tenant_id              TEXT NOT NULL DEFAULT '',
            name                   TEXT NOT NULL,
            version                INTEGER NOT NULL DEFAULT 1,
            partition              INTEGER NOT NULL DEFAULT 0,
            checkpoint_transaction INTEGER NOT NULL DEFAULT 0,
            checkpoint_position    INTEGER NOT NULL DEFAULT 0,
            status                 TEXT NOT NULL DEFAULT 'stopped',
            last_error             TEXT,
            updated_at             TEXT NOT NULL,
            PRIMARY KEY (tenant_id, name, version, partition)
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TABLE {s}_projection_control (
            tenant_id       TEXT NOT NULL DEFAULT '',
            name            TEXT NOT NULL,
            paused          INTEGER NOT NULL DEFAULT 0,
            active_version  INTEGER,
            updated_at      TEXT NOT NULL,
            PRIMARY KEY (tenant_id, name)
        ) WITHOUT ROWID
        """,
        f"""
        CREATE TABLE {s}_dead_letters (
            id                     INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant_id              TEXT NOT NULL DEFAULT '',
            projection             TEXT NOT NULL,
            version                INTEGER NOT NULL,
            event_id               TEXT NOT NULL,
            stream_id              TEXT NOT NULL,
            stream_version         INTEGER NOT NULL,
            checkpoint_transaction INTEGER NOT NULL,
            checkpoint_position    INTEGER NOT NULL,
            event_type             TEXT NOT NULL,
            error                  TEXT NOT NULL,
            attempts               INTEGER NOT NULL,
            failed_at              TEXT NOT NULL
        )
        """,
        f"""
        CREATE INDEX {s}_dead_letters_projection
            ON {s}_dead_letters (tenant_id, projection, version, id)
        """,
    ]
