"""The errors mink raises: one tree, rooted at `MinkError`.

```
MinkError
├── ConfigurationError            a setting or a call's arguments are wrong
│   └── QueryError                a query names an unknown field, or an operator or value
│                                 that does not fit the field (or a cursor of another query)
├── SerializationError            an event, snapshot or read model could not be encoded or decoded
│   └── UnknownEventTypeError     a class or type name the registry does not know
├── EventStoreError
│   ├── ConcurrencyError          the stream was not at the expected version; nothing written
│   ├── StreamNotFoundError       no such stream (or it was soft-deleted)
│   ├── StreamDeletedError        the stream is tombstoned and can never be written again
│   ├── DuplicateEventError       an event id is already recorded in another place
│   ├── TransactionConflictError  a younger transaction wrote the stream first; retry as is
│   ├── StoreUnavailableError     the database cannot be reached or timed out (transient)
│   └── SchemaNotReadyError       the store's tables are missing or behind the migrations
├── AggregateError
│   ├── AggregateNotFoundError    no events for that aggregate id
│   └── MissingApplyHandlerError  an event reached an aggregate with no handler for it
├── ReadModelError                a read-model repository could not do what was asked
│   ├── ModelNotFoundError        update of an id that is not stored
│   ├── DuplicateModelError       insert of an id that is already stored
│   └── ReadModelSchemaError      the read model's table is missing or does not fit the model
├── ProjectionError               the projection engine could not do what was asked
│   ├── CheckpointConflictError   another worker moved the checkpoint; the batch rolled back
│   ├── ProjectionFailedError     a handler failed on an event and the projection stops on errors
│   └── ProjectionTimeoutError    `wait_for` ran out of time; `.behind` names the projections
└── CommandError                  a command failed; an unexpected cause is chained
    ├── UnknownCommandError       no handler is registered for the command's type
    ├── ValidationError           the command is invalid; `.problems` lists every problem
    ├── CommandTimeoutError       the handler ran past its time limit
    └── IdempotencyConflictError  an idempotency key was reused for a different command
```

Errors carry their data as attributes (`ConcurrencyError.expected_version`, …), survive pickling,
and never wrap a driver exception type that leaks out of an adapter: adapters translate
`psycopg`, `sqlite3` and `redis` errors at their edge and chain the original as `__cause__`.
A database that cannot be reached is `StoreUnavailableError` whichever store found out, the
event store or a read-model repository.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AggregateError",
    "AggregateNotFoundError",
    "CheckpointConflictError",
    "CommandError",
    "CommandTimeoutError",
    "ConcurrencyError",
    "ConfigurationError",
    "DuplicateEventError",
    "DuplicateModelError",
    "EventStoreError",
    "IdempotencyConflictError",
    "MinkError",
    "MissingApplyHandlerError",
    "ModelNotFoundError",
    "ProjectionError",
    "ProjectionFailedError",
    "ProjectionTimeoutError",
    "QueryError",
    "ReadModelError",
    "ReadModelSchemaError",
    "SchemaNotReadyError",
    "SerializationError",
    "StoreUnavailableError",
    "StreamDeletedError",
    "StreamNotFoundError",
    "TransactionConflictError",
    "UnknownCommandError",
    "UnknownEventTypeError",
    "ValidationError",
]


def _rebuild(cls: type[MinkError], args: tuple[Any, ...], state: dict[str, Any]) -> MinkError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class MinkError(Exception):
    """Base class of every error mink raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(MinkError):
    """A setting, a URL or a call's arguments are wrong; the message says which and how to fix."""


class QueryError(ConfigurationError):
    """A read-model query does not fit its model: an unknown field, an operator the field's type
    does not support, a value of the wrong type, or a cursor made for another query."""

    def __init__(self, message: str, *, model: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.model = model
        self.field = field


class SerializationError(MinkError):
    """An event, its metadata, a snapshot or a read model could not be encoded or decoded."""


class UnknownEventTypeError(SerializationError):
    """The event registry knows no class (or no type name) asked for."""

    def __init__(self, message: str, *, type_name: str | None = None) -> None:
        super().__init__(message)
        self.type_name = type_name


class EventStoreError(MinkError):
    """An operation on the event store failed."""


class ConcurrencyError(EventStoreError):
    """The stream was not at the expected version; the append wrote nothing."""

    def __init__(
        self, stream_id: str, *, expected_version: int | str, actual_version: int | None
    ) -> None:
        actual = "does not exist" if actual_version is None else f"is at version {actual_version}"
        super().__init__(
            f"stream {stream_id!r}: expected {_describe_expected(expected_version)}, "
            f"but it {actual}; nothing was written. Reload the stream and decide again."
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


def _describe_expected(expected: int | str) -> str:
    if isinstance(expected, int):
        return f"version {expected}"
    return {
        "no_stream": "no stream",
        "stream_exists": "an existing stream",
        "any": "any version",
    }.get(expected, expected)


class StreamNotFoundError(EventStoreError):
    """The stream has no events, was never written, or was soft-deleted."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(f"stream {stream_id!r} does not exist")
        self.stream_id = stream_id


class StreamDeletedError(EventStoreError):
    """The stream was hard-deleted (tombstoned); it can never be read or written again."""

    def __init__(self, stream_id: str) -> None:
        super().__init__(
            f"stream {stream_id!r} was hard-deleted (tombstoned) and can never be written again"
        )
        self.stream_id = stream_id


class DuplicateEventError(EventStoreError):
    """An event id in the append is already recorded, but not as a retry of the same append."""

    def __init__(self, stream_id: str, *, event_id: str | None = None) -> None:
        which = f"event id {event_id}" if event_id else "an event id of this append"
        super().__init__(
            f"stream {stream_id!r}: {which} is already recorded elsewhere; "
            "event ids must be unique (let mink generate them, or use uuid7())"
        )
        self.stream_id = stream_id
        self.event_id = event_id


class TransactionConflictError(EventStoreError):
    """A transaction that began writing earlier appended to a stream after a younger one did.

    Only explicit multi-stream transactions on PostgreSQL can meet this (single appends are
    retried for you). Nothing was written; run the whole transaction again.
    """

    def __init__(self, stream_id: str) -> None:
        super().__init__(
            f"stream {stream_id!r} was appended to by a transaction that started writing after "
            "this one; nothing was written — run the transaction again"
        )
        self.stream_id = stream_id


class StoreUnavailableError(EventStoreError):
    """The database could not be reached, dropped the connection or timed out; retrying may help."""


class SchemaNotReadyError(EventStoreError):
    """The store's tables are missing or older than this version of mink expects."""


class AggregateError(MinkError):
    """An aggregate was used wrongly, or its history could not be applied."""


class AggregateNotFoundError(AggregateError):
    """No events are recorded for the aggregate asked for."""

    def __init__(self, aggregate_type: str, aggregate_id: str) -> None:
        super().__init__(f"{aggregate_type} {aggregate_id!r} not found")
        self.aggregate_type = aggregate_type
        self.aggregate_id = aggregate_id


class MissingApplyHandlerError(AggregateError):
    """An event reached an aggregate that has no `@apply` handler for its type."""

    def __init__(self, aggregate_type: str, event_type: str) -> None:
        super().__init__(
            f"{aggregate_type} has no @apply handler for {event_type}; add one, "
            f"or set `strict_apply = False` on {aggregate_type} to ignore such events"
        )
        self.aggregate_type = aggregate_type
        self.event_type = event_type


class ReadModelError(MinkError):
    """A read-model repository could not do what was asked."""


class ModelNotFoundError(ReadModelError):
    """`update` named an id that is not stored."""

    def __init__(self, model: str, model_id: object) -> None:
        super().__init__(
            f"no {model} with id {model_id!r} is stored; insert or upsert it before updating it"
        )
        self.model = model
        self.model_id = model_id


class DuplicateModelError(ReadModelError):
    """`insert` named an id that is already stored."""

    def __init__(self, model: str, model_id: object) -> None:
        super().__init__(
            f"a {model} with id {model_id!r} is already stored; use upsert() to replace it, "
            "or update() to change it"
        )
        self.model = model
        self.model_id = model_id


class ReadModelSchemaError(ReadModelError):
    """The read model's table is missing, or lacks columns the model has.

    Read-model tables belong to your project: create them with your Alembic migrations
    (`mink_runtime.migrations.read_model_table(...)` builds the table from the dataclass), or
    with `await repository.create_table()` in tests and quick starts.
    """


class ProjectionError(MinkError):
    """The projection engine could not do what was asked."""


class CheckpointConflictError(ProjectionError):
    """A checkpoint moved under a worker: another worker processed the same events.

    The batch's transaction rolls back; the worker lost its lease and stops. Seeing it means
    two workers ran one projection at once (a lease lost and retaken); nothing was applied twice.
    """

    def __init__(self, name: str, expected: object, actual: object) -> None:
        super().__init__(
            f"projection {name!r} expected its checkpoint at {expected} but found {actual}; "
            "another worker moved it, so this batch was rolled back"
        )
        self.name = name
        self.expected = expected
        self.actual = actual


class ProjectionFailedError(ProjectionError):
    """A projection's handler failed on an event and the projection is configured to stop.

    Its cause is the handler's exception; the event is recorded as a dead letter.
    """

    def __init__(self, name: str, event_id: str, event_type: str, cause: BaseException) -> None:
        super().__init__(
            f"projection {name!r} failed on event {event_id} ({event_type}): "
            f"{type(cause).__name__}: {cause}; fix the handler, then resume it with "
            f"`mink projection resume {name}`"
        )
        self.name = name
        self.event_id = event_id
        self.event_type = event_type


class ProjectionTimeoutError(ProjectionError, TimeoutError):
    """`wait_for` ran out of time before every projection had processed the events asked for.

    `behind` names them (`name`, `name@version`, `#partition`); a projection that is paused,
    faulted or has no worker running never catches up.
    """

    def __init__(self, target: object, behind: tuple[str, ...], *, seconds: float) -> None:
        super().__init__(
            f"after {seconds:g} s these projections had not reached {target}: "
            f"{', '.join(behind)}; check that a worker runs them and that they are neither "
            "paused nor faulted (`mink projection status`), or wait longer"
        )
        self.target = target
        self.behind = behind
        self.seconds = seconds


class CommandError(MinkError):
    """A command could not be carried out.

    The recovery middleware raises it for an unexpected exception of a handler, chaining that
    exception as `__cause__`; `command_type` names the command.
    """

    def __init__(self, message: str, *, command_type: str | None = None) -> None:
        super().__init__(message)
        self.command_type = command_type


class UnknownCommandError(CommandError):
    """No handler is registered for the type of the command dispatched."""

    def __init__(self, command_type: str, *, registered: tuple[str, ...] = ()) -> None:
        known = ", ".join(registered[:10]) + (", ..." if len(registered) > 10 else "")
        super().__init__(
            f"no handler is registered for {command_type}; register one with "
            f"`@bus.handler` or `bus.register({command_type}, handler)`"
            + (f" (handled: {known})" if known else " (no handler is registered yet)"),
            command_type=command_type,
        )
        self.registered = registered


class ValidationError(CommandError):
    """The command is invalid; `problems` lists every problem found. The handler did not run."""

    def __init__(self, command_type: str, problems: tuple[str, ...]) -> None:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(
            f"{command_type} is invalid ({count}): " + "; ".join(problems),
            command_type=command_type,
        )
        self.problems = problems


class CommandTimeoutError(CommandError):
    """The handler (with its retries) ran longer than the command's time limit; it was
    cancelled, and a transaction it had open was rolled back."""

    def __init__(self, command_type: str, *, seconds: float) -> None:
        super().__init__(
            f"{command_type} did not finish within {seconds:g} s and was cancelled; raise the "
            "limit (`Timeout(seconds=...)`, or `timeout=` when registering the handler) if it "
            "is expected to take longer",
            command_type=command_type,
        )
        self.seconds = seconds


class IdempotencyConflictError(CommandError):
    """An idempotency key was used again for a command with other content (or of another type);
    the stored result belongs to the first one, so it is not returned."""

    def __init__(self, key: str, *, command_type: str, first_command_type: str) -> None:
        first = (
            "a different command"
            if first_command_type == command_type
            else f"a {first_command_type} command"
        )
        super().__init__(
            f"idempotency key {key!r} was first used for {first}, not for this {command_type}; "
            "give each distinct command a key of its own",
            command_type=command_type,
        )
        self.key = key
        self.first_command_type = first_command_type
