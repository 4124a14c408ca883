"""The event store: streams, events, snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from alembic import op

from mink_runtime.migrations import dialect_of, schema_of

revision = "0001"

# The first key of the per-stream advisory locks; the PostgreSQL adapter uses the same value.
STREAM_LOCK_NAMESPACE = 0x6D6B7374
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema = schema_of(op)
    if dialect_of(op) == "postgresql":
        for statement in _postgres(schema):
            op.execute(statement)
    else:
        for statement in _sqlite(schema):
            op.execute(statement)


def downgrade() -> None:
    schema = schema_of(op)
    if dialect_of(op) == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {schema}.append_events")
        op.execute(f"DROP TABLE IF EXISTS {schema}.snapshots, {schema}.events, {schema}.streams")
    else:
        for table in ("snapshots", "events", "streams"):
            op.execute(f"DROP TABLE IF EXISTS {schema}_{table}")


def _postgres(s: str) -> list[str]:
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        # state: 0 active, 1 soft-deleted, 2 tombstoned (hard-deleted).
        f"""
        CREATE TABLE {s}.streams (
            tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
            stream_id       text COLLATE "C" NOT NULL,
            version         bigint NOT NULL DEFAULT 0,
            state           smallint NOT NULL DEFAULT 0,
            truncate_before bigint NOT NULL DEFAULT 1,
            max_count       bigint,
            max_age_seconds double precision,
            custom          jsonb,
            -- The transaction that last appended: a later append from an older transaction
            -- would put its events before this one's in the global log (docs/adr/0002).
            last_transaction_id xid8,
            created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
            updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (tenant_id, stream_id)
        )
        """,
        # The global log is ordered by (transaction_id, position): see docs/adr/0002.
        f"""
        CREATE TABLE {s}.events (
            position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
            tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
            stream_id       text COLLATE "C" NOT NULL,
            version         bigint NOT NULL,
            event_id        uuid NOT NULL,
            event_type      text NOT NULL,
            schema_version  integer NOT NULL DEFAULT 1,
            data            jsonb,
            data_binary     bytea,
            content_type    text,
            metadata        jsonb,
            recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
            CONSTRAINT events_stream_version_key UNIQUE (tenant_id, stream_id, version),
            CONSTRAINT events_event_id_key UNIQUE (event_id),
            CONSTRAINT events_one_payload CHECK (
                (data IS NOT NULL AND data_binary IS NULL AND content_type IS NULL)
                OR (data IS NULL AND data_binary IS NOT NULL AND content_type IS NOT NULL)
            )
        )
        """,
        f"CREATE INDEX events_global_order ON {s}.events (transaction_id, position)",
        f"""
        CREATE TABLE {s}.snapshots (
            tenant_id       text COLLATE "C" NOT NULL DEFAULT '',
            stream_id       text COLLATE "C" NOT NULL,
            version         bigint NOT NULL,
            aggregate_type  text NOT NULL,
            schema_version  integer NOT NULL,
            state           jsonb NOT NULL,
            taken_at        timestamptz NOT NULL,
            PRIMARY KEY (tenant_id, stream_id)
        )
        """,
        _append_function(s),
    ]


def _append_function(s: str) -> str:
    # The careful append: the adapter first tries one plain statement for the common cases
    # (see mink_runtime/adapters/postgres/_sql.py) and calls this when that statement appends
    # nothing: to find out why, and to write anyway where it should.
    #
    # p_expected: an exact version (0 or more), or -1 any, -2 no stream, -3 stream exists.
    # p_events: a JSON array with one object per event: {"i": id, "t": type, "v": schema
    # version, "d": data (JSON events), "m": metadata or null}; binary data in p_binary.
    # Errors: MK001 wrong expected version (DETAIL: "expected|actual"), MK002 tombstoned,
    # MK003 an event id recorded elsewhere, MK004 a younger transaction already appended to
    # the stream (retry the transaction). The stream's row is locked and checked before any
    # position is drawn, so a losing writer burns no positions.
    return f"""
    CREATE FUNCTION {s}.append_events(
        p_tenant text, p_stream text, p_expected bigint,
        p_events jsonb, p_binary bytea[], p_content_type text
    ) RETURNS TABLE (new_version bigint, positions bigint[], transaction_id xid8)
    LANGUAGE plpgsql AS $fn$
    #variable_conflict use_column
    DECLARE
        v_ids      uuid[] := ARRAY(SELECT (e->>'i')::uuid
                                     FROM jsonb_array_elements(p_events) WITH ORDINALITY x(e, o)
                                    ORDER BY o);
        v_n        integer := cardinality(v_ids);
        v_version  bigint;
        v_state    smallint;
        v_truncate bigint;
        v_last_xid xid8;
        v_ok       boolean;
        v_live     boolean;
        v_retry    boolean;
        v_prior_ids       uuid[];
        v_prior_versions  bigint[];
        v_prior_positions bigint[];
        v_prior_xid       xid8;
        v_prior_here      boolean;
    BEGIN
        -- Queue on the stream before taking a transaction id (see the adapter's _sql.py).
        PERFORM pg_advisory_xact_lock(
            {STREAM_LOCK_NAMESPACE}, hashtext(p_tenant || '/' || p_stream));
        LOOP
            SELECT s.version, s.state, s.truncate_before, s.last_transaction_id
              INTO v_version, v_state, v_truncate, v_last_xid
              FROM {s}.streams s
             WHERE s.tenant_id = p_tenant AND s.stream_id = p_stream
               FOR UPDATE;
            IF NOT FOUND THEN
                v_version := 0;
                v_truncate := 1;
            END IF;
            IF v_state = 2 THEN
                RAISE EXCEPTION 'stream % is tombstoned', p_stream USING ERRCODE = 'MK002';
            END IF;
            v_live := coalesce(v_state = 0 AND v_version > 0, false);
            v_ok := CASE p_expected
                        WHEN -1 THEN true
                        WHEN -2 THEN NOT v_live
                        WHEN -3 THEN v_live
                        ELSE v_version = p_expected
                    END;

            SELECT array_agg(e.event_id ORDER BY e.version),
                   array_agg(e.version ORDER BY e.version),
                   array_agg(e.position ORDER BY e.version),
                   max(e.transaction_id),
                   bool_and(e.tenant_id = p_tenant AND e.stream_id = p_stream)
              INTO v_prior_ids, v_prior_versions, v_prior_positions, v_prior_xid, v_prior_here
              FROM {s}.events e
             WHERE e.event_id = ANY (v_ids);
            IF v_prior_ids IS NOT NULL THEN
                -- A retry: the same ids, consecutive, where this expectation put them.
                v_retry := v_prior_here
                   AND v_prior_ids = v_ids
                   AND v_prior_versions[v_n] - v_prior_versions[1] = v_n - 1
                   AND CASE
                           WHEN p_expected >= 0 THEN v_prior_versions[1] = p_expected + 1
                           WHEN p_expected = -2 THEN v_prior_versions[1] = v_truncate
                           ELSE true
                       END;
                IF v_retry THEN
                    RETURN QUERY SELECT v_prior_versions[v_n], v_prior_positions, v_prior_xid;
                    RETURN;
                END IF;
                IF v_ok THEN
                    RAISE EXCEPTION 'event id already recorded' USING ERRCODE = 'MK003',
                        DETAIL = v_prior_ids[1]::text;
                END IF;
            END IF;

            IF NOT v_ok THEN
                RAISE EXCEPTION 'wrong expected version for stream %', p_stream
                    USING ERRCODE = 'MK001',
                          DETAIL = p_expected::text || '|' ||
                                   CASE WHEN v_state IS NULL OR v_state = 1 THEN ''
                                        ELSE v_version::text END;
            END IF;
            -- The global log is ordered by transaction id: an older transaction appending
            -- after a younger one committed to this stream would break the stream's order.
            IF v_last_xid > pg_current_xact_id() THEN
                RAISE EXCEPTION 'stream % was appended to by a younger transaction', p_stream
                    USING ERRCODE = 'MK004';
            END IF;

            IF v_state IS NULL THEN
                INSERT INTO {s}.streams (tenant_id, stream_id, version, last_transaction_id)
                VALUES (p_tenant, p_stream, v_n, pg_current_xact_id())
                ON CONFLICT DO NOTHING;
                CONTINUE WHEN NOT FOUND;  -- created meanwhile by another writer: decide again
            ELSE
                UPDATE {s}.streams
                   SET version = v_version + v_n, state = 0, updated_at = clock_timestamp(),
                       last_transaction_id = pg_current_xact_id()
                 WHERE tenant_id = p_tenant AND stream_id = p_stream;
            END IF;
            EXIT;
        END LOOP;

        RETURN QUERY
        WITH inserted AS (
            INSERT INTO {s}.events (tenant_id, stream_id, version, event_id, event_type,
                                    schema_version, data, data_binary, content_type, metadata)
            SELECT p_tenant, p_stream, v_version + x.o, (x.e->>'i')::uuid, x.e->>'t',
                   (x.e->>'v')::integer, x.e->'d', p_binary[x.o], p_content_type,
                   nullif(x.e->'m', 'null'::jsonb)
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, o)
             ORDER BY x.o
            RETURNING events.position, events.version
        )
        SELECT v_version + v_n, array_agg(i.position ORDER BY i.version), pg_current_xact_id()
          FROM inserted i;
    END
    $fn$
    """


def _sqlite(s: str) -> list[str]:
    return [
        f"""
        CREATE TABLE {s}_streams (
            tenant_id       TEXT NOT NULL DEFAULT '',
            stream_id       TEXT NOT NULL,
            version         INTEGER NOT NULL DEFAULT 0,
            state           INTEGER NOT NULL DEFAULT 0,
            truncate_before INTEGER NOT NULL DEFAULT 1,
            max_count       INTEGER,
            max_age_seconds REAL,
            custom          TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            PRIMARY KEY (tenant_id, stream_id)
        ) WITHOUT ROWID
        """,
        # AUTOINCREMENT: positions are never reused, also after a hard delete of the newest
        # events, so a reader's checkpoint can never point past a new event.
        f"""
        CREATE TABLE {s}_events (
            position        INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant_id       TEXT NOT NULL DEFAULT '',
            stream_id       TEXT NOT NULL,
            version         INTEGER NOT NULL,
            event_id        BLOB NOT NULL,
            event_type      TEXT NOT NULL,
            schema_version  INTEGER NOT NULL DEFAULT 1,
            content_type    TEXT NOT NULL,
            data            BLOB NOT NULL,
            metadata        TEXT,
            recorded_at     TEXT NOT NULL,
            UNIQUE (tenant_id, stream_id, version),
            UNIQUE (event_id)
        )
        """,
        f"""
        CREATE TABLE {s}_snapshots (
            tenant_id       TEXT NOT NULL DEFAULT '',
            stream_id       TEXT NOT NULL,
            version         INTEGER NOT NULL,
            aggregate_type  TEXT NOT NULL,
            schema_version  INTEGER NOT NULL,
            state           TEXT NOT NULL,
            taken_at        TEXT NOT NULL,
            PRIMARY KEY (tenant_id, stream_id)
        ) WITHOUT ROWID
        """,
    ]
