"""The SQL of the PostgreSQL adapter, built once per schema."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STREAM_LOCK_NAMESPACE", "Statements"]

STREAM_LOCK_NAMESPACE = 0x6D6B7374  # "mkst": the first key of mink's per-stream advisory locks

# In the order `EventCodec.decode` takes them; JSON comes as text and the transaction id as
# bigint, so that psycopg's C loaders read them.
_EVENT_COLUMNS = (
    "e.event_id, e.stream_id, e.version, e.position, e.transaction_id::text::bigint, "
    "e.event_type, e.schema_version, e.data::text, e.data_binary, e.content_type, "
    "e.metadata::text, e.recorded_at, e.tenant_id"
)
_INNER_COLUMNS = (
    "e.event_id, e.stream_id, e.version, e.position, e.transaction_id, e.event_type, "
    "e.schema_version, e.data, e.data_binary, e.content_type, e.metadata, e.recorded_at, "
    "e.tenant_id"
)
# The global log's predicates, shared by its reads and its count (table alias `e`, horizon `h`):
# after the checkpoint (xid, position), below the horizon, passing the filters (NULL: none).
_AFTER = "(e.transaction_id, e.position) > (%(xid)s::text::xid8, %(position)s)"
_BELOW_HORIZON = "e.transaction_id < h.xmin"
_FILTERS = """(%(tenant)s::text IS NULL OR e.tenant_id = %(tenant)s)
                       AND (%(categories)s::text[] IS NULL
                            OR split_part(e.stream_id, '-', 1) = ANY (%(categories)s))
                       AND (%(types)s::text[] IS NULL OR e.event_type = ANY (%(types)s))"""
_STREAM_COLUMNS = (
    "stream_id, tenant_id, version, state, truncate_before, max_count, max_age_seconds, "
    "custom::text, created_at, updated_at"
)


# The common appends as one plain statement: move the stream row (creating it if need be) only
# where it meets the expectation — and the writer is not older than the stream's last writer —
# then insert the events numbered from the row's old version. When it appends nothing, the
# adapter calls `append_events` (the careful path, a server-side function) to find out why.
#
# Writers of one stream first queue on an advisory lock of the stream, which — unlike a row
# lock — needs no transaction id: a single append takes its id only once it holds the lock, so
# the writers of a stream take ids in the order they write it, and the global log (ordered by
# transaction id) keeps the stream's order without refusing anyone (docs/adr/0002).
_APPEND_NEW = """
    WITH lock AS MATERIALIZED (
        SELECT pg_advisory_xact_lock({lock_namespace}, hashtext(%(tenant)s || '/' || %(stream)s))
    ), new AS (
        {new_events}
    ), stream AS (
        {move_stream}
    ), inserted AS (
        INSERT INTO {s}.events (tenant_id, stream_id, version, event_id, event_type,
                                schema_version, data, data_binary, content_type, metadata)
        SELECT %(tenant)s, %(stream)s, stream.base + new.ord, new.id, new.type, new.version,
               new.data, (%(binary)b::bytea[])[new.ord], %(content_type)s, new.metadata
          FROM stream, new
         ORDER BY new.ord
        RETURNING position, version
    )
    SELECT max(version), array_agg(position ORDER BY version),
           pg_current_xact_id()::text::bigint
      FROM inserted
"""
# The events, from the one JSON document describing them all...
_MANY = """
        SELECT (x.e->>'i')::uuid AS id, x.e->>'t' AS type, (x.e->>'v')::integer AS version,
               CASE WHEN %(content_type)s::text IS NULL THEN x.e->'d' END AS data,
               nullif(x.e->'m', 'null'::jsonb) AS metadata, x.o AS ord
          FROM jsonb_array_elements(%(events)s::jsonb) WITH ORDINALITY AS x(e, o)
"""
# ...or, for the most common append of all, one event in plain parameters.
_ONE = """
        SELECT %(id)s::uuid AS id, %(type)s::text AS type, %(schema_version)s::integer AS version,
               %(data)s::jsonb AS data, %(metadata)s::jsonb AS metadata, 1::bigint AS ord
"""
_NOT_OLDER = "(s.last_transaction_id IS NULL OR s.last_transaction_id <= pg_current_xact_id())"
_NOT_A_RETRY = "NOT EXISTS (SELECT 1 FROM {s}.events ev WHERE ev.event_id IN (SELECT id FROM new))"
_UPSERT = """
        INSERT INTO {s}.streams AS s (tenant_id, stream_id, version, last_transaction_id)
        SELECT %(tenant)s, %(stream)s, %(n)s, pg_current_xact_id() FROM lock WHERE {guard}
        ON CONFLICT (tenant_id, stream_id) DO UPDATE
           SET version = s.version + %(n)s, state = 0, updated_at = clock_timestamp(),
               last_transaction_id = pg_current_xact_id()
         WHERE s.state <> 2 AND {not_older} AND {expectation}
        RETURNING s.version - %(n)s AS base
"""
_UPDATE = """
        UPDATE {s}.streams AS s
           SET version = s.version + %(n)s, state = 0, updated_at = clock_timestamp(),
               last_transaction_id = pg_current_xact_id()
          FROM lock
         WHERE s.tenant_id = %(tenant)s AND s.stream_id = %(stream)s AND s.state <> 2
           AND {not_older} AND {expectation} AND {guard}
        RETURNING s.version - %(n)s AS base
"""


def _append(s: str, move: str, expectation: str, guard: str = "true") -> tuple[str, str]:
    """The statement for many events and the one for a single event."""
    move_stream = move.format(
        s=s, guard=guard.format(s=s), not_older=_NOT_OLDER, expectation=expectation
    )
    return tuple(  # type: ignore[return-value]
        _APPEND_NEW.format(
            s=s,
            move_stream=move_stream,
            new_events=new_events,
            lock_namespace=STREAM_LOCK_NAMESPACE,
        )
        for new_events in (_MANY, _ONE)
    )


@dataclass(frozen=True, slots=True)
class Statements:
    """Every statement the adapter sends, for one schema."""

    append_any: tuple[str, str]
    """(for many events, for one event); likewise the next four."""
    append_no_stream: tuple[str, str]
    append_version_zero: tuple[str, str]
    append_exact: tuple[str, str]
    append_stream_exists: tuple[str, str]
    append_careful: str
    read_forward: str
    read_backward: str
    read_all: str
    read_all_filtered: str
    count_events: str
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
            SELECT {_EVENT_COLUMNS}, s.state, s.version
              FROM {s}.streams s
              LEFT JOIN LATERAL (
                SELECT {_INNER_COLUMNS}
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
            # ANY and STREAM_EXISTS could meet a retry of an earlier append: they make sure the
            # ids are new first (the other expectations find a retry by failing).
            append_any=_append(s, _UPSERT, "true", _NOT_A_RETRY),
            append_no_stream=_append(s, _UPSERT, "NOT (s.state = 0 AND s.version > 0)"),
            append_version_zero=_append(s, _UPSERT, "s.version = 0"),
            append_exact=_append(s, _UPDATE, "s.version = %(expected)s"),
            append_stream_exists=_append(s, _UPDATE, "s.state = 0 AND s.version > 0", _NOT_A_RETRY),
            append_careful=(
                "SELECT new_version, positions, transaction_id::text::bigint "
                f"FROM {s}.append_events(%(tenant)s, %(stream)s, %(expected)s, "
                "%(events)s::jsonb, %(binary)b::bytea[], %(content_type)s::text)"
            ),
            read_forward=stream_read.format(lower="%(from)s", upper="s.version", direction="ASC"),
            read_backward=stream_read.format(lower="1", upper="%(from)s", direction="DESC"),
            # Only transactions below the snapshot's xmin are read: they have all ended, so
            # nothing can later appear behind the checkpoint (docs/adr/0002). The scan is always
            # the ordered index scan: filters apply within a window of it, never before it, so
            # that no plan can fetch and sort the rest of the log for one page.
            read_all=f"""
                WITH horizon AS MATERIALIZED (
                    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
                )
                SELECT {_EVENT_COLUMNS}, h.xmin::text::bigint
                  FROM horizon h
                  LEFT JOIN LATERAL (
                    SELECT {_INNER_COLUMNS}
                      FROM {s}.events e
                     WHERE {_AFTER} AND {_BELOW_HORIZON}
                     ORDER BY e.transaction_id, e.position
                     LIMIT %(limit)s
                  ) e ON true
            """,
            # What `read_all` would return from `after` up to `until`, counted: the same order,
            # horizon and filters.
            count_events=f"""
                WITH horizon AS MATERIALIZED (
                    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
                )
                SELECT count(*)
                  FROM {s}.events e, horizon h
                 WHERE {_AFTER} AND {_BELOW_HORIZON}
                   AND (NOT %(bounded)s
                        OR (e.transaction_id, e.position)
                           <= (%(until_xid)s::text::xid8, %(until_position)s))
                   AND {_FILTERS}
            """,
            # The matches within the next `window` events, then one summary row: the horizon,
            # how many events the window held, and where it ended. The window is found by its
            # keys alone; the matches are then read in order up to its end and no further than
            # `limit` of them, so that a selective filter never drags whole rows it drops.
            read_all_filtered=f"""
                WITH horizon AS MATERIALIZED (
                    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
                ), scanned AS MATERIALIZED (
                    SELECT e.transaction_id, e.position
                      FROM {s}.events e, horizon h
                     WHERE {_AFTER} AND {_BELOW_HORIZON}
                     ORDER BY e.transaction_id, e.position
                     LIMIT %(window)s
                ), last AS MATERIALIZED (
                    SELECT transaction_id, position FROM scanned
                     ORDER BY transaction_id DESC, position DESC LIMIT 1
                ), matched AS (
                    SELECT {_EVENT_COLUMNS}, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
                      FROM {s}.events e
                     WHERE {_AFTER}
                       AND (e.transaction_id, e.position)
                           <= ((SELECT transaction_id FROM last), (SELECT position FROM last))
                       AND {_FILTERS}
                     ORDER BY e.transaction_id, e.position
                     LIMIT %(limit)s
                )
                SELECT * FROM matched
                UNION ALL
                SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, h.xmin::text::bigint, (SELECT count(*) FROM scanned),
                       last.transaction_id::text::bigint, last.position
                  FROM horizon h
                  LEFT JOIN last ON true
            """,
            head=f"""
                SELECT transaction_id::text::bigint, position FROM {s}.events
                 ORDER BY transaction_id DESC, position DESC LIMIT 1
            """,
            head_of_tenant=f"""
                SELECT transaction_id::text::bigint, position FROM {s}.events
                 WHERE tenant_id = %s ORDER BY transaction_id DESC, position DESC LIMIT 1
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
                SELECT version, aggregate_type, schema_version, state::text, taken_at
                  FROM {s}.snapshots WHERE tenant_id = %s AND stream_id = %s
            """,
        )
