"""Showing a scaffold plan, settling its conflicts on a terminal, and applying it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mink_cli.console import Console
    from mink_cli.scaffold import Plan

__all__ = ["DiffFlag", "DryRunFlag", "ForceFlag", "SkipFlag", "settle", "show_plan"]

DryRunFlag = Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing.")]
DiffFlag = Annotated[bool, typer.Option("--diff", help="Show what would change in existing files.")]
ForceFlag = Annotated[bool, typer.Option("--force", help="Overwrite files that differ.")]
SkipFlag = Annotated[bool, typer.Option("--skip", help="Keep files that differ.")]


def show_plan(console: Console, plan: Plan, *, diff: bool) -> None:
    """One line per file (identical ones only with -v), and the diffs when asked."""
    from mink_cli.scaffold import Verb

    for change in plan.changes:
        if change.verb is Verb.IDENTICAL and not console.verbose:
            continue
        console.result(f"{change.verb.value:>10}  {change.path}")
        if diff and change.verb in (Verb.CONFLICT, Verb.OVERWRITE, Verb.UPDATE, Verb.SKIP):
            console.diff(change.diff())
    if not any(c.verb.writes or c.verb is Verb.CONFLICT for c in plan.changes):
        console.note("nothing to do: every file is as it would be rendered")


def settle(console: Console, plan: Plan) -> Plan:
    """Ask, on a terminal, what to do with each conflict; elsewhere leave them (and applying
    then refuses with exit 5)."""
    from mink_cli.scaffold import Verb

    for change in plan.conflicts:
        if not console.interactive:
            break
        while True:
            answer = console.choose(
                f"{change.path} differs: overwrite, skip, or show the diff?",
                ["o", "s", "d"],
                default="s",
            )
            if answer == "d":
                console.diff(change.diff())
                continue
            plan = plan.resolve(change.path, Verb.OVERWRITE if answer == "o" else Verb.SKIP)
            break
    return plan
