"""The CLI's errors and its exit codes.

The CLI's errors hang in mink's one error tree (`mink_runtime.errors`), under `MinkError`:

```
MinkError
└── CLIError                 a user-facing failure of a `mink` command, with its exit code
    ├── UsageError           bad input: an unknown kind, a bad name or field type        (2)
    ├── ProjectError         no project here, a bad setting, a project that fails to load (3)
    ├── RefusedError         refused for safety: a conflict, a destructive step unconfirmed (5)
    └── CheckFailedError     a check found problems                                      (1)
```

`exit_code_of` maps every error a command may meet, the runtime's included, to a documented
exit code: the database being unreachable is 4, a bad runtime setting 3.
"""

from __future__ import annotations

from mink_cli.exit_codes import EXIT_CODES_HELP, ExitCode
from mink_runtime.errors import (
    ConfigurationError,
    MinkError,
    SchemaNotReadyError,
    StoreUnavailableError,
)

__all__ = [
    "EXIT_CODES_HELP",
    "CLIError",
    "CheckFailedError",
    "ExitCode",
    "ProjectError",
    "RefusedError",
    "UsageError",
    "exit_code_of",
]


class CLIError(MinkError):
    """A `mink` command failed in a way the user can act on; the message says how."""

    exit_code = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        """A command (or step) that gets the user past this, when there is one."""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}; {self.hint}" if self.hint else text


class UsageError(CLIError):
    """The command line asks for something that cannot be: fix the arguments."""

    exit_code = ExitCode.USAGE


class ProjectError(CLIError):
    """No project, a bad setting, or a project that cannot be loaded."""

    exit_code = ExitCode.CONFIG


class RefusedError(CLIError):
    """Refused for safety; the message names the flag that allows it."""

    exit_code = ExitCode.REFUSED


class CheckFailedError(CLIError):
    """A check found problems (already reported); the command exits 1."""

    exit_code = ExitCode.FAILED


def exit_code_of(error: BaseException) -> ExitCode:
    """The exit code for an error a command raised."""
    if isinstance(error, CLIError):
        return error.exit_code
    if isinstance(error, StoreUnavailableError):
        return ExitCode.UNREACHABLE
    if isinstance(error, ConfigurationError | SchemaNotReadyError):
        return ExitCode.CONFIG
    return ExitCode.FAILED
