"""`scripts/example`, the library alone: the Order example runs and prints the order's history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "orders.py"


def run_example(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_example_saves_loads_and_prints_the_history(tmp_path: Path) -> None:
    """One run stores an order of four events and prints each of them."""
    out = run_example("--database", str(tmp_path / "orders.db"))
    assert "total 64.98, shipped=True, version 4" in out
    for event_type in ("order.Placed", "order.ItemAdded", "order.Shipped"):
        assert event_type in out
    assert "1 order stream(s)" in out


def test_running_it_again_on_the_same_database_adds_an_order(tmp_path: Path) -> None:
    """The database persists between runs; each run adds one order."""
    run_example("--database", str(tmp_path / "orders.db"))
    out = run_example("--database", str(tmp_path / "orders.db"))
    assert "2 order stream(s)" in out
