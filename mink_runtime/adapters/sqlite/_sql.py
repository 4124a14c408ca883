"""Every SQL statement of the SQLite backend, built once per store for its schema.

The table names carry the schema as a prefix (`mink_events`; SQLite has no schemas), so the
statements are formatted once, when a database is opened, and kept as constant strings. The hot
paths then pass the same `str` objects on every call: no per-call formatting, and `sqlite3`'s
statement cache finds the prepared statement at once. Values are always bound parameters.

Variable filters (categories, event types) travel as one JSON array parameter read with
`json_each`, so each statement has a single, fixed text whatever the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from mink_runtime.migrations import validate_schema_name

__all__ = ["EVENT_COLUMNS", "STREAM_COLUMNS", "Statements"]

EVENT_COLUMNS = (
    "position, tenant_id, stream_id, version, event_id, event_type, schema_version, "
    "content_type, CAST(data AS BLOB), metadata, recorded_at"
)
"""The columns `decode_event` expects, in order. Data comes back as bytes (JSON is TEXT)."""

STREAM_COLUMNS = (
    "stream_id, tenant_id, version, state, truncate_before, max_count, max_age_seconds, "
    "custom, created_at, updated_at"
)
"""The columns `stream_info` expects, in order."""

# The category of a stream id is the text before its first '-' (all of it when there is none).
_CATEGORY = "substr(stream_id, 1, instr(stream_id || '-', '-') - 1)"

# Which events of the global log a read (or a count) takes: after ?1, up to ?2, of tenant ?3,
# of the categories in the JSON array ?4 and of the types in ?5 (NULL: no filter).
_LOG_SLICE = (
    " WHERE position > ?1 AND position <= ?2"
    " AND (?3 IS NULL OR tenant_id = ?3)"
    f" AND (?4 IS NULL OR {_CATEGORY} IN (SELECT value FROM json_each(?4)))"
    " AND (?5 IS NULL OR event_type IN (SELECT value FROM json_each(?5)))"
)


@dataclass(frozen=True, slots=True)
class Statements:
    """The SQL of one schema."""

    schema: str
    begin: str
    # appends
    select_stream: str
    insert_event: str
    last_position: str
    delete_events_after: str
    create_stream: str
    advance_stream: str
    update_stream_version: str
    recorded_prefix: str
    # reads
    stream_bounds: str
    stream_info: str
    read_forward: str
    read_backward: str
    read_all: str
    count_events: str
    head: str
    list_streams: str
    event_types: str
    # stream management
    soft_delete: str
    delete_stream_events: str
    tombstone: str
    truncate: str
    upsert_metadata: str
    # snapshots
    save_snapshot: str
    load_snapshot: str
    delete_snapshot: str
    # schema
    schema_revision: str

    @classmethod
    def for_schema(cls, schema: str) -> Statements:
        """The statements for the tables of `schema` (`{schema}_events`, ...).

        Raises:
            ConfigurationError: the schema name is not a safe identifier.
        """
        validate_schema_name(schema)
        streams, events = f"{schema}_streams", f"{schema}_events"
        snapshots = f"{schema}_snapshots"
        read_stream = (
            f"SELECT {EVENT_COLUMNS} FROM {events}"
            " WHERE tenant_id = ?1 AND stream_id = ?2 AND version BETWEEN ?3 AND ?4"
            " AND (?5 IS NULL OR recorded_at >= ?5)"
        )
        return cls(
            schema=schema,
            begin="BEGIN IMMEDIATE",
            select_stream=(
                f"SELECT version, state, truncate_before FROM {streams}"
                " WHERE tenant_id = ? AND stream_id = ?"
            ),
            insert_event=(
                f"INSERT INTO {events} (tenant_id, stream_id, version, event_id, event_type,"
                " schema_version, content_type, data, metadata, recorded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            last_position="SELECT last_insert_rowid()",
            delete_events_after=(
                f"DELETE FROM {events} WHERE tenant_id = ? AND stream_id = ? AND version > ?"
            ),
            create_stream=(
                f"INSERT INTO {streams} (tenant_id, stream_id, version, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
            ),
            # The fast path's optimistic step: it only applies if the stream is still active and
            # at the version this process last committed (rowcount 0 otherwise).
            advance_stream=(
                f"UPDATE {streams} SET version = ?, updated_at = ?"
                " WHERE tenant_id = ? AND stream_id = ? AND version = ? AND state = 0"
            ),
            update_stream_version=(
                f"UPDATE {streams} SET version = ?, state = 0, updated_at = ?"
                " WHERE tenant_id = ? AND stream_id = ?"
            ),
            recorded_prefix=(
                "SELECT event_id, tenant_id, stream_id, version, position,"
                f" length(CAST(data AS BLOB)) FROM {events} WHERE event_id IN "
            ),
            stream_bounds=(
                "SELECT version, state, truncate_before, max_count, max_age_seconds"
                f" FROM {streams} WHERE tenant_id = ? AND stream_id = ?"
            ),
            stream_info=(
                f"SELECT {STREAM_COLUMNS} FROM {streams} WHERE tenant_id = ? AND stream_id = ?"
            ),
            read_forward=f"{read_stream} ORDER BY version LIMIT ?6",
            read_backward=f"{read_stream} ORDER BY version DESC LIMIT ?6",
            read_all=f"SELECT {EVENT_COLUMNS} FROM {events}{_LOG_SLICE} ORDER BY position LIMIT ?6",
            count_events=f"SELECT count(*) FROM {events}{_LOG_SLICE}",
            head=f"SELECT max(position) FROM {events}",
            list_streams=(
                f"SELECT {STREAM_COLUMNS} FROM {streams}"
                " WHERE tenant_id = ?1 AND (?2 IS NULL OR stream_id > ?2)"
                f" AND (?3 IS NULL OR {_CATEGORY} = ?3)"
                " ORDER BY stream_id LIMIT ?4"
            ),
            event_types=(
                f"SELECT event_type, schema_version, count(*) FROM {events}"
                " WHERE ?1 IS NULL OR tenant_id = ?1"
                " GROUP BY event_type, schema_version ORDER BY event_type, schema_version"
            ),
            soft_delete=(
                f"UPDATE {streams} SET state = 1, truncate_before = version + 1, updated_at = ?"
                " WHERE tenant_id = ? AND stream_id = ?"
            ),
            delete_stream_events=f"DELETE FROM {events} WHERE tenant_id = ? AND stream_id = ?",
            tombstone=(
                f"UPDATE {streams} SET state = 2, updated_at = ?"
                " WHERE tenant_id = ? AND stream_id = ?"
            ),
            truncate=(
                f"UPDATE {streams} SET truncate_before = max(truncate_before, ?), updated_at = ?"
                " WHERE tenant_id = ? AND stream_id = ?"
            ),
            upsert_metadata=(
                f"INSERT INTO {streams} (tenant_id, stream_id, max_count, max_age_seconds,"
                " custom, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
                " ON CONFLICT (tenant_id, stream_id) DO UPDATE SET"
                " max_count = excluded.max_count, max_age_seconds = excluded.max_age_seconds,"
                " custom = excluded.custom, updated_at = excluded.updated_at"
            ),
            # Never replace a newer snapshot: a slow writer must not roll the newest one back.
            save_snapshot=(
                f"INSERT INTO {snapshots} (tenant_id, stream_id, version, aggregate_type,"
                " schema_version, state, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (tenant_id, stream_id) DO UPDATE SET"
                " version = excluded.version, aggregate_type = excluded.aggregate_type,"
                " schema_version = excluded.schema_version, state = excluded.state,"
                " taken_at = excluded.taken_at"
                f" WHERE excluded.version >= {snapshots}.version"
            ),
            load_snapshot=(
                "SELECT stream_id, version, aggregate_type, schema_version, state, taken_at"
                f" FROM {snapshots} WHERE tenant_id = ? AND stream_id = ?"
            ),
            delete_snapshot=f"DELETE FROM {snapshots} WHERE tenant_id = ? AND stream_id = ?",
            schema_revision=f"SELECT version_num FROM {schema}_alembic_version",
        )
