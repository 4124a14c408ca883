"""Metrics (prometheus_client) and tracing (OpenTelemetry) of dispatches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bank import Deposit, OpenAccount, bank_handlers, registry
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from mink_runtime import (
    CommandBus,
    InMemoryEventStore,
    StoreUnavailableError,
    ValidationError,
    causation_from,
)
from mink_runtime.application.commands import (
    Metrics,
    Retry,
    Tracing,
    Validation,
    default_middleware,
    trace_context_from,
)

# --- metrics -----------------------------------------------------------------------------


def sample(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    value = metrics.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_metrics_count_dispatches_by_outcome_and_time_them() -> None:
    """Successes and rejections are counted apart; every dispatch is timed; none is left
    in progress."""
    metrics = CollectorRegistry()
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus(
        middleware=default_middleware(metrics=Metrics(registry=metrics)),
        handlers=bank_handlers(store),
    )
    await bus.dispatch(OpenAccount("1", "alice"))
    await bus.dispatch(Deposit("1", 5))
    with pytest.raises(ValidationError):
        await bus.dispatch(Deposit("1", -5))
    total = "mink_commands_total"
    assert sample(metrics, total, command="OpenAccount", outcome="ok") == 1
    assert sample(metrics, total, command="Deposit", outcome="ok") == 1
    assert sample(metrics, total, command="Deposit", outcome="rejected") == 1
    assert sample(metrics, "mink_command_duration_seconds_count", command="Deposit") == 2
    assert sample(metrics, "mink_commands_in_progress", command="Deposit") == 0


async def test_metrics_count_the_retries() -> None:
    """Handler runs beyond the first are counted."""
    metrics = CollectorRegistry()
    failures = [StoreUnavailableError("gone"), StoreUnavailableError("gone")]

    def flaky(command: Any) -> None:
        if failures:
            raise failures.pop()

    bus = CommandBus(middleware=[Metrics(registry=metrics), Retry(base_delay=0.001)])
    bus.register(OpenAccount, flaky)
    await bus.dispatch(OpenAccount("1", "a"))
    assert sample(metrics, "mink_command_retries_total", command="OpenAccount") == 2


def test_metrics_of_several_buses_share_their_collectors() -> None:
    """Two `Metrics` on one registry do not register the metrics twice."""
    metrics = CollectorRegistry()
    first, second = Metrics(registry=metrics), Metrics(registry=metrics)
    assert first._total is second._total


# --- tracing -----------------------------------------------------------------------------


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


async def test_a_dispatch_is_a_span_whose_trace_context_is_in_every_event(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """The span `dispatch <Command>` is recorded; the events carry its W3C `traceparent`."""
    provider, exporter = spans
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus(
        middleware=default_middleware(tracing=Tracing(provider)), handlers=bank_handlers(store)
    )
    result = await bus.dispatch(OpenAccount("1", "alice"))
    (span,) = exporter.get_finished_spans()
    assert span.name == "dispatch OpenAccount"
    assert span.attributes is not None
    assert span.attributes["mink.command.id"] == result.command_id
    assert span.attributes["mink.stream_id"] == "account-1"
    (event,) = await store.read_stream("account-1")
    context = span.get_span_context()
    assert context is not None
    traceparent = event.metadata.extra["traceparent"]
    assert traceparent.startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")


async def test_a_consumer_continues_the_trace_of_an_event(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """`trace_context_from(event)` parents a consumer's span to the command that recorded
    the event, and a command dispatched inside `causation_from(event)` joins the trace."""
    provider, exporter = spans
    store = InMemoryEventStore(registry=registry)
    bus = CommandBus(
        middleware=default_middleware(tracing=Tracing(provider)), handlers=bank_handlers(store)
    )
    await bus.dispatch(OpenAccount("1", "alice"))
    (opened,) = await store.read_stream("account-1")
    tracer = provider.get_tracer("consumer")
    with tracer.start_as_current_span("project", context=trace_context_from(opened)):
        pass
    with causation_from(opened):
        await bus.dispatch(Deposit("1", 5))
    command, projection, saga_command = exporter.get_finished_spans()
    trace_id = command.context.trace_id
    assert projection.context.trace_id == trace_id
    assert projection.parent is not None
    assert projection.parent.span_id == command.context.span_id
    assert saga_command.context.trace_id == trace_id
    assert saga_command.parent is not None
    assert saga_command.parent.span_id == command.context.span_id


async def test_a_failed_dispatch_is_a_span_with_an_error_status(
    spans: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """The exception is recorded on the span."""
    provider, exporter = spans
    bus = CommandBus(middleware=[Tracing(provider), Validation()])
    bus.register(Deposit, lambda command: None)
    with pytest.raises(ValidationError):
        await bus.dispatch(Deposit("1", 0))
    (span,) = exporter.get_finished_spans()
    assert not span.status.is_ok
    assert [e.name for e in span.events] == ["exception"]


async def test_an_event_without_a_trace_context_gives_an_empty_one() -> None:
    """No `traceparent` in the metadata: a consumer's span starts a new trace."""
    from opentelemetry import trace

    store = InMemoryEventStore(registry=registry)
    await CommandBus(handlers=bank_handlers(store)).dispatch(OpenAccount("1", "alice"))
    (event,) = await store.read_stream("account-1")
    span = trace.get_current_span(trace_context_from(event))
    assert not span.get_span_context().is_valid
