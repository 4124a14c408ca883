"""`mink ... --help`, answered without parsing the command line.

Typer coerces every parsed option through a pydantic `TypeAdapter`, built on first use, and
parsing `mink migrate --help` processes the root group's options (their defaults too): that
import alone costs more than the rest of the answer. Help needs no option values, so a command
line of subcommand names (and a command's arguments) ending in `-h`/`--help` is answered
here, from the same click commands and context settings, with the same text. Anything else (a
global option, an unknown name) goes the usual way, which reports errors as it always does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["HELP_FLAGS", "help_text"]

HELP_FLAGS = frozenset({"-h", "--help"})


def help_text(app: typer.Typer, argv: Sequence[str], *, prog_name: str = "mink") -> str | None:
    """The help of the command `argv` names (`["migrate", "up", "--help"]`), or None when
    `argv` is not subcommand names (then, perhaps, a command's arguments) followed by a help
    flag."""
    if not argv or argv[-1] not in HELP_FLAGS:
        return None
    import typer.main

    command: Any = typer.main.get_command(app)
    context = _context(command, prog_name, parent=None)
    for token in argv[:-1]:
        if token.startswith("-"):
            return None
        lookup = getattr(command, "get_command", None)
        if lookup is None:
            continue  # a command's argument: its eager --help answers before arguments count
        found = lookup(context, token)
        if found is None:
            return None
        command = found
        context = _context(command, token, parent=context)
    text: str = command.get_help(context)
    return text


def _context(command: Any, name: str, *, parent: Any) -> Any:
    return command.context_class(command, info_name=name, parent=parent, **command.context_settings)
