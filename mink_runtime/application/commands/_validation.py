"""`Validation`: refuse an invalid command before anything touches the store.

A command is checked by its own `validate()` method, if it has one, and, if it is a pydantic
model, by pydantic again (a model built with `model_construct`, or changed after it was built,
may no longer be valid). Every problem found is listed in one `ValidationError`; the handler
is not called.

`validate()` may return the problems (strings; nothing, or an empty list, when valid), or raise
`ValidationError` itself, or raise `ValueError` / `TypeError` for a single problem.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import ValidationError

__all__ = ["Validation", "problems_of"]


class Validation:
    """Raise `ValidationError` listing every problem of an invalid command."""

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        problems = problems_of(command)
        if problems:
            raise ValidationError(context.command_type, problems)
        return await call_next(command, context)

    def __repr__(self) -> str:
        return "Validation()"


def problems_of(command: Any) -> tuple[str, ...]:
    """Every problem `validate()` and pydantic find with a command (empty when it is valid)."""
    problems: list[str] = []
    validate = _own_validate(command)
    if validate is not None:
        try:
            found = validate()
        except ValidationError as error:
            problems.extend(error.problems)
        except (ValueError, TypeError) as error:
            problems.append(str(error))
        else:
            problems.extend(_as_problems(found))
    problems.extend(_pydantic_problems(command))
    return tuple(dict.fromkeys(problems))  # in order, once each


def _as_problems(found: object) -> list[str]:
    if found is None or found is True:
        return []
    if isinstance(found, str):
        return [found]
    if isinstance(found, Iterable):
        return [str(problem) for problem in found]
    return []


def _pydantic_problems(command: Any) -> list[str]:
    pydantic = sys.modules.get("pydantic")  # only a command of a loaded pydantic can be one
    if pydantic is None or not isinstance(command, pydantic.BaseModel):
        return []
    try:
        type(command).model_validate(command.model_dump(round_trip=True))
    except pydantic.ValidationError as error:
        return [
            f"{'.'.join(str(part) for part in item['loc']) or '(command)'}: {item['msg']}"
            for item in error.errors()
        ]
    return []


_has_own_validate: dict[type, bool] = {}


def _own_validate(command: Any) -> Any:
    """The command's `validate` method, unless it is pydantic's own (a deprecated classmethod
    that takes a value)."""
    kind = type(command)
    found = _has_own_validate.get(kind)
    if found is None:
        found = False
        for klass in kind.__mro__:
            if "validate" in vars(klass):
                found = klass.__module__.partition(".")[0] != "pydantic"
                break
        _has_own_validate[kind] = found
    if not found:
        return None
    method = getattr(command, "validate")  # noqa: B009 - found by name above
    return method if callable(method) else None
