"""The SQL of the PostgreSQL adapter, built once per schema."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Statements"]

_EVENT_COLUMNS = (
    "e.event_id, e.tenant_id, e.stream_id, e.version, e.position, e.transaction_id, "
    "e.event_type, e.schema_version, e.data, e.data_binary, e.content_type, e.metadata, "
    "e.recorded_at"
)
_STREAM_COLUMNS = (
    "stream_id, tenant_id, version, state, truncate_before, max_count, max_age_seconds, "
    "custom, created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement the adapter sends, for one schema."""

    append: str
    read_forward: str
    read_backward: str
    read_all: str
    head: str
    head_of_tenant: str
    get_stream: str
    list_streams: str
    event_types: str
    lock_stream: str
    soft_delete: str
    delete_events: str
    delete_snapshot: str
    tombstone: str
    truncate: str
    set_metadata: str
    schema_revision: str
    save_snapshot: str
    load_snapshot: str

    @classmethod
    def for_schema(cls, s: str) -> Statements:
        # Stream reads honour truncation, max count and max age in the one query; the stream
        # row comes back even when no event does, so "empty" and "missing" differ.
        stream_read = f"""
            SELECT s.state, s.version, {_EVENT_COLUMNS}
              FROM {s}.streams s
              LEFT JOIN LATERAL (
                SELECT {_EVENT_COLUMNS}
                  FROM {s}.events e
                 WHERE e.tenant_id = s.tenant_id AND e.stream_id = s.stream_id
                   AND e.version >= greatest(
                         s.truncate_before,
                         s.version - coalesce(s.max_count, s.version) + 1,
                         {{lower}})
                   AND e.version <= {{upper}}
                   AND (s.max_age_seconds IS NULL
                        OR e.recorded_at >= clock_timestamp()
                                            - s.max_age_seconds * interval '1 second')
                 ORDER BY e.version {{direction}}
                 LIMIT %(limit)s
              ) e ON true
             WHERE s.tenant_id = %(tenant)s AND s.stream_id = %(stream)s
        """
        return cls(
            append=(
                f"SELECT new_version, positions, transaction_id FROM {s}.append_events("
                "%s, %s, %s, %s::uuid[], %s::text[], %s::int4[], %s::jsonb, %b::bytea[], "
                "%s::text, %s::jsonb)"
            ),
            read_forward=stream_read.format(lower="%(from)s", upper="s.version", direction="ASC"),
            read_backward=stream_read.format(lower="1", upper="%(from)s", direction="DESC"),
            # Only transactions below the snapshot's xmin are read: they have all ended, so
            # nothing can later appear behind the checkpoint (docs/adr/0002).
            read_all=f"""
                WITH horizon AS MATERIALIZED (
                    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
                )
                SELECT h.xmin, e.*
                  FROM horizon h
                  LEFT JOIN LATERAL (
                    SELECT {_EVENT_COLUMNS}
                      FROM {s}.events e
                     WHERE (e.transaction_id, e.position) > (%(xid)s::text::xid8, %(position)s)
                       AND e.transaction_id < h.xmin
                       AND (%(tenant)s::text IS NULL OR e.tenant_id = %(tenant)s)
                       AND (%(categories)s::text[] IS NULL
                            OR split_part(e.stream_id, '-', 1) = ANY (%(categories)s))
                       AND (%(types)s::text[] IS NULL OR e.event_type = ANY (%(types)s))
                     ORDER BY e.transaction_id, e.position
                     LIMIT %(limit)s
                  ) e ON true
            """,
            head=f"""
                SELECT transaction_id, position FROM {s}.events
                 ORDER BY transaction_id DESC, position DESC LIMIT 1
            """,
            head_of_tenant=f"""
                SELECT transaction_id, position FROM {s}.events WHERE tenant_id = %s
                 ORDER BY transaction_id DESC, position DESC LIMIT 1
            """,
            get_stream=f"""
                SELECT {_STREAM_COLUMNS} FROM {s}.streams
                 WHERE tenant_id = %s AND stream_id = %s
            """,
            list_streams=f"""
                SELECT {_STREAM_COLUMNS} FROM {s}.streams
                 WHERE tenant_id = %(tenant)s
                   AND (%(after)s::text IS NULL OR stream_id > %(after)s)
                   AND (%(category)s::text IS NULL
                        OR stream_id = %(category)s
                        OR (stream_id >= %(category)s || '-' AND stream_id < %(category)s || '.'))
                 ORDER BY stream_id
                 LIMIT %(limit)s
            """,
            event_types=f"""
                SELECT event_type, schema_version, count(*) FROM {s}.events
                 WHERE %(tenant)s::text IS NULL OR tenant_id = %(tenant)s
                 GROUP BY event_type, schema_version
                 ORDER BY event_type COLLATE "C", schema_version
            """,
            lock_stream=f"""
                SELECT version, state FROM {s}.streams
                 WHERE tenant_id = %s AND stream_id = %s FOR UPDATE
            """,
            soft_delete=f"""
                UPDATE {s}.streams
                   SET state = 1, truncate_before = version + 1, updated_at = clock_timestamp()
                 WHERE tenant_id = %s AND stream_id = %s
            """,
            delete_events=f"DELETE FROM {s}.events WHERE tenant_id = %s AND stream_id = %s",
            delete_snapshot=f"DELETE FROM {s}.snapshots WHERE tenant_id = %s AND stream_id = %s",
            tombstone=f"""
                UPDATE {s}.streams SET state = 2, updated_at = clock_timestamp()
                 WHERE tenant_id = %s AND stream_id = %s
            """,
            truncate=f"""
                UPDATE {s}.streams
                   SET truncate_before = greatest(truncate_before, %s),
                       updated_at = clock_timestamp()
                 WHERE tenant_id = %s AND stream_id = %s
            """,
            set_metadata=f"""
                INSERT INTO {s}.streams (tenant_id, stream_id, max_count, max_age_seconds, custom)
                VALUES (%s, %s, %s, %s, %s)
                ON CONFLICT (tenant_id, stream_id) DO UPDATE
                   SET max_count = excluded.max_count,
                       max_age_seconds = excluded.max_age_seconds,
                       custom = excluded.custom,
                       updated_at = clock_timestamp()
                 WHERE {s}.streams.state <> 2
                RETURNING 1
            """,
            schema_revision=f"SELECT version_num FROM {s}.alembic_version",
            save_snapshot=f"""
                INSERT INTO {s}.snapshots (tenant_id, stream_id, version, aggregate_type,
                                           schema_version, state, taken_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (tenant_id, stream_id) DO UPDATE
                   SET version = excluded.version,
                       aggregate_type = excluded.aggregate_type,
                       schema_version = excluded.schema_version,
                       state = excluded.state,
                       taken_at = excluded.taken_at
                 WHERE {s}.snapshots.version <= excluded.version
            """,
            load_snapshot=f"""
                SELECT version, aggregate_type, schema_version, state, taken_at
                  FROM {s}.snapshots WHERE tenant_id = %s AND stream_id = %s
            """,
        )
