"""The cli suite: how long the `mink` command takes to answer, as whole processes.

Figures (goals bound mink's own number; the baseline, Python starting and doing nothing, is
measured in the same run to show what part of it is the interpreter's):

1. `mink --version`, ms (median of a trial's runs): ≤ 150 ms
2. `mink --help`, ms: ≤ 300 ms
3. `mink migrate --help`, ms: ≤ 300 ms
4. `mink generate --help`, ms: ≤ 300 ms

Each trial starts the command `runs` times (10; 3 with --quick) and takes the median; trials
alternate mink and the baseline. The command is the `mink` script installed beside the running
Python (as a user runs it), else `python -m mink_cli`.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

from benchmarks._harness import Options, Progress, Side, run_trials
from benchmarks._report import Context, FigureSpec, Report, Stats, at_most
from benchmarks._suite import Suite

__all__ = ["FIGURES", "SUITE"]

FIGURES = (
    (FigureSpec("cli_version", "mink --version", "ms", at_most(150, "ms")), ["--version"]),
    (FigureSpec("cli_help", "mink --help", "ms", at_most(300, "ms")), ["--help"]),
    (
        FigureSpec("cli_migrate_help", "mink migrate --help", "ms", at_most(300, "ms")),
        ["migrate", "--help"],
    ),
    (
        FigureSpec("cli_generate_help", "mink generate --help", "ms", at_most(300, "ms")),
        ["generate", "--help"],
    ),
)
CONTEXT = (("cli_migrate_up_help", "mink migrate up --help", ["migrate", "up", "--help"]),)


def _mink_command() -> list[str]:
    script = Path(sys.executable).parent / "mink"
    if script.is_file():
        return [str(script)]
    found = shutil.which("mink")
    return [found] if found else [sys.executable, "-m", "mink_cli"]


def _timed_runs(command: list[str], runs: int) -> float:
    """The median wall time of `runs` starts of `command`, in ms."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINK_")}
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        done = subprocess.run(command, capture_output=True, env=env, check=False)
        elapsed = time.perf_counter_ns() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr!r}")
        times.append(elapsed / 1e6)
    return statistics.median(times)


def run(options: Options, progress: Progress) -> Report:
    """Measure the selected figures; a figure that fails is reported with its error."""
    report = Report(suite="cli", options=options)
    mink = _mink_command()
    baseline = [sys.executable, "-c", "pass"]
    trials = options.trials_or(full=9, quick=3)
    runs = options.size(full=10, quick=3)
    report.environment = {
        "python": platform.python_version(),
        "command": " ".join(Path(part).name for part in mink),
        "trials": trials,
        "runs_per_trial": runs,
        "cpus": len(os.sched_getaffinity(0)),
    }
    for spec, args in FIGURES:
        if not options.selects(spec.key):
            continue
        progress(f"{spec.key}: {spec.name}")
        try:
            values = run_trials(
                [
                    Side("mink", lambda _t, a=args: _timed_runs([*mink, *a], runs)),
                    Side("python", lambda _t: _timed_runs(baseline, runs)),
                ],
                trials=trials,
                progress=progress,
                label=spec.key,
            )
            report.figures.append(
                spec.measured(
                    Stats.of(values["mink"]),
                    Stats.of(values["python"]),
                    baseline_name="python -c pass (interpreter start-up)",
                    workload=f"{runs} process starts per trial, median",
                )
            )
        except Exception as error:
            progress(f"{spec.key} failed:\n{traceback.format_exc()}")
            report.figures.append(spec.failed(error))
    for key, name, args in CONTEXT:
        if options.selects(key) or not options.only:
            value = [_timed_runs([*mink, *args], runs) for _ in range(trials)]
            report.context.append(Context(key=key, name=name, unit="ms", stats=Stats.of(value)))
    return report


SUITE = Suite(name="cli", figures=[(spec.key, spec.name) for spec, _ in FIGURES], run=run)
