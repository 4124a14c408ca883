"""`CommandBus`: dispatch a command through the middleware onion to its one handler.

```python
bus = CommandBus()                                    # the default middleware (see below)

@bus.handler
async def place_order(command: PlaceOrder) -> AppendResult | None:
    order = Order(command.order_id)
    order.place(command.customer_id)
    return await orders.save(order)

result = await bus.dispatch(PlaceOrder(order_id="42", customer_id="alice"))
result.aggregate_id, result.version, result.positions      # "42", 1, (17,)
```

The pipeline is built once (and again after `use`), so a dispatch costs one call per layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from mink_runtime.application._recording import start_recording, stop_recording
from mink_runtime.application.commands._defaults import default_middleware
from mink_runtime.application.commands._dispatch import CommandContext, Middleware, Next, _current
from mink_runtime.application.commands._handlers import (
    CommandHandlers,
    Handler,
    HandlerRegistration,
    call_handler,
)
from mink_runtime.application.commands._result import CommandResult, result_of
from mink_runtime.domain import uuid7

__all__ = ["CommandBus"]

F = TypeVar("F", bound=Callable[..., Any])


class CommandBus:
    """Runs each command through the middleware, then through its registered handler.

    `middleware` lists the layers outermost first; None gives `default_middleware()`: recovery,
    correlation, logging, validation, timeout and retry. `use()` adds layers innermost, around
    the handler (where idempotency belongs).
    """

    def __init__(
        self,
        *,
        middleware: Sequence[Middleware] | None = None,
        handlers: CommandHandlers | None = None,
    ) -> None:
        self.handlers = handlers if handlers is not None else CommandHandlers()
        """The registered handlers (share one `CommandHandlers` between buses if you like)."""
        self._middleware = list(default_middleware() if middleware is None else middleware)
        self._pipeline: Next | None = None

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        """The layers, outermost first."""
        return tuple(self._middleware)

    def use(self, *middleware: Middleware) -> None:
        """Add layers innermost (around the handler), in the order given."""
        self._middleware.extend(middleware)
        self._pipeline = None

    def register(
        self,
        command_type: type,
        handler: Handler,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> HandlerRegistration:
        """Make `handler` the handler of `command_type`; see `CommandHandlers.register`.

        Raises:
            ConfigurationError: the command type already has a handler, or a bad option.
        """
        return self.handlers.register(
            command_type, handler, name=name, retry_on_conflict=retry_on_conflict, timeout=timeout
        )

    @overload
    def handler(self, function: F, /) -> F: ...
    @overload
    def handler(
        self,
        command_type: type | None = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...
    def handler(
        self,
        target: Any = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Register the decorated function: `@bus.handler` or `@bus.handler(PlaceOrder, ...)`;
        see `CommandHandlers.handler`.

        Raises:
            ConfigurationError: as `register`, or the command type cannot be found.
        """
        return self.handlers.handler(
            target, name=name, retry_on_conflict=retry_on_conflict, timeout=timeout
        )

    async def dispatch(self, command: Any, *, idempotency_key: str | None = None) -> CommandResult:
        """Run `command` through the middleware and its handler; return what it did.

        `idempotency_key` (an `Idempotency-Key` header, say) makes a repeated dispatch return
        the first one's result, when the idempotency middleware is in the pipeline.

        Raises:
            UnknownCommandError: no handler is registered for the command's type.
            ValidationError: the command is invalid (the handler did not run).
            CommandError: the handler failed unexpectedly (the cause is chained).
            ConcurrencyError, StoreUnavailableError, …: what the handler raised, after the
                retries the retry middleware allowed.
        """
        registration = self.handlers.lookup(type(command))
        command_id = getattr(command, "command_id", None)
        context = CommandContext(
            str(uuid7()) if command_id is None else str(command_id),
            registration,
            idempotency_key=idempotency_key,
        )
        pipeline = self._pipeline or self._build()
        token = _current.set(context)
        try:
            return await pipeline(command, context)
        finally:
            _current.reset(token)

    def _build(self) -> Next:
        pipeline: Next = _run_handler
        for layer in reversed(self._middleware):
            pipeline = _wrap(layer, pipeline)
        self._pipeline = pipeline
        return pipeline


def _wrap(layer: Middleware, inner: Next) -> Next:
    return lambda command, context: layer(command, context, inner)


async def _run_handler(command: Any, context: CommandContext) -> CommandResult:
    """The core of the onion: the handler, and its return value made a `CommandResult`."""
    saves, token = start_recording()
    try:
        registration = context.registration
        if registration.is_async:
            value = await registration.handler(command)
        else:
            value = await call_handler(registration, command)
    finally:
        stop_recording(token)
    return result_of(value, context.command_id, saves)
