"""Rendering the Jinja templates of a kind (`templates/<kind>/`) into file contents.

Templates ship inside the wheel as `mink_cli/templates`; in a source checkout (an editable
install) they are read from the repository's `templates/` folder. A template's path is rendered
too (`{{ package }}/domain/…`); a `.jinja` suffix is dropped, a leading `dot-` becomes `.`, and
other files are copied as they are.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from mink_cli.errors import CLIError

__all__ = ["render_tree", "templates_root"]


@cache
def templates_root() -> Path:
    """The folder holding the templates, in the installed wheel or the source checkout.

    Raises:
        CLIError: neither has them (a broken installation).
    """
    shipped = Path(str(resources.files("mink_cli"))) / "templates"
    if shipped.is_dir():
        return shipped
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise CLIError(
        f"mink's templates are missing (looked in {shipped} and {checkout}); reinstall mink"
    )


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_tree(kind: str, context: dict[str, Any]) -> dict[str, str]:
    """Every file of `templates/<kind>/`, rendered: relative path → content."""
    root = templates_root() / kind
    environment = _environment()
    files: dict[str, str] = {}
    for source in sorted(root.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(root).as_posix()
        path = environment.from_string(relative).render(context)
        text = source.read_text(encoding="utf-8")
        if path.endswith(".jinja"):
            path = path.removesuffix(".jinja")
            text = environment.from_string(text).render(context)
        parts = path.split("/")
        parts[-1] = (
            "." + parts[-1].removeprefix("dot-") if parts[-1].startswith("dot-") else parts[-1]
        )
        files["/".join(parts)] = text
    return files
