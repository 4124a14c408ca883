"""`Tracing`: an OpenTelemetry span per dispatch, and the W3C trace context in every event.

`pip install 'mink[tracing]'` (opentelemetry-api; configure an SDK and exporter as usual). The
span `dispatch <Command>` is a child of the span current at dispatch; with none current, of the
trace context in the message context (what `causation_from(event)` carried over from the event
being handled), so a saga's commands continue the trace of the request that started it.

Inside the span, the `traceparent` / `tracestate` headers (W3C Trace Context) go into the
message context, so every event the handler records carries them in `Metadata.extra`. A
consumer continues the trace with `trace_context_from(event)`:

```python
with tracer.start_as_current_span("project order", context=trace_context_from(event)):
    ...
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mink_runtime._version import __version__
from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.domain import TRACE_HEADERS, RecordedEvent, current_context, message_context
from mink_runtime.errors import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import TracerProvider

__all__ = ["Tracing", "trace_context_from"]


def _require_opentelemetry() -> Any:
    try:
        from opentelemetry.trace.propagation import tracecontext
    except ImportError as error:
        raise ConfigurationError(
            "tracing needs the OpenTelemetry API: pip install 'mink[tracing]'"
        ) from error
    return tracecontext.TraceContextTextMapPropagator()


class Tracing:
    """Trace each dispatch with OpenTelemetry; see the module docstring.

    Raises:
        ConfigurationError: opentelemetry-api is not installed.
    """

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self._propagator = _require_opentelemetry()
        from opentelemetry import trace

        self._trace = trace
        self._tracer = trace.get_tracer(
            "mink_runtime", __version__, tracer_provider=tracer_provider
        )

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        trace = self._trace
        parent = None
        if not trace.get_current_span().get_span_context().is_valid:
            carried = current_context().headers
            if "traceparent" in carried:
                parent = self._propagator.extract(carried)
        attributes = {
            "mink.command.type": context.command_type,
            "mink.command.id": context.command_id,
        }
        with self._tracer.start_as_current_span(
            f"dispatch {context.command_type}",
            context=parent,
            kind=trace.SpanKind.INTERNAL,
            attributes=attributes,
        ) as span:
            headers: dict[str, str] = {}
            self._propagator.inject(headers)
            message = current_context()
            if message.correlation_id is not None:
                span.set_attribute("mink.correlation_id", message.correlation_id)
            with message_context(headers=headers):
                result = await call_next(command, context)
            if result.stream_id is not None:
                span.set_attribute("mink.stream_id", result.stream_id)
            if result.version is not None:
                span.set_attribute("mink.version", result.version)
            span.set_attribute("mink.replayed", result.replayed)
            return result

    def __repr__(self) -> str:
        return "Tracing()"


def trace_context_from(event: RecordedEvent) -> Context:
    """The OpenTelemetry context of the trace that recorded `event` (from the W3C headers in
    its metadata), to start a span that continues it; an empty context when it has none.

    Raises:
        ConfigurationError: opentelemetry-api is not installed.
    """
    propagator = _require_opentelemetry()
    extra = event.metadata.extra
    carrier = {key: str(extra[key]) for key in TRACE_HEADERS if key in extra}
    from opentelemetry.context import Context

    context: Context = propagator.extract(carrier, context=Context())
    return context
