"""`mink projection`: the project's projections found, listed, run, rebuilt, paused and resumed;
status with lag against the head; every exit code of the group."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import Mink, make_project, seed, unreachable_postgres

from mink_cli.errors import ProjectError
from mink_cli.ops.project import load_projections
from mink_cli.settings import load_settings
from mink_runtime import InMemoryEventStore

PROJECTIONS = '''"""The projections of the test project."""

from mink_runtime import EventStore, Projection, RecordedEvent, handles

from shop.domain.account.events import Created, Renamed


class AccountOwners(Projection):
    """Owners by account (in memory: the checkpoints are what the tests look at)."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}

    @handles
    def created(self, event: Created, recorded: RecordedEvent) -> None:
        self.owners[recorded.stream_id] = event.owner


class Renames(Projection):
    """Counts renames; fails on the owner "boom"."""

    retries = 1

    def __init__(self) -> None:
        self.count = 0

    @handles
    def renamed(self, event: Renamed) -> None:
        if event.owner == "boom":
            raise ValueError("boom is no owner")
        self.count += 1


def projections(store: EventStore) -> list[Projection]:
    """Every projection of the app."""
    return [AccountOwners(), Renames()]
'''


def write_projections(project: Path, text: str = PROJECTIONS) -> None:
    """Give the project a projections module."""
    (project / "shop" / "projections" / "__init__.py").write_text(text)


@pytest.fixture
def url(mink: Mink, project: Path) -> str:
    """The project, migrated, with its projections and three account events."""
    write_projections(project)
    assert mink("migrate", "up").exit_code == 0
    url = load_settings().database_url
    seed(
        url,
        {"account-1": [{"owner": "ann"}], "account-2": [{"owner": "bob"}]},
        type_name="account.Created",
    )
    seed(url, {"account-1": [{"owner": "anna"}]}, type_name="account.Renamed")
    return url


def status_of(mink: Mink, *args: str) -> dict[str, dict[str, object]]:
    result = mink("projection", "status", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return {r["name"]: r for r in json.loads(result.stdout)["projections"]}


# --- finding the project's projections ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1\n", "has no attribute 'projections'"),
        ("projections = 3\n", "is a int, not a function"),
        ("def projections(store):\n    return 'no'\n", "returned a str"),
        ("def projections(store):\n    return [1]\n", "holding a int"),
        ("def projections(store):\n    raise KeyError('x')\n", "failed: KeyError"),
        ("import nowhere_at_all\n", "cannot import shop.projections"),
    ],
)
def test_a_bad_projections_function_is_a_project_error(
    project: Path, text: str, message: str
) -> None:
    """Missing, not callable, failing or returning something else: one clear message."""
    write_projections(project, text)
    with pytest.raises(ProjectError, match=message):
        load_projections(load_settings(), InMemoryEventStore())


def test_the_projections_setting_defaults_from_the_package(project: Path) -> None:
    """mink init writes the `projections` setting; without it, it is derived from `package`."""
    assert load_settings().sources["projections"] == "mink.toml"
    config = project / "mink.toml"
    config.write_text(config.read_text().replace("projections = ", "# projections = "))
    settings = load_settings()
    assert settings.get("projections") == "shop.projections:projections"
    assert settings.sources["projections"] == "default"


def test_a_project_without_projections_runs_none(mink: Mink, project: Path) -> None:
    """The template's projections(store) lists none yet: run --once does nothing, exit 0."""
    assert mink("migrate", "up").exit_code == 0
    result = mink("projection", "run", "--once")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    listed = mink("projection", "list")
    assert "no projections" in listed.stderr


def test_a_missing_projections_function_is_exit_3(mink: Mink, project: Path) -> None:
    """A module without projections(store): one line naming it, exit 3, no traceback."""
    write_projections(project, '"""Nothing here."""\n')
    assert mink("migrate", "up").exit_code == 0
    result = mink("projection", "run", "--once")
    assert result.exit_code == 3
    assert "has no attribute 'projections'" in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_lag_threshold_is_a_configuration_error(mink: Mink, project: Path) -> None:
    """projection_lag must be a whole number."""
    result = mink("projection", "status", env={"MINK_PROJECTION_LAG": "many"})
    assert result.exit_code == 3
    assert "projection_lag 'many'" in result.stderr


# --- list, status, run --once ---------------------------------------------------------------


def test_list_shows_the_projections_the_project_defines(mink: Mink, url: str) -> None:
    """Before any run, both are listed as async, never run."""
    result = mink("projection", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    found = json.loads(result.stdout)["projections"]
    assert [(p["name"], p["kind"], p["status"]) for p in found] == [
        ("account_owners", "async", "never run"),
        ("renames", "async", "never run"),
    ]


def test_run_once_catches_up_and_status_shows_no_lag(mink: Mink, url: str) -> None:
    """run --once takes every projection to the head; status shows lag 0 per projection."""
    before = status_of(mink)
    assert before["account_owners"]["lag"] == 2
    assert before["renames"]["lag"] == 1
    result = mink("projection", "run", "--once")
    assert result.exit_code == 0, result.stderr
    assert "account_owners: stopped" in result.stdout
    after = status_of(mink)
    assert after["account_owners"]["lag"] == 0
    assert after["renames"]["lag"] == 0
    assert after["account_owners"]["checkpoint"] != "0:0"


def test_status_prints_json_lines_when_piped(mink: Mink, url: str) -> None:
    """Without a terminal, one JSON object a line per version and partition."""
    result = mink("projection", "status")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["name"] for line in lines] == ["account_owners", "renames"]


def test_fail_on_lag_exits_1_past_the_threshold(mink: Mink, url: str) -> None:
    """--fail-on-lag N: exit 1 when some lag exceeds N, naming it; 0 otherwise."""
    result = mink("projection", "status", "--fail-on-lag", "1")
    assert result.exit_code == 1
    assert "account_owners (2)" in result.stderr
    assert mink("projection", "status", "--fail-on-lag", "2").exit_code == 0


def test_status_of_an_unknown_projection_lists_the_known(mink: Mink, url: str) -> None:
    """A name nobody knows: exit 2, with the names there are."""
    result = mink("projection", "status", "nope")
    assert result.exit_code == 2
    assert "known: account_owners, renames" in result.stderr


def test_status_works_from_the_store_alone(mink: Mink, url: str, tmp_path: Path) -> None:
    """Outside the project, with only the database URL, the stored projections show."""
    assert mink("projection", "run", "--once").exit_code == 0
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = mink("-C", str(outside), "--database-url", url, "projection", "status", "--json")
    assert result.exit_code == 0, result.stderr
    names = [r["name"] for r in json.loads(result.stdout)["projections"]]
    assert names == ["account_owners", "renames"]


def test_a_faulted_projection_fails_run_once_and_resume_clears_it(mink: Mink, url: str) -> None:
    """A handler that fails: run --once exits 1 naming it; resume makes it STOPPED again."""
    seed(url, {"account-2": [{"owner": "boom"}]}, type_name="account.Renamed")
    result = mink("projection", "run", "--once")
    assert result.exit_code == 1
    assert "renames: ValueError" in result.stderr or "boom is no owner" in result.stderr
    assert "mink projection resume NAME" in result.stderr
    assert status_of(mink)["renames"]["status"] == "faulted"
    letters = mink("projection", "dead-letters", "--json")
    assert [d["stream_id"] for d in json.loads(letters.stdout)["dead_letters"]] == ["account-2"]
    assert mink("projection", "resume", "renames").exit_code == 0
    assert status_of(mink)["renames"]["status"] == "stopped"


def test_run_names_an_unknown_projection_with_the_defined_ones(mink: Mink, url: str) -> None:
    """run NAME of a name the project does not define: exit 2."""
    result = mink("projection", "run", "--once", "nope")
    assert result.exit_code == 2
    assert "defined: account_owners, renames" in result.stderr


def test_run_once_limited_to_one_name(mink: Mink, url: str) -> None:
    """run --once NAME runs that one only."""
    assert mink("projection", "run", "--once", "account_owners").exit_code == 0
    found = status_of(mink)
    assert found["account_owners"]["lag"] == 0
    assert found["renames"]["lag"] == 1


# --- pause, resume ---------------------------------------------------------------------------


def test_pause_and_resume_write_the_control_table(mink: Mink, url: str) -> None:
    """pause shows in status and list; run --once leaves a paused projection alone."""
    assert mink("projection", "pause", "account_owners").stdout == "paused account_owners\n"
    assert status_of(mink)["account_owners"]["paused"] is True
    assert mink("projection", "run", "--once").exit_code == 0
    assert status_of(mink)["account_owners"]["lag"] == 2
    listed = json.loads(mink("projection", "list", "--json").stdout)["projections"]
    assert listed[0]["status"] == "paused"
    assert mink("projection", "resume", "account_owners").exit_code == 0
    assert status_of(mink)["account_owners"]["paused"] is False


def test_pause_of_an_unknown_projection_is_a_usage_error(mink: Mink, url: str) -> None:
    """Pausing a name nobody knows would silently do nothing: exit 2."""
    result = mink("projection", "pause", "nope")
    assert result.exit_code == 2
    assert "no projection named 'nope'" in result.stderr


# --- rebuild -----------------------------------------------------------------------------------


def test_rebuild_needs_a_confirmation(mink: Mink, url: str) -> None:
    """Without a terminal and without --yes: refused, exit 5, naming --yes."""
    result = mink("--no-input", "projection", "rebuild", "account_owners")
    assert result.exit_code == 5
    assert "--yes" in result.stderr


def test_rebuild_refuses_unknown_names(mink: Mink, url: str) -> None:
    """An unknown name: exit 2 with the defined names; no names and no --all: exit 2."""
    result = mink("projection", "rebuild", "nope", "--yes")
    assert result.exit_code == 2
    assert "defined: account_owners, renames" in result.stderr
    assert mink("projection", "rebuild", "--yes").exit_code == 2


def test_rebuild_all_goes_on_past_a_failure_and_lists_it(mink: Mink, url: str) -> None:
    """One projection fails: the other is rebuilt anyway; the failure is listed, exit 1."""
    seed(url, {"account-2": [{"owner": "boom"}]}, type_name="account.Renamed")
    result = mink("projection", "rebuild", "--all", "--yes")
    assert result.exit_code == 1
    assert "account_owners: rebuilt" in result.stderr
    assert "error: renames:" in result.stderr
    assert "1 projection(s) failed to rebuild: renames" in result.stderr
    assert status_of(mink)["account_owners"]["lag"] == 0


def test_rebuild_of_one_projection(mink: Mink, url: str) -> None:
    """rebuild NAME --yes replays it to the head."""
    result = mink("projection", "rebuild", "account_owners", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "rebuilt account_owners\n"
    assert status_of(mink)["account_owners"]["lag"] == 0


# --- a worker in another process -------------------------------------------------------------


def eventually(check: Callable[[], bool], what: str, *, patience: float = 30.0) -> None:
    """Wait until `check()` holds (a worker in another process acts on its own time)."""
    deadline = time.monotonic() + patience
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {patience:g} s for {what}")
        time.sleep(0.1)


def worker_obeys_pause_and_stops_cleanly(mink: Mink, project: Path) -> None:
    """`projection run` in another process: catches up, holds still while paused, catches up
    after resume, and stops on SIGTERM with exit 0, leaving its projections STOPPED."""
    write_projections(project)
    assert mink("migrate", "up").exit_code == 0
    settings = load_settings()
    url = settings.database_url
    seed(
        url, {"account-1": [{"owner": "ann"}]}, type_name="account.Created", schema=settings.schema
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "mink_cli", "projection", "run"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        eventually(
            lambda: (
                status_of(mink)["account_owners"]["lag"] == 0
                and status_of(mink)["account_owners"]["status"] == "running"
            ),
            "the worker to catch up",
        )
        assert mink("projection", "pause", "account_owners").exit_code == 0
        eventually(
            lambda: status_of(mink)["account_owners"]["status"] == "paused",
            "the worker to see the pause",
        )
        seed(
            url,
            {"account-2": [{"owner": "bob"}]},
            type_name="account.Created",
            schema=settings.schema,
        )
        time.sleep(1.5)  # a worker that ignored the pause would have taken the event by now
        assert status_of(mink)["account_owners"]["lag"] == 1
        assert mink("projection", "resume", "account_owners").exit_code == 0
        eventually(lambda: status_of(mink)["account_owners"]["lag"] == 0, "the worker to resume")
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "SIGTERM: stopping" in err
    assert {r["status"] for r in status_of(mink).values()} == {"stopped"}


def test_a_worker_in_another_process_obeys_pause_on_sqlite(mink: Mink, project: Path) -> None:
    """On SQLite: see worker_obeys_pause_and_stops_cleanly."""
    worker_obeys_pause_and_stops_cleanly(mink, project)


def test_a_worker_in_another_process_obeys_pause_on_postgres(
    mink: Mink, postgres_project: Path
) -> None:
    """On PostgreSQL: see worker_obeys_pause_and_stops_cleanly."""
    worker_obeys_pause_and_stops_cleanly(mink, postgres_project)


# --- diagnose --------------------------------------------------------------------------------


def test_diagnose_reports_a_lagging_projection_past_the_setting(mink: Mink, url: str) -> None:
    """projections.lagging: a warning past projection_lag, with `mink projection run`."""
    assert mink("diagnose").exit_code == 0
    result = mink("diagnose", "--fail-level", "warning", env={"MINK_PROJECTION_LAG": "1"})
    assert result.exit_code == 1
    assert "warning projections.lagging: projection account_owners is 2 events" in result.stdout
    assert "hint: mink projection run" in result.stdout


def test_diagnose_reports_a_paused_projection(mink: Mink, url: str) -> None:
    """projections.paused: a warning whose hint resumes it."""
    mink("projection", "pause", "renames")
    result = mink("diagnose", "--fail-level", "warning")
    assert result.exit_code == 1
    assert "projections.paused: projection renames is paused" in result.stdout
    assert "hint: mink projection resume renames" in result.stdout


def test_diagnose_reports_a_faulted_projection_as_an_error(mink: Mink, url: str) -> None:
    """projections.faulted: an error, exit 1, hint: resume it after fixing."""
    seed(url, {"account-2": [{"owner": "boom"}]}, type_name="account.Renamed")
    mink("projection", "run", "--once")
    result = mink("diagnose")
    assert result.exit_code == 1
    assert "error   projections.faulted: projection renames faulted" in result.stdout
    assert "hint: mink projection resume renames" in result.stdout


# --- the example projection of `mink init`, and `mink generate projection` -----------------


def test_init_makes_an_example_projection_that_rebuild_fills(
    mink: Mink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init's AccountSummaries, its table migrated by `migrate up`, filled by a rebuild."""
    root = make_project(tmp_path / "example_shop", projection=True)
    monkeypatch.chdir(root)
    assert (root / "migrations/versions/0001_account_summary.py").is_file()
    assert "account_summaries.build" in (root / "example_shop/projections/__init__.py").read_text()
    assert mink("migrate", "up").exit_code == 0
    assert mink("migrate", "check").exit_code == 0
    url = load_settings().database_url
    seed(
        url,
        {"account-1": [{"owner": "ann"}], "account-2": [{"owner": "bob"}]},
        type_name="account.Created",
    )
    seed(url, {"account-1": [{"owner": "anna"}]}, type_name="account.Renamed")
    result = mink("projection", "rebuild", "--all", "--yes")
    assert result.exit_code == 0, result.stderr
    database = sqlite3.connect(load_settings().sqlite_file or "")
    rows = database.execute("SELECT id, owner FROM account_summary ORDER BY id").fetchall()
    database.close()
    assert rows == [("account-1", "anna"), ("account-2", "bob")]
    assert status_of(mink)["account_summaries"]["lag"] == 0


def test_generate_projection_writes_registers_and_is_safe_to_rerun(
    mink: Mink, project: Path
) -> None:
    """The projection, its read model (made), its test, listed in BUILDERS; re-run: no-op."""
    args = ("generate", "projection", "Owners", "--events", "Account.Created,Account.Renamed")
    result = mink(*args)
    assert result.exit_code == 0, result.stderr
    for line in (
        "create  shop/projections/owners.py",
        "create  shop/read_models/owner.py",
        "create  tests/test_owners.py",
        "update  shop/projections/__init__.py",
    ):
        assert line in result.stdout
    source = (project / "shop/projections/owners.py").read_text()
    assert "from shop.domain.account.events.created import Created as AccountCreated" in source
    assert "async def account_renamed(self, event: AccountRenamed, recorded" in source
    assert "    owners.build,\n" in (project / "shop/projections/__init__.py").read_text()
    again = mink(*args)
    assert again.exit_code == 0
    assert "create" not in again.stdout
    assert "update" not in again.stdout


def test_a_generated_projection_passes_the_projects_own_tests(mink: Mink, project: Path) -> None:
    """The generated test (ProjectionScenario) and the project's others pass."""
    mink("generate", "aggregate", "Order", "total:decimal", "note:str?")
    mink("generate", "model", "OrderView", "total:decimal")
    result = mink(
        "generate",
        "projection",
        "OrderViews",
        "-e",
        "Order.Created,Account.Created",
        "-m",
        "OrderView",
    )
    assert result.exit_code == 0, result.stderr
    source = (project / "shop/projections/order_views.py").read_text()
    assert "total=event.total" in source
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("Owners",), 2, "pass --events"),
        (("Owners", "--events", "Created"), 2, "must be Aggregate.Event"),
        (("Owners", "--events", "Account.Closed"), 3, "mink generate event Account.Closed"),
        (("Owners", "--events", "Invoice.Created"), 3, "no event Invoice.Created"),
    ],
)
def test_bad_projection_input_is_one_line(
    mink: Mink, project: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    """No events, a malformed or unknown event: one line, the documented exit code."""
    result = mink("generate", "projection", *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


async def test_rebuild_reports_progress_per_projection(mink: Mink, url: str) -> None:
    """ops.rebuild calls each projection's progress with (done, total), up to all its events."""
    from contextlib import contextmanager

    from mink_cli.ops import projection

    seen: dict[str, list[tuple[int, int]]] = {}

    @contextmanager
    def progress_for(name: str) -> Iterator[Callable[[int, int], None]]:
        calls = seen.setdefault(name, [])
        yield lambda done, total: calls.append((done, total))

    lines: list[str] = []
    failures = await projection.rebuild(
        load_settings(), ["account_owners"], progress_for=progress_for, log=lines.append
    )
    assert failures == []
    assert seen["account_owners"][0] == (0, 2)
    assert seen["account_owners"][-1] == (2, 2)
    assert lines == ["account_owners: rebuilding", "account_owners: rebuilt from 2 events"]


def test_rebuild_on_a_terminal_draws_a_bar_and_keeps_the_log_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal the progress is a bar showing done/total; notes print above it."""
    import io

    monkeypatch.setenv("TERM", "xterm")  # not a "dumb" one, which shows no live display
    monkeypatch.setenv("COLUMNS", "80")

    from mink_cli.console import Console

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    console = Console(stderr=err, color=False)
    with console.progress("account_owners") as bar:
        bar.update(1, 2)
        console.note("a log line")
        bar.update(2, 2)
    shown = err.getvalue()
    assert "a log line" in shown
    assert "account_owners" in shown
    assert "2/2" in shown


def test_status_of_an_unreachable_database_is_exit_4_without_the_password(
    mink: Mink, tmp_path: Path
) -> None:
    """Nothing answers: one line, exit 4, the password redacted."""
    result = mink(
        "-C", str(tmp_path), "--database-url", unreachable_postgres(), "projection", "status"
    )
    assert result.exit_code == 4
    assert "s3cret-pw" not in result.output
    assert "Traceback" not in result.output
