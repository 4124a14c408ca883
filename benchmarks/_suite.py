"""The suites `run.py` knows, loaded on demand so that one suite's imports never slow another."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks._harness import Options, Progress
from benchmarks._report import Report

__all__ = ["SUITES", "DatabaseUnreachableError", "Suite", "load_suite"]

SUITES = {
    "cli": "benchmarks.cli",
    "core": "benchmarks.core",
    "commands": "benchmarks.commands",
    "projections": "benchmarks.projections",
}
"""Suite name → module defining `SUITE`."""


class DatabaseUnreachableError(Exception):
    """A database the suite needs cannot be reached; nothing was measured."""


@dataclass(frozen=True, slots=True)
class Suite:
    """A benchmark suite: its figures (key, name) and the function that measures them."""

    name: str
    figures: Sequence[tuple[str, str]]
    run: Callable[[Options, Progress], Report]


def load_suite(name: str) -> Suite:
    """The suite called `name`."""
    module = importlib.import_module(SUITES[name])
    suite: Suite = module.SUITE
    return suite
