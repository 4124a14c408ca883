"""docs/cli.md is the reference generated from the app, and stays so."""

from __future__ import annotations

from pathlib import Path

from mink_cli.reference import render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_committed_reference_matches_the_app() -> None:
    """Regenerate it with `python -m mink_cli.reference > docs/cli.md` when this fails."""
    assert PAGE.read_text() == render()


def test_the_reference_covers_every_command() -> None:
    """Each group and command has its section."""
    text = render()
    for heading in (
        "## `mink`",
        "### `mink init`",
        "#### `mink generate aggregate`",
        "#### `mink generate event`",
        "#### `mink migrate up`",
        "#### `mink migrate down`",
        "#### `mink stream tail`",
        "#### `mink schema check`",
        "### `mink diagnose`",
        "### `mink completion`",
    ):
        assert heading in text
