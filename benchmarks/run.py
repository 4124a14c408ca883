"""Run a benchmark suite: `python benchmarks/run.py core [--quick] [--postgres-url URL]`.

The table goes to stdout and ends with one line holding the whole report as a JSON object;
progress goes to stderr. Goals that are missed are reported, never raised: the exit code is 0
when every figure produced a number, 1 when one failed to run, 2 for a usage error and 4 when
PostgreSQL cannot be reached.

Suites are modules of this package that define `SUITE` (a `Suite`): `core` today; `commands`
and `projections` plug in the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: import this folder as the `benchmarks` package from the repository root.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))

from benchmarks._harness import DEFAULT_POSTGRES_URL, Options, Progress
from benchmarks._report import print_report
from benchmarks._suite import SUITES, DatabaseUnreachableError, load_suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="mink's benchmarks: each figure against a baseline measured in the same run.",
    )
    parser.add_argument("suite", choices=sorted(SUITES), help="which suite to run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MINK_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="PostgreSQL to use (env MINK_BENCH_POSTGRES_URL; default %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="a ~20 s smoke run, rough numbers")
    parser.add_argument("--trials", type=int, help="trials per figure (default: the suite's)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORD",
        help="run only figures whose key contains WORD (repeatable); see --list",
    )
    parser.add_argument("--list", action="store_true", help="list the suite's figures and exit")
    args = parser.parse_args(argv)

    suite = load_suite(args.suite)
    if args.list:
        for key, name in suite.figures:
            print(f"{key:<22} {name}")
        return 0
    unknown = [w for w in args.only if not any(w in key for key, _ in suite.figures)]
    if unknown:
        parser.error(f"--only {unknown[0]!r} matches no figure of {args.suite!r}; see --list")
    options = Options(
        postgres_url=args.postgres_url,
        quick=args.quick,
        trials=args.trials,
        only=tuple(args.only),
    )
    progress = Progress()
    try:
        report = suite.run(options, progress)
    except DatabaseUnreachableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    report.seconds = progress.elapsed
    print_report(report)
    return 1 if any(f.error for f in report.figures) else 0


if __name__ == "__main__":
    sys.exit(main())
