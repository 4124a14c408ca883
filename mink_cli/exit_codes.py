"""The exit codes of `mink`, in a module of their own so that `mink --help` imports nothing more
to print them."""

from __future__ import annotations

import enum

__all__ = ["EXIT_CODES_HELP", "ExitCode"]


class ExitCode(enum.IntEnum):
    """What `mink` exits with."""

    OK = 0
    FAILED = 1
    """A check failed (findings, drift, incompatible schemas), or the operation failed."""
    USAGE = 2
    """Bad usage: an unknown command or option, a bad name, a bad field type."""
    CONFIG = 3
    """No project found, a bad setting, or a project (or database schema) not ready."""
    UNREACHABLE = 4
    """The database cannot be reached."""
    REFUSED = 5
    """Refused for safety: a conflicting file, or a destructive step not confirmed."""


EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 check failed (or the operation failed), 2 usage, "
    "3 project or configuration, 4 database unreachable, 5 refused for safety."
)
