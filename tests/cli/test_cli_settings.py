"""Settings: precedence, the project's files, passwords kept out of committed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mink_cli.errors import ProjectError
from mink_cli.settings import find_project, load_settings, read_dotenv, write_config_value


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_apply_without_a_project(tmp_path: Path) -> None:
    """Outside a project the defaults hold, and there is no database."""
    settings = load_settings(project=tmp_path, environ={})
    assert settings.project_dir is None
    assert settings.schema == "mink"
    assert settings.sources["schema"] == "default"
    with pytest.raises(ProjectError, match="no database configured"):
        _ = settings.database_url


def test_the_project_is_found_from_a_subfolder(tmp_path: Path) -> None:
    """mink.toml in a parent folder makes that folder the project."""
    write(tmp_path / "mink.toml", 'schema = "shop"\n')
    (tmp_path / "src" / "deep").mkdir(parents=True)
    assert find_project(tmp_path / "src" / "deep") == (tmp_path, tmp_path / "mink.toml")


def test_pyproject_tool_mink_is_a_project(tmp_path: Path) -> None:
    """[tool.mink] in pyproject.toml holds the settings when there is no mink.toml."""
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.mink]\nschema = "app"\n')
    settings = load_settings(project=tmp_path, environ={})
    assert settings.schema == "app"
    assert settings.sources["schema"] == "pyproject.toml"


def test_flag_beats_environment_beats_dotenv_beats_file(tmp_path: Path) -> None:
    """Each layer overrides the ones below it, and says where a value came from."""
    write(tmp_path / "mink.toml", 'database_url = "sqlite:///from-file.db"\nschema = "f"\n')
    write(tmp_path / ".env", "MINK_DATABASE_URL=sqlite:///from-dotenv.db\nMINK_SCHEMA=d\n")
    environ = {"MINK_SCHEMA": "e"}
    settings = load_settings(project=tmp_path, environ=environ)
    assert settings.get("database_url") == "sqlite:///from-dotenv.db"
    assert (settings.schema, settings.sources["schema"]) == ("e", "MINK_SCHEMA")
    flagged = load_settings(project=tmp_path, environ=environ, database_url="sqlite:///flag.db")
    assert flagged.sources["database_url"] == "--database-url"


def test_relative_sqlite_paths_resolve_against_the_project(tmp_path: Path) -> None:
    """sqlite:///var/app.db means the project's var/app.db, wherever mink runs from."""
    write(tmp_path / "mink.toml", 'database_url = "sqlite:///var/app.db"\n')
    settings = load_settings(project=tmp_path, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'var' / 'app.db'}"


def test_a_password_in_a_config_file_is_refused(tmp_path: Path) -> None:
    """Config files are committed, so a URL with a password is sent to .env instead."""
    write(tmp_path / "mink.toml", 'database_url = "postgresql://u:hunter2@db/app"\n')
    with pytest.raises(ProjectError, match="MINK_DATABASE_URL") as raised:
        load_settings(project=tmp_path, environ={})
    assert "hunter2" not in str(raised.value)


def test_shown_urls_are_redacted(tmp_path: Path) -> None:
    """The URL as printed hides the password."""
    settings = load_settings(
        project=tmp_path, environ={"MINK_DATABASE_URL": "postgresql://u:hunter2@db/app"}
    )
    assert settings.shown_url == "postgresql://u:***@db/app"


def test_an_unknown_setting_names_the_known_ones(tmp_path: Path) -> None:
    """A typo in mink.toml is reported with the list of settings."""
    write(tmp_path / "mink.toml", 'registy = "x:y"\n')
    with pytest.raises(ProjectError, match=r"registy.*the settings are"):
        load_settings(project=tmp_path, environ={})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('schema = "Bad-Name"\n', "schema name"),
        ('database_url = "mysql://db/app"\n', "unsupported database URL"),
        ('compatibility = "sideways"\n', "compatibility"),
    ],
)
def test_bad_values_are_project_errors(tmp_path: Path, text: str, match: str) -> None:
    """A bad schema, URL or compatibility mode is reported with where it came from."""
    write(tmp_path / "mink.toml", text)
    with pytest.raises(ProjectError, match=match):
        load_settings(project=tmp_path, environ={})


def test_invalid_toml_is_a_project_error(tmp_path: Path) -> None:
    """A broken mink.toml is named, not a traceback."""
    write(tmp_path / "mink.toml", "schema = \n")
    with pytest.raises(ProjectError, match="not valid TOML"):
        load_settings(project=tmp_path, environ={})


def test_a_missing_project_folder_is_a_project_error(tmp_path: Path) -> None:
    """-C to a folder that does not exist is reported as such."""
    with pytest.raises(ProjectError, match="no such folder"):
        load_settings(project=tmp_path / "nope", environ={})


def test_dotenv_reads_quotes_comments_and_export(tmp_path: Path) -> None:
    """.env lines may be quoted, exported, commented."""
    path = write(
        tmp_path / ".env",
        "# comment\nexport A=1\nB='two words'\nC=\"x\" \nD=plain # trailing\n\nnot a line\n",
    )
    assert read_dotenv(path) == {"A": "1", "B": "two words", "C": "x", "D": "plain"}


def test_editing_a_setting_keeps_comments_and_order(tmp_path: Path) -> None:
    """tomlkit edits one key and leaves the user's comments and layout alone."""
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"  # the name\n\n[tool.mink]\n# our schema\nschema = "a"\n',
    )
    write_config_value(path, "schema", "b")
    write_config_value(path, "registry", "x.domain:registry")
    text = path.read_text()
    assert "# the name" in text
    assert '# our schema\nschema = "b"' in text
    assert 'registry = "x.domain:registry"' in text


def test_editing_refuses_a_password(tmp_path: Path) -> None:
    """write_config_value never writes a password into a committed file."""
    with pytest.raises(ProjectError):
        write_config_value(tmp_path / "mink.toml", "database_url", "postgresql://u:pw@h/d")
    assert not (tmp_path / "mink.toml").exists()
