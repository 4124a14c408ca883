"""`Recovery`: an unexpected exception of a handler becomes a `CommandError` that keeps it as
its cause, so callers catch one type (and `except MinkError` catches everything mink raises)."""

from __future__ import annotations

from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import CommandError, MinkError

__all__ = ["Recovery"]


class Recovery:
    """Turn exceptions that are neither mink's own nor listed in `expected` into `CommandError`.

    List your domain's exceptions (`Recovery(expected=(OrderError,))`) to let them through as
    they are; everything else (a `KeyError` from a bug, a driver error of a library the handler
    calls) arrives as `CommandError` with the original as `__cause__`.
    """

    def __init__(self, *, expected: tuple[type[BaseException], ...] = ()) -> None:
        self.expected = expected

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        try:
            return await call_next(command, context)
        except MinkError:
            raise
        except Exception as error:
            if isinstance(error, self.expected):
                raise
            raise CommandError(
                f"{context.command_type} {context.command_id} failed unexpectedly: "
                f"{type(error).__name__}: {error}",
                command_type=context.command_type,
            ) from error

    def __repr__(self) -> str:
        return f"Recovery(expected={self.expected!r})"
