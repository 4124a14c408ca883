"""What a suite reports: figures against their goals, context numbers, the table and the JSON.

A figure is one mink number against one baseline number, each the median of its trials (printed
with its min and max); its goal bounds the ratio mink / baseline. Goals are reported, never
raised. The printer writes a table for people, then the whole report as one JSON object on the
last line of stdout, for tools.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from benchmarks._harness import Options

__all__ = [
    "Context",
    "Figure",
    "FigureSpec",
    "Goal",
    "Report",
    "Stats",
    "at_least",
    "at_most",
    "at_most_added",
    "fmt",
    "print_report",
]


@dataclass(frozen=True, slots=True)
class Stats:
    """The trials of one measurement: median, min, max."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)


@dataclass(frozen=True, slots=True)
class Goal:
    """A bound on the ratio mink / baseline; or (`added`) on the difference mink - baseline;
    or (`unit`) on mink's own number."""

    op: Literal[">=", "<="]
    threshold: float
    unit: str | None = None
    """Set for a bound on mink's number itself (`≤ 150 ms`), not on the ratio."""
    added: str | None = None
    """For a bound on the difference: its unit (the goal reads `≤ +50 µs`)."""

    def __str__(self) -> str:
        sign = "≥" if self.op == ">=" else "≤"
        if self.added is not None:
            return f"{sign} +{self.threshold:g} {self.added}"
        unit = f" {self.unit}" if self.unit else ""
        return f"{sign} {self.threshold:g}{unit}"

    def met_by(self, mink: float, baseline: float | None) -> bool:
        if self.unit is not None:
            value = mink
        elif baseline is None:
            return False
        else:
            value = mink - baseline if self.added is not None else mink / baseline
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


def at_least(threshold: float) -> Goal:
    return Goal(">=", threshold)


def at_most(threshold: float, unit: str | None = None) -> Goal:
    return Goal("<=", threshold, unit)


def at_most_added(threshold: float, unit: str) -> Goal:
    """At most `threshold` (in `unit`) more than the baseline: an overhead budget."""
    return Goal("<=", threshold, added=unit)


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """What a suite promises to measure: a key (for `--only`), a name, a unit, a goal."""

    key: str
    name: str
    unit: str
    goal: Goal

    def measured(
        self,
        mink: Stats,
        baseline: Stats,
        *,
        baseline_name: str,
        workload: str,
        mink_name: str = "mink",
    ) -> Figure:
        return Figure(
            key=self.key,
            name=self.name,
            unit=self.unit,
            goal=self.goal,
            mink=mink,
            baseline=baseline,
            mink_name=mink_name,
            baseline_name=baseline_name,
            workload=workload,
        )

    def failed(self, error: BaseException) -> Figure:
        return Figure(
            key=self.key,
            name=self.name,
            unit=self.unit,
            goal=self.goal,
            baseline_name="-",
            workload="-",
            error=f"{type(error).__name__}: {error}",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """One goal of a suite: mink against a baseline, or the error that kept it from a number."""

    key: str
    name: str
    unit: str
    goal: Goal
    baseline_name: str
    workload: str
    mink_name: str = "mink"
    mink: Stats | None = None
    baseline: Stats | None = None
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.mink is None or self.baseline is None or not self.baseline.median:
            return None
        return self.mink.median / self.baseline.median

    @property
    def met(self) -> bool:
        if self.mink is None:
            return False
        if self.goal.unit is not None:
            return self.goal.met_by(self.mink.median, None)
        if self.ratio is None or self.baseline is None:
            return False
        return self.goal.met_by(self.mink.median, self.baseline.median)

    def to_json(self) -> dict[str, Any]:
        ratio = self.ratio
        out: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "mink": _num(self.mink.median) if self.mink else None,
            "baseline": _num(self.baseline.median) if self.baseline else None,
            "baseline_name": self.baseline_name,
            "ratio": round(ratio, 3) if ratio is not None else None,
            "goal": str(self.goal),
            "met": self.met,
            "better": "higher" if self.goal.op == ">=" else "lower",
        }
        if self.goal.added is not None and self.mink and self.baseline:
            out["added"] = _num(self.mink.median - self.baseline.median)
        if self.mink_name != "mink":
            out["mink_name"] = self.mink_name
        for side, stats in (("mink", self.mink), ("baseline", self.baseline)):
            if stats is not None:
                out[f"{side}_min"] = _num(stats.min)
                out[f"{side}_max"] = _num(stats.max)
                out[f"{side}_trials"] = len(stats.values)
        out["workload"] = self.workload
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """A number printed for context beside the figures, with no goal."""

    key: str
    name: str
    unit: str
    stats: Stats
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "value": _num(self.stats.median),
            "min": _num(self.stats.min),
            "max": _num(self.stats.max),
            "note": self.note,
        }


@dataclass(slots=True)
class Report:
    """What a suite found."""

    suite: str
    options: Options
    figures: list[Figure] = field(default_factory=list)
    context: list[Context] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "quick": self.options.quick,
            "figures": [f.to_json() for f in self.figures],
            "context": [c.to_json() for c in self.context],
            "all_met": all(f.met for f in self.figures),
            "seconds": round(self.seconds, 1),
            "environment": self.environment,
        }


def _num(value: float) -> float:
    if value >= 100:
        return round(value, 1)
    return round(value, 3)


def fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(stats: Stats | None) -> str:
    if stats is None:
        return "-"
    return f"{fmt(stats.median)} [{fmt(stats.min)} .. {fmt(stats.max)}]"


def print_report(report: Report, out: TextIO | None = None) -> None:
    """The human-readable table, then the report as one JSON object on the last line."""
    out = out if out is not None else sys.stdout
    headers = ("#", "figure", "unit", "mink  median [min .. max]", "baseline  median [min .. max]")
    tail = ("ratio", "goal", "met")
    rows = []
    for number, f in enumerate(report.figures, 1):
        ratio = f.ratio
        rows.append(
            (
                str(number),
                f.name,
                f.unit,
                _cell(f.mink),
                _cell(f.baseline),
                f"{ratio:.2f}" if ratio is not None else "-",
                str(f.goal),
                "error" if f.error else ("yes" if f.met else "NO"),
            )
        )
    columns = (*headers, *tail)
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)
    ]
    title = f"mink benchmarks: {report.suite}" + (
        " (quick: rough numbers)" if report.options.quick else ""
    )
    env = ", ".join(f"{k} {v}" for k, v in report.environment.items())
    print(title, file=out)
    if env:
        print(env, file=out)
    print(file=out)
    print(_line(columns, widths), file=out)
    print(_line(tuple("-" * w for w in widths), widths), file=out)
    for number, (f, row) in enumerate(zip(report.figures, rows, strict=True), 1):
        print(_line(row, widths), file=out)
        pad = " " * (widths[0] + 2)
        notes = (
            [f"error: {f.error}"]
            if f.error
            else [f"{f.mink_name} vs {f.baseline_name}", f"workload: {f.workload}"]
        )
        for text in notes:
            print(
                textwrap.fill(text, 100, initial_indent=pad, subsequent_indent=pad + "  "), file=out
            )
        if number < len(rows):
            print(file=out)
    if report.context:
        print(file=out)
        print("for context (no goal):", file=out)
        width = max(len(c.name) for c in report.context)
        for c in report.context:
            note = f"  ({c.note})" if c.note else ""
            print(f"  {c.name:<{width}}  {_cell(c.stats)} {c.unit}{note}", file=out)
    print(file=out)
    met = sum(f.met for f in report.figures)
    print(
        f"ratio = mink / baseline (median of the trials); goals met: {met}/{len(report.figures)}; "
        f"{report.seconds:.0f} s",
        file=out,
    )
    print(json.dumps(report.to_json(), ensure_ascii=False), file=out, flush=True)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
