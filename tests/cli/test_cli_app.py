"""The `mink` app as a whole: help with examples, global options, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Mink

from mink_cli.errors import (
    CheckFailedError,
    ExitCode,
    ProjectError,
    RefusedError,
    UsageError,
    exit_code_of,
)
from mink_runtime.errors import (
    ConfigurationError,
    SchemaNotReadyError,
    StoreUnavailableError,
    StreamNotFoundError,
)
from mink_runtime.migrations import REQUIRED_REVISION as HEAD


def test_help_has_examples_settings_and_exit_codes(mink: Mink) -> None:
    """`mink --help` shows examples, the settings precedence and every exit code."""
    result = mink("--help")
    assert result.exit_code == 0
    for text in ("Examples:", "mink init shop", "MINK_* environment", "4 database unreachable"):
        assert text in result.stdout


@pytest.mark.parametrize(
    "group", ["init", "generate", "migrate", "stream", "schema", "diagnose", "completion"]
)
def test_every_command_has_help(mink: Mink, group: str) -> None:
    """Each command answers -h."""
    result = mink(group, "-h")
    assert result.exit_code == 0
    assert "Usage: mink" in result.stdout


def test_an_unknown_command_is_exit_2(mink: Mink) -> None:
    """A typo in the command is a usage error."""
    assert mink("migrat").exit_code == 2


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("x"), ExitCode.USAGE),
        (ProjectError("x"), ExitCode.CONFIG),
        (ConfigurationError("x"), ExitCode.CONFIG),
        (SchemaNotReadyError("x"), ExitCode.CONFIG),
        (StoreUnavailableError("x"), ExitCode.UNREACHABLE),
        (RefusedError("x"), ExitCode.REFUSED),
        (CheckFailedError("x"), ExitCode.FAILED),
        (StreamNotFoundError("s"), ExitCode.FAILED),
    ],
)
def test_each_error_maps_to_its_documented_exit_code(error: Exception, code: ExitCode) -> None:
    """The exit codes of --help, error by error."""
    assert exit_code_of(error) is code


def test_an_error_with_json_is_also_a_json_document(mink: Mink, tmp_path: Path) -> None:
    """--json runs print one document even when they fail: the error and its exit code."""
    result = mink("-C", str(tmp_path), "--json", "migrate", "status")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["exit_code"] == 3
    assert "no database configured" in document["error"]


def test_debug_verbosity_shows_the_traceback(mink: Mink, tmp_path: Path) -> None:
    """-vv adds the traceback of a failure; without it there is none."""
    plain = mink("-C", str(tmp_path), "migrate", "status")
    assert "Traceback" not in plain.stderr
    debug = mink("-C", str(tmp_path), "-vv", "migrate", "status")
    assert "Traceback (most recent call last)" in debug.stderr


def test_project_option_runs_as_if_started_there(
    mink: Mink, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-C DIR finds the project from DIR, whatever the working folder."""
    monkeypatch.chdir(tmp_path)
    result = mink("-C", str(project), "schema", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["type"] == "account.Created"


def test_database_url_option_overrides_the_project(
    mink: Mink, project: Path, tmp_path: Path
) -> None:
    """--database-url beats mink.toml."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert mink("--database-url", url, "migrate", "up").exit_code == 0
    assert (tmp_path / "other.db").exists()
    assert not (project / "var" / "shop.db").exists()


def test_quiet_keeps_results_and_drops_notes(mink: Mink, project: Path) -> None:
    """-q silences stderr notes; results stay on stdout."""
    result = mink("-q", "migrate", "up")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert f"mink: (none) → {HEAD}" in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_prints_a_script_for_the_named_shell(mink: Mink, shell: str) -> None:
    """`mink completion SHELL` prints a script wired to _MINK_COMPLETE; nothing is installed."""
    result = mink("completion", shell)
    assert result.exit_code == 0
    assert "_MINK_COMPLETE" in result.stdout


def test_completion_of_an_unknown_shell_is_exit_2(mink: Mink) -> None:
    """Only the shells Typer completes."""
    assert mink("completion", "tcsh").exit_code == 2
