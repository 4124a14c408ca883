"""`mink schema`: event schemas from the classes, checked against releases and stored events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Mink, seed

from mink_cli.ops import schema
from mink_cli.settings import load_settings

EVENT = "shop/domain/account/events/created.py"


def change_event(project: Path, *, field: str = "", version: int | None = None) -> None:
    """Edit the example event: add a field line, set its version."""
    path = project / EVENT
    text = path.read_text()
    if field:
        text = text.replace("    owner: str\n", f"    owner: str\n    {field}\n")
    if version is not None:
        text = text.replace(
            '@registry.event("account.Created")',
            f'@registry.event("account.Created", version={version})',
        )
    path.write_text(text)


def test_list_shows_types_versions_and_releases(mink: Mink, project: Path) -> None:
    """Each registered type with its version and released snapshots."""
    result = mink("schema", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "type": "account.Created",
            "version": 1,
            "cls": "shop.domain.account.events.created.Created",
            "released": [],
        },
        {
            "type": "account.Renamed",
            "version": 1,
            "cls": "shop.domain.account.events.renamed.Renamed",
            "released": [],
        },
    ]


def test_show_prints_the_json_schema(mink: Mink, project: Path) -> None:
    """The class's JSON Schema: its fields, required ones listed."""
    result = mink("schema", "show", "account.Created")
    document = json.loads(result.stdout)
    assert document["properties"] == {"owner": {"type": "string"}}
    assert document["required"] == ["owner"]


def test_show_of_an_unknown_type_names_the_known_ones(mink: Mink, project: Path) -> None:
    """exit 2, listing what is registered."""
    result = mink("schema", "show", "order.Nope")
    assert result.exit_code == 2
    assert "account.Created" in result.stderr


def test_save_writes_a_snapshot_once(mink: Mink, project: Path) -> None:
    """schemas/<type>/v<N>.json is written; saving again changes nothing."""
    assert mink("schema", "save").exit_code == 0
    path = project / "schemas" / "account.Created" / "v1.json"
    assert json.loads(path.read_text())["x-mink-version"] == 1
    again = mink("schema", "save")
    assert again.stdout == ""
    assert "released already" in again.stderr


def test_a_released_version_that_changed_is_refused(mink: Mink, project: Path) -> None:
    """Saving over a released version needs --force (exit 5); check fails (exit 1)."""
    mink("schema", "save")
    change_event(project, field="email: str")
    assert mink("schema", "save").exit_code == 5
    check = mink("schema", "check")
    assert check.exit_code == 1
    assert "changed without a version bump" in check.stdout


def test_a_new_version_with_a_default_field_is_backward_compatible(
    mink: Mink, project: Path
) -> None:
    """v2 adds a field with a default: check passes in backward mode."""
    mink("schema", "save")
    change_event(project, field='email: str = ""', version=2)
    result = mink("schema", "check")
    assert result.exit_code == 0, result.stdout
    diff = mink("schema", "diff", "account.Created")
    assert "email: added with a default" in diff.stdout


def test_a_required_field_breaks_backward_but_not_forward(mink: Mink, project: Path) -> None:
    """v2 adds a required field: backward fails, forward (MINK_COMPATIBILITY) passes."""
    mink("schema", "save")
    change_event(project, field="email: str", version=2)
    result = mink("schema", "check")
    assert result.exit_code == 1
    assert "not backward compatible: email: added without a default" in result.stdout
    forward = mink("schema", "check", env={"MINK_COMPATIBILITY": "forward"})
    assert forward.exit_code == 0, forward.stdout


def test_check_against_the_database_finds_unknown_and_unreadable_types(
    mink: Mink, project: Path
) -> None:
    """Stored types the registry lacks fail; stored old versions are checked against their
    released schema."""
    mink("migrate", "up")
    url = load_settings().database_url
    seed(url, {"account-1": [{"owner": "ann"}]}, type_name="account.Created")
    seed(url, {"legacy-1": [{}]}, type_name="legacy.Thing")
    mink("schema", "save")
    change_event(project, field="email: str", version=2)
    result = mink("schema", "check", "--against", "database")
    assert result.exit_code == 1
    assert "legacy.Thing: 1 stored events of v1, but the registry has no such type" in result.stdout
    assert "cannot be read by v2: email: added without a default" in result.stdout


def test_stored_old_versions_without_a_snapshot_are_a_warning(mink: Mink, project: Path) -> None:
    """Without the released schema of a stored version it cannot be proven readable."""
    mink("migrate", "up")
    seed(load_settings().database_url, {"account-1": [{"owner": "a"}]}, type_name="account.Created")
    change_event(project, version=2)
    result = mink("schema", "check", "--against", "database")
    assert result.exit_code == 0
    assert "warning" in result.stdout


async def test_check_ops_reports_findings_without_a_database(project: Path) -> None:
    """ops.check in snapshots mode needs no database; an unreleased type is an info."""
    findings = await schema.check(load_settings())
    assert [(f.level, f.type) for f in findings] == [
        ("info", "account.Created"),
        ("info", "account.Renamed"),
    ]


async def test_check_ops_rejects_an_unknown_against(project: Path) -> None:
    """Only snapshots and database are things to check against."""
    from mink_cli.errors import UsageError

    with pytest.raises(UsageError):
        await schema.check(load_settings(), against="vibes")


def test_schema_commands_without_a_registry_name_the_setting(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project without `registry` is told how to set it (exit 3)."""
    (tmp_path / "mink.toml").write_text('schema = "mink"\n')
    monkeypatch.chdir(tmp_path)
    result = mink("schema", "list")
    assert result.exit_code == 3
    assert "registry" in result.stderr
