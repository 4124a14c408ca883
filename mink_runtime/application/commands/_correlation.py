"""`Correlation`: the message context the handler runs in — correlation, causation, tenant, user.

Every event the handler records then carries them in its metadata (the codec fills them in):

- correlation: the one in force when the command was dispatched (a web request's, or the event's
  a saga handles inside `causation_from(event)`), else the command's own `correlation_id`
  attribute, else the command's id: a new correlation starts;
- causation: the command's id; what caused the command itself (the event handled when it was
  dispatched, or the command whose handler dispatched it) goes into the events' `extra` as
  `command_causation_id`, so the chain can be followed back;
- tenant and user: those in force, else the command's `tenant_id` / `user_id` attributes (or
  what the `tenant_of` / `user_of` functions given here return).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.domain import (
    MessageContext,
    current_context,
    reset_message_context,
    set_message_context,
)

__all__ = ["COMMAND_CAUSATION", "Correlation"]

COMMAND_CAUSATION = "command_causation_id"
"""The `Metadata.extra` key holding what caused the command that recorded an event."""


def _attribute(name: str) -> Callable[[Any], str | None]:
    def read(command: Any) -> str | None:
        value = getattr(command, name, None)
        return None if value is None else str(value)

    return read


_correlation_of = _attribute("correlation_id")
_tenant_of = _attribute("tenant_id")
_user_of = _attribute("user_id")


class Correlation:
    """Set the message context around the handler; see the module docstring."""

    def __init__(
        self,
        *,
        tenant_of: Callable[[Any], str | None] = _tenant_of,
        user_of: Callable[[Any], str | None] = _user_of,
    ) -> None:
        self.tenant_of = tenant_of
        self.user_of = user_of

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        outer = current_context()
        caused_by = context.causation_id = outer.causation_id
        headers = outer.headers
        if caused_by is not None:
            headers = MappingProxyType({**headers, COMMAND_CAUSATION: caused_by})
        token = set_message_context(
            MessageContext(
                correlation_id=outer.correlation_id
                or _correlation_of(command)
                or context.command_id,
                causation_id=context.command_id,
                tenant_id=outer.tenant_id or self.tenant_of(command),
                user_id=outer.user_id or self.user_of(command),
                headers=headers,
            )
        )
        try:
            return await call_next(command, context)
        finally:
            reset_message_context(token)

    def __repr__(self) -> str:
        return "Correlation()"
