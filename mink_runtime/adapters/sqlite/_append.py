"""The append, run on the writer's cursor inside an open write transaction.

The rules (expected versions, idempotent retries, duplicates) are the domain's shared helpers;
this module feeds them what the database holds, along one of two paths.

**`append_fast`** serves `store.append`, whose transaction holds nothing else, and keeps a
single-event append close to a bare INSERT + COMMIT (the budget is 1.4x). It skips reading the
stream row where it can:

- a stream this process appended to or read before: the version it last saw committed is kept
  in memory (`SQLiteDatabase.versions`). `expectation_holds` judges that version, then one
  `UPDATE ... WHERE version = <that version> AND state = 0` both checks that nothing changed since
  (another process, a transaction block, a delete) and moves the version; the events follow:
  BEGIN, UPDATE, INSERT, COMMIT. When the UPDATE matches no row the remembered version was stale;
  nothing was written, and the general path takes over in the same transaction. So the memory
  can be wrong without harm, and is never trusted without that check;
- any other stream, when the append allows a new one (ANY, NO_STREAM, version 0):
  `INSERT ... ON CONFLICT DO NOTHING` creates its row; if it had one already, nothing was
  written and the general path takes over.

Event ids are *not* looked up first: the UNIQUE index on `event_id` finds a repeat for free. If
it fires after the stream row moved, `append_fast` raises `RedoAppendError`: the caller rolls back
and runs the general path in a new transaction, which tells a retry from a duplicate.

**`append_events`** is the general path, also used inside `store.transaction()` blocks, where a
rollback would undo more than this append. It reads the stream row first, checks, then writes;
when the expectation fails, or the UNIQUE index fires, the recorded events with the append's ids
tell an idempotent retry (return the first result) from a duplicate or a conflict. A failed
append leaves nothing behind in the transaction: a unique violation undoes the rows it had
inserted (`executemany` runs one statement per row), so a block that catches the error can go on.

Positions: the writer holds SQLite's write lock from `BEGIN IMMEDIATE` to `COMMIT`, and
`AUTOINCREMENT` gives each new row `max(position ever used) + 1`, so the n events of an append
get n consecutive positions ending at the last inserted row id.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence

from mink_runtime.adapters.sqlite._errors import translate
from mink_runtime.adapters.sqlite._rows import STATES
from mink_runtime.adapters.sqlite._sql import Statements
from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    EncodedEvent,
    ExpectedVersion,
    StreamState,
    conflict_error,
    expectation_holds,
    retry_matches,
)
from mink_runtime.errors import DuplicateEventError

__all__ = ["RedoAppendError", "append_events", "append_fast"]

_Recorded = tuple[bytes, str, str, int, int, int]
"""(event id, tenant id, stream id, version, position, data size) of a recorded event."""

_LOOKUP_CHUNK = 500  # event ids per IN (...) list, well below SQLite's parameter limit
_ACTIVE = StreamState.ACTIVE
_ANY = ExpectedVersion.ANY
_NO_STREAM = ExpectedVersion.NO_STREAM


class RedoAppendError(Exception):
    """`append_fast` wrote and must take it back: roll back, then run `append_events`."""


def append_fast(
    cursor: sqlite3.Cursor,
    sql: Statements,
    versions: dict[tuple[str, str], int],
    key: tuple[str, str],
    encoded: Sequence[EncodedEvent],
    expected: int | ExpectedVersion,
    now: str,
) -> AppendResult | None:
    """Append in a transaction that holds nothing else, if it can be done without reading the
    stream row first; None (having written nothing) when the caller must run `append_events`.

    `versions` holds the versions this process last committed, by (tenant id, stream id) `key`.

    Raises:
        RedoAppendError: an event id is recorded already; roll back and run `append_events`.
        sqlite3.Error: the caller translates it and rolls back.
    """
    tenant_id, stream_id = key
    count = len(encoded)
    version = versions.get(key)
    if version is not None:
        if not expectation_holds(stream_id, expected, version=version, state=_ACTIVE):
            return None  # maybe stale: the general path reads the stream and says what is wrong
        advance = (version + count, now, tenant_id, stream_id, version)
        if not cursor.execute(sql.advance_stream, advance).rowcount:
            return None  # stale: another writer moved the stream on
    elif expected is _ANY or expected is _NO_STREAM or expected == 0:
        create = (tenant_id, stream_id, count, now, now)
        if not cursor.execute(sql.create_stream, create).rowcount:
            return None  # the stream has a row already
        version = 0
    else:
        return None  # expects an existing stream this process knows nothing of: read it first
    try:
        last = _insert(cursor, sql, tenant_id, stream_id, version, encoded, now)
    except sqlite3.IntegrityError:
        raise RedoAppendError from None
    return _result(stream_id, version, encoded, last)


def append_events(
    cursor: sqlite3.Cursor,
    sql: Statements,
    tenant_id: str,
    stream_id: str,
    encoded: Sequence[EncodedEvent],
    expected: int | ExpectedVersion,
    now: str,
    database: str,
) -> AppendResult:
    """Append in the open write transaction, leaving nothing behind if it fails; see
    `EventStore.append`.

    Raises:
        ConcurrencyError, StreamDeletedError, DuplicateEventError: as the port says.
        sqlite3.Error: the caller translates it.
    """
    row = cursor.execute(sql.select_stream, (tenant_id, stream_id)).fetchone()
    state: StreamState | None = None
    if row is None:
        version, truncate_before = 0, 1
    else:
        version, code, truncate_before = row
        state = STATES[code]
    if not expectation_holds(stream_id, expected, version=version, state=state):
        prior = _recorded(cursor, sql, encoded)
        result = _retry_result(stream_id, tenant_id, expected, encoded, prior, truncate_before)
        if result is not None:
            return result
        raise conflict_error(stream_id, expected, version=version, state=state)
    try:
        last = _insert(cursor, sql, tenant_id, stream_id, version, encoded, now)
    except sqlite3.IntegrityError as error:
        if len(encoded) > 1:
            cursor.execute(sql.delete_events_after, (tenant_id, stream_id, version))
        prior = _recorded(cursor, sql, encoded)
        result = _retry_result(stream_id, tenant_id, expected, encoded, prior, truncate_before)
        if result is not None:
            return result
        if prior:
            event_id = str(uuid.UUID(bytes=prior[0][0]))
            raise DuplicateEventError(stream_id, event_id=event_id) from None
        ids = [event.event_id for event in encoded]
        if len(set(ids)) != len(ids):
            raise DuplicateEventError(stream_id) from None
        raise translate(error, database=database) from error  # not an event id: unexpected
    new_version = version + len(encoded)
    if row is None:
        cursor.execute(sql.create_stream, (tenant_id, stream_id, new_version, now, now))
    else:
        cursor.execute(sql.update_stream_version, (new_version, now, tenant_id, stream_id))
    return _result(stream_id, version, encoded, last)


def _insert(
    cursor: sqlite3.Cursor,
    sql: Statements,
    tenant_id: str,
    stream_id: str,
    version: int,
    encoded: Sequence[EncodedEvent],
    now: str,
) -> int:
    """Insert the events after `version`; the position of the last one."""
    if len(encoded) == 1:
        event = encoded[0]
        metadata = event.metadata
        cursor.execute(
            sql.insert_event,
            (
                tenant_id,
                stream_id,
                version + 1,
                event.event_id.bytes,
                event.type,
                event.schema_version,
                event.content_type,
                event.data.decode() if event.is_json else event.data,
                None if metadata is None else metadata.decode(),
                now,
            ),
        )
        last = cursor.lastrowid
    else:
        cursor.executemany(
            sql.insert_event,
            [
                (
                    tenant_id,
                    stream_id,
                    number,
                    event.event_id.bytes,
                    event.type,
                    event.schema_version,
                    event.content_type,
                    event.data.decode() if event.is_json else event.data,
                    None if event.metadata is None else event.metadata.decode(),
                    now,
                )
                for number, event in enumerate(encoded, start=version + 1)
            ],
        )
        last = cursor.execute(sql.last_position).fetchone()[0]
    assert last is not None
    return last


def _result(
    stream_id: str, version: int, encoded: Sequence[EncodedEvent], last: int
) -> AppendResult:
    count = len(encoded)
    if count == 1:
        return AppendResult(
            stream_id=stream_id,
            version=version + 1,
            positions=(last,),
            checkpoint=Checkpoint(0, last),
            size=len(encoded[0].data),
        )
    return AppendResult(
        stream_id=stream_id,
        version=version + count,
        positions=tuple(range(last - count + 1, last + 1)),
        checkpoint=Checkpoint(0, last),
        size=sum(len(event.data) for event in encoded),
    )


def _recorded(
    cursor: sqlite3.Cursor, sql: Statements, encoded: Sequence[EncodedEvent]
) -> list[_Recorded]:
    """Recorded events (committed, or appended earlier in this transaction) with these ids."""
    ids = list(dict.fromkeys(event.event_id.bytes for event in encoded))
    found: list[_Recorded] = []
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        placeholders = ", ".join("?" * len(chunk))
        found += cursor.execute(f"{sql.recorded_prefix}({placeholders})", chunk).fetchall()
    found.sort(key=lambda recorded: recorded[3])
    return found


def _retry_result(
    stream_id: str,
    tenant_id: str,
    expected: int | ExpectedVersion,
    encoded: Sequence[EncodedEvent],
    prior: list[_Recorded],
    truncate_before: int,
) -> AppendResult | None:
    """The first append's result, if `prior` shows this append already happened."""
    if not prior or any((r[1], r[2]) != (tenant_id, stream_id) for r in prior):
        return None
    if not retry_matches(
        expected,
        [event.event_id for event in encoded],
        [(uuid.UUID(bytes=r[0]), r[3]) for r in prior],
        first_version_if_new=truncate_before,
    ):
        return None
    return AppendResult(
        stream_id=stream_id,
        version=prior[-1][3],
        positions=tuple(r[4] for r in prior),
        checkpoint=Checkpoint(0, prior[-1][4]),
        size=sum(r[5] for r in prior),
    )
