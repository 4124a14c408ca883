"""How every suite measures: options, progress on stderr, timed loops, alternating trials.

A suite measures *figures*: one mink number against one baseline number from the same run, on
the same machine, in alternating trials (mink, baseline, then baseline, mink, ...) so that drift
of the machine spreads over both sides. Each trial gives one value (events/s, or a p50 in µs);
the timed loops are the same shape for both sides: `op(i)` called n times, timed with
`time.perf_counter_ns`. What is reported, and how, lives in `_report`.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from benchmarks._report import fmt

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "Options",
    "Progress",
    "Side",
    "percentile",
    "rate",
    "run_trials",
    "timed_async",
    "timed_each_async",
    "timed_each_sync",
    "timed_sync",
]

DEFAULT_POSTGRES_URL = "postgresql://127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """How a suite runs: where the databases are, and how long to measure."""

    postgres_url: str = DEFAULT_POSTGRES_URL
    quick: bool = False
    """A smoke run (~20 s): few trials of small workloads; its numbers are rough."""
    trials: int | None = None
    """Trials per figure; None: the suite's default (fewer when quick)."""
    only: tuple[str, ...] = ()
    """Run only the figures whose key contains one of these words."""

    def selects(self, key: str) -> bool:
        """Whether the figure with this key is to run."""
        return not self.only or any(word in key for word in self.only)

    def trials_or(self, full: int, quick: int) -> int:
        """The number of trials: the override, else the suite's choice for this mode."""
        if self.trials is not None:
            return max(1, self.trials)
        return quick if self.quick else full

    def size(self, full: int, quick: int) -> int:
        """A workload size for this mode."""
        return quick if self.quick else full


class Progress:
    """Progress lines on stderr, stamped with the seconds since the run began."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        elapsed = time.perf_counter() - self._start
        print(f"[{elapsed:6.1f}s] {message}", file=self._stream, flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start


# --- timing ------------------------------------------------------------------------------


async def timed_async(op: Callable[[int], Awaitable[object]], n: int) -> int:
    """Nanoseconds taken by `await op(0)`, …, `await op(n - 1)`."""
    start = time.perf_counter_ns()
    for i in range(n):
        await op(i)
    return time.perf_counter_ns() - start


def timed_sync(op: Callable[[int], object], n: int) -> int:
    """Nanoseconds taken by `op(0)`, …, `op(n - 1)`."""
    start = time.perf_counter_ns()
    for i in range(n):
        op(i)
    return time.perf_counter_ns() - start


async def timed_each_async(op: Callable[[int], Awaitable[object]], n: int) -> list[int]:
    """Nanoseconds taken by each of `await op(0)`, …, `await op(n - 1)`."""
    clock = time.perf_counter_ns
    out = []
    for i in range(n):
        start = clock()
        await op(i)
        out.append(clock() - start)
    return out


def timed_each_sync(op: Callable[[int], object], n: int) -> list[int]:
    """Nanoseconds taken by each of `op(0)`, …, `op(n - 1)`."""
    clock = time.perf_counter_ns
    out = []
    for i in range(n):
        start = clock()
        op(i)
        out.append(clock() - start)
    return out


def rate(count: int, elapsed_ns: int) -> float:
    """Things per second."""
    return count * 1e9 / max(elapsed_ns, 1)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0 to 100) of the values, interpolating between neighbours."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: a name, and a trial that returns one value."""

    name: str
    trial: Callable[[int], float]
    """Called with the trial number (-1 for the warm-up); returns events/s, µs, …"""
    warmup: bool = True
    """Run one untimed trial first (connections, prepared statements, caches)."""


def run_trials(
    sides: Sequence[Side], *, trials: int, progress: Progress, label: str
) -> dict[str, list[float]]:
    """Run each side's trial `trials` times, alternating the order every round."""
    for side in sides:
        if side.warmup:
            side.trial(-1)
    values: dict[str, list[float]] = {side.name: [] for side in sides}
    for t in range(trials):
        order = list(sides) if t % 2 == 0 else list(reversed(sides))
        for side in order:
            gc.collect()
            values[side.name].append(side.trial(t))
        shown = ", ".join(f"{name} {fmt(v[-1])}" for name, v in values.items())
        progress(f"  {label}: trial {t + 1}/{trials}: {shown}")
    return values
