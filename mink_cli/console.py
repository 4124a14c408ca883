"""The terminal: the only module that imports rich.

Results go to stdout, everything else (progress, notes, warnings, errors) to stderr. With
`--json` a command prints exactly one JSON document on stdout; stream commands print JSON Lines
when stdout is not a terminal. Text from users and databases is never read as rich markup.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

import orjson
from rich.console import Console as RichConsole
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.syntax import Syntax
from rich.table import Table

from mink_runtime.domain import to_primitive

__all__ = ["Console", "dumps"]


def dumps(document: Any, *, indent: bool = True) -> str:
    """A JSON text of `document` (dataclasses, datetimes, UUIDs… as JSON values)."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(to_primitive(document), option=option | orjson.OPT_NON_STR_KEYS).decode()


class Console:
    """Where a command writes: results, JSON, tables, notes, errors, prompts, progress."""

    def __init__(
        self,
        *,
        json: bool = False,
        quiet: bool = False,
        verbose: int = 0,
        color: bool = True,
        interactive: bool | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json = json
        self.quiet = quiet
        self.verbose = verbose
        out = stdout if stdout is not None else sys.stdout
        err = stderr if stderr is not None else sys.stderr
        no_color = not color or bool(os.environ.get("NO_COLOR"))
        self._out = RichConsole(file=out, no_color=no_color, highlight=False, soft_wrap=True)
        self._err = RichConsole(file=err, no_color=no_color, highlight=False, soft_wrap=True)
        self.stdout_is_tty = _is_tty(out)
        if interactive is None:
            interactive = _is_tty(sys.stdin) and _is_tty(err) and not os.environ.get("CI")
        self.interactive = interactive
        """Whether prompts may be shown: a terminal on stdin, not `--no-input`, not CI."""
        self._printed_json = False

    # --- stdout ----------------------------------------------------------------------------

    def result(self, text: str = "") -> None:
        """A line of the result (suppressed with `--json`, which prints a document instead)."""
        if not self.json:
            self._out.print(text, markup=False)

    def document(self, document: Any) -> None:
        """The one JSON document of a `--json` run."""
        if self._printed_json:
            raise RuntimeError("a --json run prints one document")  # a bug in the command
        self._printed_json = True
        self._out.file.write(dumps(document) + "\n")
        self._out.file.flush()

    def emit(self, document: Any) -> None:
        """The JSON document of a `--json` run; nothing otherwise."""
        if self.json:
            self.document(document)

    def json_line(self, record: Any) -> None:
        """One record of a JSON Lines stream."""
        self._out.file.write(dumps(record, indent=False) + "\n")
        self._out.file.flush()

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        title: str | None = None,
    ) -> None:
        """A table on stdout (nothing with `--json`)."""
        if self.json:
            return
        table = Table(title=title, title_justify="left", header_style="bold", box=None)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(escape("" if cell is None else str(cell)) for cell in row))
        self._out.print(table)

    def diff(self, text: str) -> None:
        """A unified diff, coloured on a terminal."""
        if self.json or not text:
            return
        if self._out.is_terminal and not self._out.no_color:
            self._out.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
        else:
            self._out.file.write(text if text.endswith("\n") else text + "\n")

    # --- stderr ----------------------------------------------------------------------------

    def note(self, text: str) -> None:
        """Progress and explanations on stderr (silenced by `-q`)."""
        if not self.quiet:
            self._err.print(text, markup=False)

    def detail(self, text: str) -> None:
        """What `-v` shows."""
        if self.verbose and not self.quiet:
            self._err.print(text, markup=False, style="dim")

    def warn(self, text: str) -> None:
        """A warning on stderr (shown even with `-q`)."""
        self._err.print(f"warning: {text}", markup=False, style="yellow")

    def error(self, text: str) -> None:
        """The one error line of a failed command."""
        self._err.print(f"error: {text}", markup=False, style="red")

    def traceback(self, error: BaseException) -> None:
        """The traceback of an error, without local variables (they may hold passwords)."""
        import traceback

        self._err.file.write("".join(traceback.format_exception(error)))

    # --- prompts and progress --------------------------------------------------------------

    def confirm(self, question: str, *, default: bool = False) -> bool:
        """Ask a yes/no question on the terminal; without one, the answer is `default`."""
        if not self.interactive:
            return default
        from rich.prompt import Confirm

        return Confirm.ask(escape(question), default=default, console=self._err)

    def choose(self, question: str, choices: Sequence[str], *, default: str) -> str:
        """Ask for one of `choices` on the terminal; without one, the answer is `default`."""
        if not self.interactive:
            return default
        from rich.prompt import Prompt

        answer: str = Prompt.ask(
            escape(question), choices=list(choices), default=default, console=self._err
        )
        return answer

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator[Any]:
        """A progress bar on stderr (only on a terminal); `advance(n)` or `update(done, total)`
        moves it. Notes printed meanwhile appear above it."""
        if self.quiet or not self._err.is_terminal:
            yield _NoProgress()
            return
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self._err, transient=True) as bar:
            task = bar.add_task(escape(description), total=total)
            yield _Advance(bar, task)


class _NoProgress:
    def advance(self, amount: int = 1) -> None:
        """Nothing to show."""

    def update(self, done: int, total: int | None = None) -> None:
        """Nothing to show."""


class _Advance:
    def __init__(self, bar: Progress, task: Any) -> None:
        self._bar, self._task = bar, task

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._task, amount)

    def update(self, done: int, total: int | None = None) -> None:
        """Show `done` of `total`."""
        self._bar.update(self._task, completed=done, total=total)


def _is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
