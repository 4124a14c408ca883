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


@pytest.mark.parametrize(
    "args",
    [["--help"], ["migrate", "--help"], ["generate", "event", "-h"], ["migrate", "up", "--help"]],
)
def test_help_loads_only_typer(args: list[str]) -> None:
    """`mink --help` stays fast: no runtime, rich, Alembic, SQLAlchemy, Jinja, drivers, nor
    the pydantic that Typer coerces parsed options with."""
    probe = (
        f"import sys; sys.argv = ['mink', *{args!r}]\n"
        "from mink_cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('mink_runtime', 'rich', 'alembic', 'sqlalchemy', 'jinja2', 'psycopg',"
        " 'asyncio', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def _command_paths() -> list[list[str]]:
    import typer.main

    from mink_cli.app import build_app

    paths: list[list[str]] = [[]]

    def walk(command: object, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*path, name])
            walk(sub, [*path, name])

    walk(typer.main.get_command(build_app()), [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "mink")
def test_fast_help_is_the_help_typer_prints(path: list[str]) -> None:
    """Help answered without parsing is, for every command, the text Typer prints."""
    from typer.testing import CliRunner

    from mink_cli._help import help_text
    from mink_cli.app import build_app

    app = build_app()
    runner = CliRunner()
    expected = runner.invoke(app, [*path, "--help"], prog_name="mink")
    assert expected.exit_code == 0
    with runner.isolation():  # the same terminal width as the runner's
        text = help_text(app, [*path, "--help"])
    assert text is not None
    assert f"{text}\n" == expected.stdout


@pytest.mark.parametrize(
    "argv",
    [[], ["migrate"], ["-q", "migrate", "--help"], ["nope", "--help"], ["init", "--force", "-h"]],
)
def test_anything_but_names_and_a_help_flag_goes_the_usual_way(argv: list[str]) -> None:
    """Global options, unknown names and arguments are for Typer to parse (and report)."""
    from mink_cli._help import help_text
    from mink_cli.app import build_app

    assert help_text(build_app(), argv) is None


def test_arguments_before_the_help_flag_still_give_the_commands_help() -> None:
    """`mink generate command Order.Ship --help` is the help Typer prints for it."""
    from typer.testing import CliRunner

    from mink_cli._help import help_text
    from mink_cli.app import build_app

    app = build_app()
    runner = CliRunner()
    argv = ["generate", "command", "Order.Ship", "carrier:str", "--help"]
    expected = runner.invoke(app, argv, prog_name="mink")
    with runner.isolation():
        text = help_text(app, argv)
    assert f"{text}\n" == expected.stdout
