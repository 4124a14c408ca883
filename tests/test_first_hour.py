"""The README's main job, `scripts/first-hour`: init, generate, migrate, dispatch commands
through the project's bus, the project's own tests, the streams, the projections rebuilt and
their read model — end to end on SQLite."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_gives_two_commands_the_main_job_first() -> None:
    """ "Two commands" in the README are exactly `scripts/first-hour` (tested below) and
    `scripts/check` (the suite itself)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = [line.split()[1] for line in block.group(1).splitlines()]
    assert commands == ["./scripts/first-hour", "./scripts/check"]


@pytest.mark.slow
def test_the_first_hour_runs_end_to_end(tmp_path: Path) -> None:
    """The script exits 0, the commands land in the streams, the project's tests pass, the
    rebuilt projections are at the head with their read model filled, and diagnose finds it
    healthy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINK_", "PYTEST"))}
    done = subprocess.run(
        [str(ROOT / "scripts" / "first-hour"), str(tmp_path / "shop")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "ShipOrder: order-2 at version 2" in lines
    records = [json.loads(line) for line in lines if line.startswith("{")]
    streams = [r["stream_id"] for r in records if "stream_id" in r and "type" not in r]
    assert streams == ["order-1", "order-2", "order-3"]
    events = [(r["type"], r["data"]) for r in records if "type" in r]
    assert events == [
        ("order.Created", {"customer_id": "customer-2", "total": "25.00"}),
        ("order.Shipped", {"carrier": "ups"}),
    ]
    assert any(line.endswith(" passed") or " passed in " in line for line in lines)
    projections = [(r["name"], r["lag"]) for r in records if "lag" in r]
    assert projections == [("account_summaries", 0), ("order_summaries", 0)]
    assert "order_summary: order-2 customer-2 25.00" in lines
    assert "5 checks: healthy" in done.stderr
    assert (tmp_path / "shop" / "var" / "shop.db").is_file()
