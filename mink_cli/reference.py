"""The CLI reference (docs/cli.md), generated from the Typer app itself.

`python -m mink_cli.reference > docs/cli.md` writes it; a test fails when the committed page
and the app disagree, so the reference never drifts from the code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render"]

HEADER = """# CLI reference

<!-- Generated from the Typer app: python -m mink_cli.reference > docs/cli.md (do not edit). -->

Every command, its arguments and options. Settings come from, highest first: a flag, a
`MINK_*` environment variable, the project's `.env`, `mink.toml` (or `[tool.mink]` in
pyproject.toml), the defaults. See the [tutorial](tutorial.md) for a first hour with mink.
"""


def render() -> str:
    """The reference page in Markdown."""
    import typer

    from mink_cli.app import build_app

    command = typer.main.get_command(build_app())
    out = [HEADER]
    _command(command, typer.Context(command, info_name="mink"), ["mink"], 2, out)
    return "\n".join(out).rstrip() + "\n"


def _command(command: Any, ctx: Any, path: list[str], level: int, out: list[str]) -> None:
    import typer

    out.append(f"{'#' * level} `{' '.join(path)}`\n")
    out.extend(_help(command.help or ""))
    pieces = " ".join(command.collect_usage_pieces(ctx))
    out.append(f"```console\n$ {' '.join(path)} {pieces}\n```\n")
    records = [r for p in command.get_params(ctx) if (r := p.get_help_record(ctx))]
    if records:
        out.extend(f"- `{names}`: {text}" for names, text in records)
        out.append("")
    if command.epilog:
        out.extend(_help(command.epilog))
    list_commands = getattr(command, "list_commands", None)
    if list_commands is None:
        return
    for name in list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        _command(sub, typer.Context(sub, info_name=name, parent=ctx), [*path, name], level + 1, out)


def _help(text: str) -> list[str]:
    """Help text as Markdown: a paragraph marked with \\b (kept as typed) becomes a block."""
    blocks: list[str] = []
    for paragraph in text.strip().split("\n\n"):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            blocks.append("```text\n" + "\n".join(line.rstrip() for line in lines[1:]) + "\n```\n")
        else:
            blocks.append(" ".join(line.strip() for line in lines) + "\n")
    return blocks


if __name__ == "__main__":
    print(render(), end="")
