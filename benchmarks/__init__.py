"""mink benchmarks: run them with `scripts/bench SUITE` (see run.py and README.md)."""
