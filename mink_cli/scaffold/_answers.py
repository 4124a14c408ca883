"""The answers file, `.mink-answers.toml`: what `mink init` and `mink generate` were asked.

It lets a project be re-rendered later (after a mink upgrade, say) with the same answers. It is
edited with tomlkit, so comments and order the user adds survive each `mink generate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ANSWERS_FILE", "project_answers", "read_answers", "record_generated"]

ANSWERS_FILE = ".mink-answers.toml"


def project_answers(answers: Mapping[str, Any], *, mink_version: str) -> str:
    """The text of a new answers file holding `mink init`'s answers."""
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("What `mink init` and `mink generate` were asked, so that this"))
    document.add(
        tomlkit.comment("project can be re-rendered later. Keep it under version control.")
    )
    document.add("mink_version", mink_version)
    project = tomlkit.table()
    for key, value in answers.items():
        project.add(key, value)
    document.add("project", project)
    return tomlkit.dumps(document)


def read_answers(root: Path) -> dict[str, Any]:
    """The answers file's content, or {} when there is none."""
    import tomlkit

    path = root / ANSWERS_FILE
    if not path.is_file():
        return {}
    return tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()


def record_generated(
    root: Path, kind: str, name: str, fields: Sequence[str], **options: Any
) -> None:
    """Record one `mink generate` in the answers file (replacing an earlier one of the same
    kind and name), keeping the rest of the file as it is."""
    import tomlkit

    path = root / ANSWERS_FILE
    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    )
    generated = document.get("generated")
    if generated is None:
        generated = tomlkit.aot()
        document.append("generated", generated)
    entry = tomlkit.table()
    entry.add("kind", kind)
    entry.add("name", name)
    entry.add("fields", list(fields))
    for key, value in options.items():
        if value is not None:
            entry.add(key, value)
    for index, existing in enumerate(generated):
        if existing.get("kind") == kind and existing.get("name") == name:
            generated[index] = entry
            break
    else:
        generated.append(entry)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
