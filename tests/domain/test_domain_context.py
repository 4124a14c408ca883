"""The message context: set in blocks, carried by `causation_from`, filled into metadata."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from mink_runtime.domain import (
    EventCodec,
    EventRegistry,
    MessageContext,
    Metadata,
    NewEvent,
    RecordedEvent,
    causation_from,
    current_context,
    message_context,
    with_message_context,
)

registry = EventRegistry()


@registry.event("ctx.Noted")
@dataclass(frozen=True)
class Noted:
    text: str


def recorded(metadata: Metadata) -> RecordedEvent:
    return RecordedEvent(
        event_id=uuid.UUID("01922222-2222-7222-8222-222222222222"),
        stream_id="note-1",
        version=1,
        position=1,
        transaction_id=0,
        type="ctx.Noted",
        schema_version=1,
        data=Noted("x"),
        metadata=metadata,
        recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
        tenant_id="",
        size=10,
    )


def test_outside_any_block_the_context_is_empty() -> None:
    """No correlation, causation, tenant, user or headers are invented."""
    assert current_context() == MessageContext()
    assert with_message_context(Metadata.EMPTY) is Metadata.EMPTY


def test_a_block_sets_fields_and_keeps_the_outer_ones_it_does_not_name() -> None:
    """Nested blocks change what they name; headers add up."""
    with message_context(correlation_id="c-1", headers={"a": "1"}):
        with message_context(user_id="u-1", headers={"b": "2"}) as inner:
            assert (inner.correlation_id, inner.user_id) == ("c-1", "u-1")
            assert dict(inner.headers) == {"a": "1", "b": "2"}
        assert current_context().user_id is None


def test_the_codec_fills_only_what_the_event_leaves_unset() -> None:
    """An event's own metadata wins field by field; extras merge, the event's keys winning."""
    codec = EventCodec(registry)
    with message_context(
        correlation_id="c-1", causation_id="cmd-1", tenant_id="acme", headers={"k": "ctx"}
    ):
        plain = codec.encode(Noted("a"))
        own = codec.encode(
            NewEvent(data=Noted("b"), metadata=Metadata(causation_id="own", extra={"k": "own"}))
        )
    assert plain.metadata is not None
    assert Metadata.from_dict(orjson.loads(plain.metadata)) == Metadata(
        correlation_id="c-1", causation_id="cmd-1", tenant_id="acme", extra={"k": "ctx"}
    )
    assert own.metadata is not None
    assert Metadata.from_dict(orjson.loads(own.metadata)) == Metadata(
        correlation_id="c-1", causation_id="own", tenant_id="acme", extra={"k": "own"}
    )


def test_causation_from_an_event_continues_its_correlation_and_trace() -> None:
    """The event becomes the cause; its correlation, tenant, user and trace headers carry on."""
    event = recorded(
        Metadata(
            correlation_id="c-1",
            user_id="u-1",
            tenant_id="acme",
            extra={"traceparent": "00-abc-def-01", "other": "x"},
        )
    )
    with causation_from(event) as context:
        assert context == MessageContext(
            correlation_id="c-1",
            causation_id=str(event.event_id),
            tenant_id="acme",
            user_id="u-1",
            headers={"traceparent": "00-abc-def-01"},
        )
    assert current_context() == MessageContext()


def test_an_event_without_a_correlation_starts_one_of_its_own_id() -> None:
    """Handling an uncorrelated event correlates what follows by that event."""
    event = recorded(Metadata.EMPTY)
    with causation_from(event) as context:
        assert context.correlation_id == context.causation_id == str(event.event_id)


async def test_tasks_started_inside_a_block_inherit_the_context() -> None:
    """The context is a context variable: it follows awaits into child tasks."""

    async def read() -> str | None:
        await asyncio.sleep(0)
        return current_context().correlation_id

    with message_context(correlation_id="c-9"):
        assert await asyncio.create_task(read()) == "c-9"


def test_metadata_round_trips_the_tenant() -> None:
    """`tenant_id` is a field of its own in the stored dict, not an extra."""
    metadata = Metadata(tenant_id="acme", extra={"x": 1})
    assert metadata.to_dict() == {"tenant_id": "acme", "extra": {"x": 1}}
    assert Metadata.from_dict(metadata.to_dict()) == metadata
