"""`mink init`: a new project, planned and then written."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cli_support import Mink

from mink_cli.ops.project import load_registry
from mink_cli.settings import load_settings


def test_init_creates_a_project_with_domain_tests_and_migrations(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project has its package, example aggregate, tests, Alembic folder and settings."""
    monkeypatch.chdir(tmp_path)
    result = mink("init", "shop")
    assert result.exit_code == 0, result.stderr
    root = tmp_path / "shop"
    for path in (
        "pyproject.toml",
        "mink.toml",
        "README.md",
        ".gitignore",
        ".mink-answers.toml",
        "shop/domain/__init__.py",
        "shop/domain/account/aggregate.py",
        "shop/commands/__init__.py",
        "shop/projections/__init__.py",
        "migrations/env.py",
        "migrations/script.py.mako",
        "tests/test_account.py",
    ):
        assert (root / path).is_file(), path
    assert "create  shop/domain/account/aggregate.py" in result.stdout
    assert "mink migrate up" in result.stderr


def test_init_shows_the_command_side_working(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example Account comes with CreateAccount and RenameAccount, their handlers listed
    for the project's bus, and their given/when/then tests."""
    monkeypatch.chdir(tmp_path)
    assert mink("init", "shop").exit_code == 0
    root = tmp_path / "shop"
    for path in (
        "shop/commands/create_account.py",
        "shop/commands/rename_account.py",
        "shop/domain/account/events/renamed.py",
        "tests/test_create_account.py",
        "tests/test_rename_account.py",
    ):
        assert (root / path).is_file(), path
    commands = (root / "shop/commands/__init__.py").read_text()
    assert "    create_account.register,\n    rename_account.register,\n]" in commands
    assert "def bus(store: EventStore) -> CommandBus:" in commands
    aggregate = (root / "shop/domain/account/aggregate.py").read_text()
    assert "    def rename(" in aggregate
    assert "    def _renamed(self, event: Renamed) -> None:\n        self.owner = event.owner" in (
        aggregate
    )


def test_init_points_the_project_at_an_embedded_sqlite_store(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mink.toml names a SQLite file inside the project and the project's registry."""
    monkeypatch.chdir(tmp_path)
    mink("init", "shop")
    settings = load_settings(project=tmp_path / "shop", environ={})
    assert settings.database_url == f"sqlite:///{(tmp_path / 'shop' / 'var' / 'shop.db').resolve()}"
    assert [e.name for e in load_registry(settings)] == ["account.Created", "account.Renamed"]


def test_init_with_a_database_url_keeps_it_in_dotenv(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A given URL goes to .env (ignored by git), never into mink.toml."""
    monkeypatch.chdir(tmp_path)
    url = "postgresql://app:pw-42@db.example/shop"
    result = mink("init", "shop", "--database-url", url)
    assert result.exit_code == 0, result.stderr
    root = tmp_path / "shop"
    assert (root / ".env").read_text() == f"MINK_DATABASE_URL={url}\n"
    assert "pw-42" not in (root / "mink.toml").read_text()
    assert ".env" in (root / ".gitignore").read_text().splitlines()
    assert load_settings(project=root, environ={}).get("database_url") == url


def test_dry_run_prints_the_plan_and_writes_nothing(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--dry-run lists each file with its verb and creates no folder."""
    monkeypatch.chdir(tmp_path)
    result = mink("init", "shop", "--dry-run")
    assert result.exit_code == 0
    assert "create  mink.toml" in result.stdout
    assert not (tmp_path / "shop").exists()


def test_a_non_empty_target_is_refused_without_force(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder with files is refused (exit 5), naming --force; nothing is written."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    result = mink("init", "shop")
    assert result.exit_code == 5
    assert "not empty (notes.txt)" in result.stderr
    assert "--force" in result.stderr
    assert not (tmp_path / "shop" / "mink.toml").exists()
    forced = mink("init", "shop", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert (tmp_path / "shop" / "notes.txt").read_text() == "mine"


def test_init_dot_works_in_an_empty_folder(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mink init .` names the project after the folder; a .git folder does not count."""
    root = tmp_path / "my-app"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    result = mink("init", ".")
    assert result.exit_code == 0, result.stderr
    assert (root / "my_app" / "domain" / "__init__.py").is_file()
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "my-app"


def test_the_answers_file_records_what_init_was_asked(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """.mink-answers.toml holds the project's name, package and choices."""
    monkeypatch.chdir(tmp_path)
    mink("init", "shop", "--no-example")
    answers = tomllib.loads((tmp_path / "shop" / ".mink-answers.toml").read_text())
    assert answers["project"] == {
        "name": "shop",
        "package": "shop",
        "database": "sqlite",
        "example": False,
    }
    assert not (tmp_path / "shop" / "shop" / "domain" / "account").exists()


@pytest.mark.parametrize("name", ["1shop", "mink_runtime", "class"])
def test_a_name_that_cannot_be_a_package_is_a_usage_error(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The project's package must be importable and not shadow mink or Python."""
    monkeypatch.chdir(tmp_path)
    result = mink("init", name)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_bad_database_url_is_a_usage_error(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only postgresql:// and sqlite:// URLs make a project."""
    monkeypatch.chdir(tmp_path)
    result = mink("init", "shop", "--database-url", "mysql://db/app")
    assert result.exit_code == 2
    assert "unsupported database URL" in result.stderr
