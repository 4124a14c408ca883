"""One dispatch as middleware sees it: the `CommandContext`, and the `Middleware` protocol.

A middleware is an async callable `(command, context, call_next) -> CommandResult`; the bus
chains them into an onion around the handler, the first of its list outermost:

```python
async def audit(command: object, context: CommandContext, call_next: Next) -> CommandResult:
    result = await call_next(command, context)       # the inner layers, then the handler
    audit_log.append((context.command_type, context.command_id, result.version))
    return result
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mink_runtime.application.commands._handlers import HandlerRegistration
    from mink_runtime.application.commands._result import CommandResult

__all__ = ["CommandContext", "Middleware", "Next", "current_command"]

Next = Callable[[Any, "CommandContext"], Awaitable["CommandResult"]]
"""The rest of the pipeline: `await call_next(command, context)`."""


class Middleware(Protocol):
    """A layer of the pipeline around a handler (see the module docstring)."""

    def __call__(
        self, command: Any, context: CommandContext, call_next: Next, /
    ) -> Awaitable[CommandResult]: ...


class CommandContext:
    """What the pipeline knows of one dispatch; middleware may read it, and add to `items`."""

    __slots__ = (
        "attempt",
        "causation_id",
        "command_id",
        "idempotency_key",
        "in_transaction",
        "items",
        "registration",
    )

    def __init__(
        self,
        command_id: str,
        registration: HandlerRegistration,
        *,
        idempotency_key: str | None = None,
    ) -> None:
        self.command_id = command_id
        """The command's `command_id`, or an id drawn for this dispatch (a UUIDv7)."""
        self.registration = registration
        """The handler that will run, with its options."""
        self.idempotency_key = idempotency_key
        """The key given to `dispatch(..., idempotency_key=...)`, if any."""
        self.causation_id: str | None = None
        """What caused the command (the event or command being handled when it was
        dispatched), as the correlation middleware found it."""
        self.attempt = 1
        """1 for the first run of the handler; the retry middleware counts up."""
        self.in_transaction = False
        """True while the idempotency middleware holds a store transaction open around the
        handler (a failed statement then ends the transaction on PostgreSQL: retry it whole)."""
        self.items: dict[str, Any] = {}
        """Free for your middleware to pass things along."""

    @property
    def command_type(self) -> str:
        """The command's registered name (its class name by default)."""
        return self.registration.name

    def __repr__(self) -> str:
        return f"<CommandContext {self.command_type} {self.command_id} attempt {self.attempt}>"


_current: ContextVar[CommandContext | None] = ContextVar("mink_command", default=None)


def current_command() -> CommandContext | None:
    """The dispatch whose handler is running here, or None outside one."""
    return _current.get()
