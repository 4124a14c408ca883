"""Settings: where the project is, which database, and how each value was chosen.

Precedence, highest first: a command-line flag, a `MINK_*` environment variable, the project's
`.env` file, `mink.toml` (or `[tool.mink]` in pyproject.toml), the defaults. The project is
the nearest folder, from the working directory (or `-C DIR`) upwards, holding a `mink.toml` or
a pyproject.toml with a `[tool.mink]` table.

Configuration files are read and edited with tomlkit, so a user's comments and formatting
survive an edit. A database URL with a password is never accepted from a configuration file
(they are committed); keep it in `MINK_DATABASE_URL` or `.env`. Every URL shown is redacted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mink_cli.errors import ProjectError
from mink_runtime.errors import ConfigurationError
from mink_runtime.migrations import DEFAULT_SCHEMA, validate_schema_name
from mink_runtime.urls import backend_of, redact_url

__all__ = [
    "CONFIG_FILE",
    "KEYS",
    "Settings",
    "find_project",
    "load_settings",
    "read_config",
    "read_dotenv",
    "write_config_value",
]

CONFIG_FILE = "mink.toml"

KEYS: Mapping[str, str] = {
    "database_url": "the event store: sqlite:///relative/or/absolute.db or postgresql://…",
    "schema": "the schema (SQLite: table prefix) of mink's tables",
    "package": "the project's Python package",
    "registry": "where the event registry lives, module:attribute",
    "projections": "the function `projections(store)` listing the project's projections, "
    "module:attribute (default: <package>.projections:projections)",
    "projection_lag": "the lag (in events) past which `mink diagnose` warns of a projection",
    "migrations": "the project's Alembic folder, relative to the project",
    "metadata": "the project's SQLAlchemy MetaData for `migrate check`, module:attribute",
    "schemas": "where released event schemas are kept, relative to the project",
    "compatibility": "the schema compatibility `schema check` enforces: backward, forward, full",
}
"""Every setting, with what it is for; `MINK_<KEY>` sets it from the environment."""

_DEFAULTS: Mapping[str, str] = {
    "schema": DEFAULT_SCHEMA,
    "migrations": "migrations",
    "schemas": "schemas",
    "compatibility": "backward",
    "projection_lag": "1000",
}
_COMPATIBILITY = ("backward", "forward", "full", "none")
_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The settings of one `mink` run, and where each came from."""

    project_dir: Path | None
    """The project's folder, or None when there is no project here."""
    config_file: Path | None
    """mink.toml or pyproject.toml, whichever holds the project's settings."""
    values: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)
    """Setting → where it came from: `--database-url`, `MINK_SCHEMA`, `.env`, `mink.toml`, …"""

    def get(self, key: str) -> str | None:
        """A setting's value, or None when it is not set."""
        return self.values.get(key)

    @property
    def schema(self) -> str:
        return self.values["schema"]

    @property
    def compatibility(self) -> str:
        return self.values["compatibility"]

    @property
    def projection_lag(self) -> int:
        """The lag (events) past which `mink diagnose` reports a projection as lagging."""
        return int(self.values["projection_lag"])

    def require_project(self) -> Path:
        """The project's folder.

        Raises:
            ProjectError: there is no project here.
        """
        if self.project_dir is None:
            raise ProjectError(
                f"no mink project here (no {CONFIG_FILE} or [tool.mink] in pyproject.toml "
                f"in {Path.cwd()} or above)",
                hint="run `mink init NAME` to make one, or `mink -C DIR ...` to use another",
            )
        return self.project_dir

    def require(self, key: str) -> str:
        """A setting that must be set.

        Raises:
            ProjectError: it is not.
        """
        value = self.values.get(key)
        if value is None:
            where = self.config_file.name if self.config_file else CONFIG_FILE
            raise ProjectError(
                f"the setting {key!r} ({KEYS[key]}) is not set",
                hint=f"set it in {where} or MINK_{key.upper()}",
            )
        return value

    @property
    def database_url(self) -> str:
        """The database URL, relative SQLite paths resolved against the project.

        Raises:
            ProjectError: no database is configured.
        """
        url = self.values.get("database_url")
        if url is None:
            raise ProjectError(
                "no database configured",
                hint="pass --database-url URL, set MINK_DATABASE_URL, or put "
                "database_url = 'sqlite:///app.db' in mink.toml",
            )
        return _resolve_sqlite(url, self.project_dir)

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file the database URL names; None for PostgreSQL or in-memory SQLite.

        Raises:
            ProjectError: no database is configured.
        """
        url = self.database_url
        if backend_of(url) != "sqlite":
            return None
        rest = url.partition("://")[2]
        path = rest[1:] if rest.startswith("/") else rest
        return Path(path) if path and path != ":memory:" else None

    @property
    def shown_url(self) -> str:
        """The database URL as it may be printed: password redacted."""
        url = self.values.get("database_url")
        return "(none)" if url is None else redact_url(self.database_url)

    def path(self, key: str) -> Path:
        """A folder setting (`migrations`, `schemas`) as a path inside the project.

        Raises:
            ProjectError: there is no project here.
        """
        return self.require_project() / self.values[key]


def _resolve_sqlite(url: str, project: Path | None) -> str:
    scheme, sep, rest = url.partition("://")
    if scheme != "sqlite" or not sep or not rest.startswith("/") or rest.startswith("//"):
        return url
    relative = rest[1:]
    if not relative or relative == ":memory:" or project is None:
        return url
    return f"sqlite:///{(project / relative).resolve()}"


def find_project(start: Path) -> tuple[Path, Path] | None:
    """The nearest (project folder, config file) at or above `start`, or None."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return folder, candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "mink" in _read_toml(pyproject).get("tool", {}):
            return folder, pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except TOMLKitError as error:
        raise ProjectError(f"{path} is not valid TOML: {error}") from error
    except OSError as error:
        raise ProjectError(f"cannot read {path}: {error.strerror}") from error


def read_config(path: Path) -> dict[str, Any]:
    """The mink settings in a config file: all of mink.toml, or pyproject's `[tool.mink]`.

    Raises:
        ProjectError: the file is not valid TOML, or names an unknown setting.
    """
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("mink", {})
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ProjectError(
            f"{path.name} names an unknown setting {unknown[0]!r}",
            hint=f"the settings are: {', '.join(KEYS)}",
        )
    return data


def write_config_value(path: Path, key: str, value: str) -> None:
    """Set one setting in mink.toml or pyproject's `[tool.mink]`, keeping everything else of
    the file (comments, order, formatting) as it was.

    Raises:
        ProjectError: the key is unknown, or the value is a URL with a password.
    """
    import tomlkit

    if key not in KEYS:
        raise ProjectError(f"unknown setting {key!r}", hint=f"the settings are: {', '.join(KEYS)}")
    _refuse_password(key, value, path.name)
    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    )
    table: Any = document
    if path.name == "pyproject.toml":
        tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
        table = tool.setdefault("mink", tomlkit.table())
    table[key] = value
    path.write_text(tomlkit.dumps(document), encoding="utf-8")


def _refuse_password(key: str, value: str, where: str) -> None:
    if key == "database_url" and redact_url(value) != value:
        raise ProjectError(
            f"{where} must not hold a database password (it is committed with the project)",
            hint="put the URL in MINK_DATABASE_URL or the project's .env instead",
        )


def read_dotenv(path: Path) -> dict[str, str]:
    """The `KEY=value` lines of a `.env` file (quotes removed, `#` comments skipped)."""
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _DOTENV_LINE.match(line)
        if match is None:
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        found[key] = value
    return found


def load_settings(
    *,
    project: Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings: flags > `MINK_*` environment > `.env` > config file > defaults.

    `project` is `-C DIR`: where to look for the project instead of the working directory.

    Raises:
        ProjectError: `-C DIR` does not exist, a config file is invalid, or a value is bad.
    """
    env = os.environ if environ is None else environ
    start = Path.cwd() if project is None else project
    if not start.is_dir():
        raise ProjectError(f"-C {start}: no such folder")
    found = find_project(start.resolve())
    project_dir, config_file = found if found else (None, None)
    values: dict[str, str] = dict(_DEFAULTS)
    sources = dict.fromkeys(_DEFAULTS, "default")
    if config_file is not None:
        for key, value in read_config(config_file).items():
            _refuse_password(key, str(value), config_file.name)
            values[key], sources[key] = str(value), config_file.name
    dotenv = read_dotenv(project_dir / ".env") if project_dir is not None else {}
    for layer, name in ((dotenv, ".env"), (env, None)):
        for key in KEYS:
            variable = f"MINK_{key.upper()}"
            if layer.get(variable):
                values[key], sources[key] = layer[variable], name or variable
    if database_url is not None:
        values["database_url"], sources["database_url"] = database_url, "--database-url"
    if "projections" not in values and "package" in values:
        values["projections"] = f"{values['package']}.projections:projections"
        sources["projections"] = "default"
    _validate(values, sources)
    return Settings(
        project_dir=project_dir, config_file=config_file, values=values, sources=sources
    )


def _validate(values: Mapping[str, str], sources: Mapping[str, str]) -> None:
    try:
        validate_schema_name(values["schema"])
        if "database_url" in values:
            backend_of(values["database_url"])
    except ConfigurationError as error:
        key = "schema" if "schema" in str(error) else "database_url"
        raise ProjectError(f"{error} (from {sources[key]})") from None
    lag = values["projection_lag"]
    if not lag.isdigit():
        raise ProjectError(
            f"projection_lag {lag!r} (from {sources['projection_lag']}) is not a whole number "
            "of events",
            hint="write e.g. projection_lag = 1000",
        )
    if values["compatibility"] not in _COMPATIBILITY:
        raise ProjectError(
            f"compatibility {values['compatibility']!r} (from {sources['compatibility']}) is "
            f"not one of {', '.join(_COMPATIBILITY)}"
        )
