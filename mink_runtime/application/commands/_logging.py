"""`Logging`: one structured log record per dispatch, through the standard `logging` module.

Records go to the logger `mink.commands` (or yours). Their `extra` fields — `command`,
`command_id`, `correlation_id`, `causation_id`, `tenant_id`, `user_id`, `outcome`,
`duration_ms`, `attempts`, and for a success `stream_id` and `version` — become attributes of
the `LogRecord`, which JSON formatters (python-json-logger, structlog's stdlib bridge) emit as
fields. Successes log at INFO, rejected commands (invalid, conflicting) at WARNING, failures
at ERROR with the traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._outcome import outcome_of, outcome_of_error
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.domain import current_context
from mink_runtime.errors import MinkError

__all__ = ["Logging"]


class Logging:
    """Log each dispatch: what, on whose behalf, how it ended and how long it took."""

    def __init__(self, logger: logging.Logger | None = None, *, level: int = logging.INFO) -> None:
        self.logger = logger if logger is not None else logging.getLogger("mink.commands")
        self.level = level
        """The level of successful dispatches."""

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        logger = self.logger
        if not logger.isEnabledFor(logging.ERROR):
            return await call_next(command, context)
        start = time.perf_counter()
        try:
            result = await call_next(command, context)
        except (Exception, asyncio.CancelledError) as error:
            outcome = outcome_of_error(error)
            if outcome == "failed":
                level, trace = logging.ERROR, not isinstance(error, MinkError)
            else:
                level, trace = logging.WARNING, False
            if logger.isEnabledFor(level):
                fields = self._fields(context, outcome, start)
                fields["error"] = f"{type(error).__name__}: {error}"
                logger.log(
                    level,
                    "command %s %s: %s in %.1f ms",
                    context.command_type,
                    outcome,
                    fields["error"],
                    fields["duration_ms"],
                    extra=fields,
                    exc_info=error if trace else None,
                )
            raise
        if logger.isEnabledFor(self.level):
            fields = self._fields(context, outcome_of(result), start)
            fields["stream_id"] = result.stream_id
            fields["version"] = result.version
            logger.log(
                self.level,
                "command %s %s in %.1f ms",
                context.command_type,
                fields["outcome"],
                fields["duration_ms"],
                extra=fields,
            )
        return result

    @staticmethod
    def _fields(context: CommandContext, outcome: str, start: float) -> dict[str, Any]:
        message = current_context()
        return {
            "command": context.command_type,
            "command_id": context.command_id,
            "correlation_id": message.correlation_id,
            "causation_id": context.causation_id,
            "tenant_id": message.tenant_id,
            "user_id": message.user_id,
            "outcome": outcome,
            "duration_ms": round((time.perf_counter() - start) * 1000, 3),
            "attempts": context.attempt,
        }

    def __repr__(self) -> str:
        return f"Logging({self.logger.name!r}, level={logging.getLevelName(self.level)})"
