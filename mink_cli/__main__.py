"""`python -m mink_cli`: the `mink` command."""

from mink_cli.app import main

main()
