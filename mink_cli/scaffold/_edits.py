"""Edits of files a project shares with mink: registration lines, and methods of an aggregate.

An `Edit` computes a file's new content from its current one (None when it is missing). Every
edit here is idempotent: applied to its own result it changes nothing, so that re-running
`mink generate` finds each file identical. An edit that cannot find its place (a file the user
rewrote) raises `ProjectError` saying what to add by hand.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

from mink_cli.errors import ProjectError
from mink_cli.scaffold._plan import Edit

__all__ = [
    "attributes_of",
    "ensure_apply",
    "ensure_file",
    "ensure_import",
    "ensure_listed",
    "ensure_method",
]


def ensure_import(line: str, docstring: str, *, first_party: str | None = None) -> Edit:
    """An edit that adds the import `line` to a module, where isort would put it; the module
    is created (with `docstring`) when it does not exist, and left alone when it imports that.

    Imports are grouped in blocks (`__future__`, the standard library, third-party packages,
    the project's package `first_party`), one a line, sorted; `from M import a` joins a line
    that imports other names from M (`from M import a, b`).
    """

    def edit(current: str | None) -> str:
        if current is None:
            return f'"""{docstring}"""\n\n{line}\n'
        lines = current.splitlines()
        if line in lines:
            return current
        imports = [i for i, text in enumerate(lines) if _is_import(text)]
        if not imports:
            body = current.rstrip("\n")
            return f"{body}\n\n{line}\n" if body else f"{line}\n"
        merged = _merge_names(lines, imports, line)
        if merged is not None:
            return merged
        section = _section(line, first_party)
        blocks = _blocks(lines, imports)
        for start, end in blocks:
            if _section(lines[start], first_party) == section:
                block = sorted([*lines[start:end], line], key=_import_key)
                return _join([*lines[:start], *block, *lines[end:]])
        later = [b for b in blocks if _section(lines[b[0]], first_party) > section]
        if later:
            at = later[0][0]
            return _join([*lines[:at], line, "", *lines[at:]])
        at = blocks[-1][1]
        return _join([*lines[:at], "", line, *lines[at:]])

    return edit


def ensure_file(content: str) -> Edit:
    """An edit that creates a file with `content` when it is missing, and otherwise leaves it."""
    return lambda current: content if current is None else current


def ensure_listed(name: str, item: str, *, path: str, template: str) -> Edit:
    """An edit that adds `item` to the list assigned to `name` (one item a line, sorted; a
    list, as a formatter keeps one item a line there, and not in a tuple of one).

    A missing file, or one holding nothing but a docstring, starts from `template`.

    Raises:
        ProjectError: the file has no `name = [...]` to add to.
    """
    opening = re.compile(rf"^{re.escape(name)}\b[^=]*= \[$")
    empty = re.compile(rf"^{re.escape(name)}\b[^=]*= \[\]$")

    def edit(current: str | None) -> str:
        if current is None or _only_docstring(current):
            current = template
        lines = current.splitlines()
        entry = f"    {item},"
        for index, text in enumerate(lines):
            if empty.match(text):
                head = text.removesuffix("[]") + "["
                return _join([*lines[:index], head, entry, "]", *lines[index + 1 :]])
            if opening.match(text):
                end = lines.index("]", index)
                items = lines[index + 1 : end]
                if entry in items:
                    return current
                merged = sorted([*items, entry])
                return _join([*lines[: index + 1], *merged, *lines[end:]])
        raise ProjectError(
            f"{path} has no `{name} = [...]` to register {item} in",
            hint=f"add `{item}` to the commands your bus registers, by hand",
        )

    return edit


def ensure_method(
    class_name: str, method: str, source: Sequence[str], *, path: str, marker: str
) -> Edit:
    """An edit that adds a method (its `source` lines, indented for the class body) before the
    line `marker`, unless the class has a method of that name already.

    Raises:
        ProjectError: neither the marker nor an `@apply` method shows where to add it.
    """

    def edit(current: str | None) -> str:
        lines = (current or "").splitlines()
        if any(text.startswith(f"    def {method}(") for text in lines):
            return current or ""
        for index, text in enumerate(lines):
            if text.strip() == marker or text == "    @apply":
                return _join([*lines[:index], *source, "", *lines[index:]])
        raise ProjectError(
            f"cannot find where to add {class_name}.{method} in {path} (it has no line {marker!r})",
            hint=f"add the method `{method}` to {class_name} by hand, or restore that line",
        )

    return edit


def ensure_apply(class_name: str, method: str, source: Sequence[str], *, path: str) -> Edit:
    """An edit that appends an `@apply` method to the class that ends the module, unless it
    has a method of that name already.

    Raises:
        ProjectError: the module does not end inside a class body.
    """

    def edit(current: str | None) -> str:
        lines = (current or "").splitlines()
        if any(text.startswith(f"    def {method}(") for text in lines):
            return current or ""
        body = [text for text in lines if text.strip()]
        if not body or not body[-1].startswith("    "):
            raise ProjectError(
                f"{path} does not end with the class {class_name}, so its new @apply method "
                "has no place",
                hint=f"add `{method}` to {class_name} by hand",
            )
        while lines and not lines[-1].strip():
            lines.pop()
        return _join([*lines, "", *source])

    return edit


def attributes_of(source: str) -> dict[str, str]:
    """The attributes a class declares in its methods with a type: `self.total: Decimal = …`
    → {"total": "Decimal"}."""
    found: dict[str, str] = {}
    for match in re.finditer(r"^        self\.(\w+): ([^=\n]+?) = ", source, re.MULTILINE):
        found.setdefault(match.group(1), match.group(2).strip())
    return found


def _is_import(text: str) -> bool:
    return text.startswith(("from ", "import "))


def _module(text: str) -> str:
    return text.removeprefix("from ").removeprefix("import ").split(" ")[0]


def _section(text: str, first_party: str | None) -> int:
    """The isort section of an import line: 0 `__future__`, 1 the standard library, 2 third
    party, 3 the project's own package."""
    top = _module(text).split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    return 3 if top == first_party else 2


def _blocks(lines: list[str], imports: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive import lines, as (start, end) indexes."""
    blocks: list[tuple[int, int]] = []
    for index in imports:
        if blocks and blocks[-1][1] == index:
            blocks[-1] = (blocks[-1][0], index + 1)
        else:
            blocks.append((index, index + 1))
    return blocks


def _merge_names(lines: list[str], imports: list[int], line: str) -> str | None:
    """`from M import b` merged into a line `from M import a` there; None when there is none
    (or either imports with `as`)."""
    module, sep, names = line.removeprefix("from ").partition(" import ")
    if not line.startswith("from ") or not sep or " as " in names:
        return None
    for index in imports:
        text = lines[index]
        if text.startswith(f"from {module} import ") and " as " not in text and "(" not in text:
            present = {n.strip() for n in text.split(" import ", 1)[1].split(",")}
            wanted = present | {n.strip() for n in names.split(",")}
            if wanted == present:
                return _join(lines)
            ordered = sorted(wanted, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
            merged = f"from {module} import {', '.join(ordered)}"
            return _join([*lines[:index], merged, *lines[index + 1 :]])
    return None


def _import_key(text: str) -> tuple[int, str, str]:
    module, _, names = text.partition(" import ")
    return (0 if text.startswith("import ") else 1, module.lower(), names)


def _only_docstring(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith('"""') and stripped.endswith('"""') and stripped.count('"""') == 2


def _join(lines: Sequence[str]) -> str:
    return "\n".join(lines).rstrip("\n") + "\n"
