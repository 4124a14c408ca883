"""Rendering Alembic's autogenerate comparison as readable operations (`mink migrate check`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["compare_models"]


def compare_models(connection: Connection, metadata: Any, schema: str) -> list[str]:
    """The operations that would bring the database's tables to the models' `metadata`, leaving
    out mink's own tables (and version tables)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def include_name(name: str | None, kind: str, parent: Any) -> bool:
        if kind == "table" and name is not None:
            return name != "alembic_version" and not name.startswith(f"{schema}_")
        if kind == "schema":
            return name in (None, "public", "main")
        return True

    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True}
    )
    return [_describe(diff) for diff in compare_metadata(context, metadata)]


def _describe(diff: Any) -> str:
    if isinstance(diff, list):  # modifications of one column come as a list
        return "; ".join(_describe(d) for d in diff)
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        verb = "create" if kind == "add_table" else "drop"
        return f"{verb} table {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        verb = "add" if kind == "add_column" else "drop"
        return f"{verb} column {diff[2]}.{diff[3].name}"
    if kind in ("add_index", "remove_index"):
        verb = "create" if kind == "add_index" else "drop"
        index = diff[1]
        return f"{verb} index {index.name} on {index.table.name}"
    if kind.startswith("modify_"):
        _, _schema, table, column, _info, old, new = diff
        what = kind.removeprefix("modify_")
        return f"alter column {table}.{column}: {what} {old} → {new}"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return f"{kind.replace('_', ' ')} {getattr(diff[1], 'name', diff[1])}"
    return " ".join(str(part) for part in diff)
