"""The message context: who and what a piece of work is on behalf of, carried in a context variable.

```python
with message_context(correlation_id=request_id, user_id=user.id, tenant_id="acme"):
    await bus.dispatch(PlaceOrder(...))     # every event the handler records carries them

async def on_order_placed(event: RecordedEvent) -> None:   # a projection, a saga
    with causation_from(event):
        await bus.dispatch(ReserveStock(...))   # caused by `event`, same correlation
```

The event codec fills each event's `Metadata` from the context where the event's own metadata
leaves a field unset, so every append (through any store, a repository or a transaction) records
the context without the code that appends doing anything. The context is a `contextvars`
variable: it follows `await`s, and tasks started inside a block inherit it.

Fields, as they apply to the messages produced *now*:

- `correlation_id`: shared by everything one request caused, however indirectly;
- `causation_id`: the id of the message being handled, the direct cause of what is produced
  (the command bus sets it to the command's id while the handler runs);
- `tenant_id`, `user_id`: on whose behalf;
- `headers`: more metadata for `Metadata.extra` (the W3C trace context: `traceparent`,
  `tracestate`; `command_causation_id`: what caused the command being handled).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from mink_runtime.domain._envelopes import Metadata, RecordedEvent

__all__ = [
    "TRACE_HEADERS",
    "MessageContext",
    "causation_from",
    "current_context",
    "message_context",
    "reset_message_context",
    "set_message_context",
    "with_message_context",
]

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})

TRACE_HEADERS = ("traceparent", "tracestate")
"""The W3C trace-context keys that travel from an event's metadata to what it causes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageContext:
    """Correlation, causation, tenant, user and extra headers for the messages produced now."""

    EMPTY: ClassVar[MessageContext]

    correlation_id: str | None = None
    causation_id: str | None = None
    tenant_id: str | None = None
    user_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _NO_HEADERS)
    _metadata: Metadata | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    @property
    def metadata(self) -> Metadata:
        """This context as event metadata (the headers in `extra`), built once, when first
        asked for."""
        built = self._metadata
        if built is None:
            built = Metadata(
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
                user_id=self.user_id,
                tenant_id=self.tenant_id,
                extra=MappingProxyType(dict(self.headers)) if self.headers else _NO_HEADERS,
            )
            object.__setattr__(self, "_metadata", built)  # a cache: the context stays equal
        return built

    def fill(self, metadata: Metadata) -> Metadata:
        """`metadata` with the fields it leaves unset taken from this context (its own win)."""
        mine = self.metadata
        if metadata is Metadata.EMPTY:
            return mine
        extra = metadata.extra
        if mine.extra:
            extra = {**mine.extra, **metadata.extra}
        return Metadata(
            correlation_id=metadata.correlation_id or mine.correlation_id,
            causation_id=metadata.causation_id or mine.causation_id,
            user_id=metadata.user_id or mine.user_id,
            tenant_id=metadata.tenant_id or mine.tenant_id,
            extra=extra,
        )


MessageContext.EMPTY = MessageContext()

_current: ContextVar[MessageContext | None] = ContextVar("mink_message_context", default=None)


def current_context() -> MessageContext:
    """The message context in force here (an empty one outside any block)."""
    context = _current.get()
    return MessageContext.EMPTY if context is None else context


@contextmanager
def message_context(
    *,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    tenant_id: str | None = None,
    user_id: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[MessageContext]:
    """Set fields of the message context inside the block; fields not given keep their outer
    value, and `headers` are added to the outer ones.
    """
    outer = current_context()
    merged_headers: Mapping[str, str] = outer.headers
    if headers:
        merged_headers = MappingProxyType({**outer.headers, **headers})
    context = MessageContext(
        correlation_id=outer.correlation_id if correlation_id is None else correlation_id,
        causation_id=outer.causation_id if causation_id is None else causation_id,
        tenant_id=outer.tenant_id if tenant_id is None else tenant_id,
        user_id=outer.user_id if user_id is None else user_id,
        headers=merged_headers,
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextmanager
def causation_from(event: RecordedEvent) -> Iterator[MessageContext]:
    """Handle `event` inside the block: what is produced there (commands dispatched, events
    appended) is caused by it and shares its correlation, tenant, user and trace context.

    An event that carries no correlation id starts a correlation of its own id.
    """
    metadata = event.metadata
    event_id = str(event.event_id)
    trace = {key: str(metadata.extra[key]) for key in TRACE_HEADERS if key in metadata.extra}
    context = MessageContext(
        correlation_id=metadata.correlation_id or event_id,
        causation_id=event_id,
        tenant_id=metadata.tenant_id,
        user_id=metadata.user_id,
        headers=MappingProxyType(trace) if trace else _NO_HEADERS,
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def set_message_context(context: MessageContext) -> Token[MessageContext | None]:
    """Make `context` the one in force until `reset_message_context(token)`: the low-level
    form of `message_context`, for middleware on a hot path."""
    return _current.set(context)


def reset_message_context(token: Token[MessageContext | None]) -> None:
    """Bring back the context in force before `set_message_context` returned `token`."""
    _current.reset(token)


def with_message_context(metadata: Metadata) -> Metadata:
    """`metadata` filled from the message context in force, if any (the codec calls this)."""
    context = _current.get()
    return metadata if context is None else context.fill(metadata)
