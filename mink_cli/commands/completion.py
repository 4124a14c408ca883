"""`mink completion SHELL`: the completion script for a shell you name (nothing installed)."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

__all__ = ["register"]


class Shell(enum.StrEnum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"
    POWERSHELL = "powershell"


def completion(shell: Annotated[Shell, typer.Argument(help="The shell to complete for.")]) -> None:
    """Print the shell completion script for SHELL; install it yourself.

    \b
    Examples:
      mink completion bash >> ~/.bashrc
      mink completion zsh > "${fpath[1]}/_mink"
      mink completion fish > ~/.config/fish/completions/mink.fish
    """
    from typer._completion_shared import get_completion_script

    typer.echo(
        get_completion_script(prog_name="mink", complete_var="_MINK_COMPLETE", shell=shell.value)
    )


def register(app: typer.Typer) -> None:
    """Add `mink completion` to the app."""
    app.command("completion")(completion)
