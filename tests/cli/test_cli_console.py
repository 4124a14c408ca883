"""The console: results on stdout, notes and errors on stderr, one JSON document at most."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from mink_cli.console import Console, dumps


def console(**options: bool) -> tuple[Console, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Console(stdout=out, stderr=err, color=False, **options), out, err


def test_results_go_to_stdout_and_notes_to_stderr() -> None:
    """A result is stdout; notes, warnings and errors are stderr."""
    c, out, err = console()
    c.result("answer")
    c.note("working")
    c.warn("careful")
    c.error("broken")
    assert out.getvalue() == "answer\n"
    assert err.getvalue() == "working\nwarning: careful\nerror: broken\n"


def test_quiet_drops_notes_but_not_warnings_or_errors() -> None:
    """-q keeps what the user must see."""
    c, _, err = console(quiet=True)
    c.note("working")
    c.error("broken")
    assert err.getvalue() == "error: broken\n"


def test_json_mode_prints_one_document_and_no_text() -> None:
    """Text results are suppressed; a second document is a bug."""
    c, out, _ = console(json=True)
    c.result("hidden")
    c.table(["a"], [["1"]])
    c.document({"a": 1})
    assert json.loads(out.getvalue()) == {"a": 1}
    with pytest.raises(RuntimeError):
        c.document({"b": 2})


def test_tables_render_user_text_literally() -> None:
    """Cells holding rich markup are shown as typed, not interpreted."""
    c, out, _ = console()
    c.table(["name", "data"], [["[bold]x[/bold]", None]])
    assert "[bold]x[/bold]" in out.getvalue()


def test_prompts_answer_the_default_without_a_terminal() -> None:
    """Without a terminal confirm() and choose() never wait for input."""
    c, _, _ = console(interactive=False)
    assert c.confirm("drop?") is False
    assert c.choose("which?", ["o", "s"], default="s") == "s"


def test_json_lines_and_documents_hold_json_values() -> None:
    """Dataclasses, datetimes and UUIDs become JSON values."""

    @dataclass
    class Row:
        at: datetime
        id: uuid.UUID

    row = Row(datetime(2026, 1, 1, tzinfo=UTC), uuid.UUID(int=1))
    assert json.loads(dumps(row, indent=False)) == {
        "at": "2026-01-01T00:00:00+00:00",
        "id": "00000000-0000-0000-0000-000000000001",
    }
