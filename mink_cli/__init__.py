"""The `mink` command-line tool."""
