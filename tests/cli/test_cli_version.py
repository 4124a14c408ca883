"""The `mink` command: for now, its version and help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mink_runtime import __version__


def run_mink(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from mink_cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_version_prints_the_package_version() -> None:
    """`mink --version` prints the installed version and exits 0."""
    result = run_mink("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"mink {__version__}"


def test_version_does_not_import_typer() -> None:
    """The version answer stays fast: it imports neither Typer nor the runtime's adapters."""
    probe = (
        "import sys; sys.argv = ['mink', '--version']; from mink_cli.app import main; main(); "
        "print(sorted(m for m in ('typer', 'rich', 'psycopg', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_help_describes_the_tool() -> None:
    """`mink --help` says what mink is."""
    result = run_mink("--help")
    assert result.returncode == 0
    assert "event sourcing" in result.stdout.lower()


def test_version_reads_the_version_without_importing_the_runtime() -> None:
    """`mink --version` does not pay for importing mink_runtime and its adapters."""
    probe = (
        "import sys; sys.argv = ['mink', '--version']; from mink_cli.app import main; main(); "
        "print('mink_runtime' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    assert lines == [f"mink {__version__}", "False"]


@pytest.mark.parametrize("args", [["--help"], ["migrate", "--help"], ["generate", "event", "-h"]])
def test_help_loads_only_typer(args: list[str]) -> None:
    """`mink --help` stays fast: no runtime, rich, Alembic, SQLAlchemy, Jinja or drivers."""
    probe = (
        f"import sys; sys.argv = ['mink', *{args!r}]\n"
        "from mink_cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('mink_runtime', 'rich', 'alembic', 'sqlalchemy', 'jinja2', 'psycopg',"
        " 'asyncio')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
