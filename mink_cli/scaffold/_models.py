"""The `model` kind: a read model (a dataclass), its table declared in the project's metadata
for `mink migrate new --autogenerate`, and a test.

`mink generate model OrderSummary total:decimal` writes `read_models/order_summary.py`
(the dataclass, with `id: str` first unless an `id` field is given), imports it from
`read_models/__init__.py`, and declares `order_summary = read_model_table(OrderSummary,
metadata, name="order_summary")` in `models.py`, the metadata the project's migrations compare
with.
"""

from __future__ import annotations

import re

from mink_cli.errors import ProjectError, UsageError
from mink_cli.scaffold._edits import ensure_import
from mink_cli.scaffold._names import parse_fields
from mink_cli.scaffold._plan import Edit, Rendered
from mink_cli.scaffold._render import render_tree
from mink_cli.scaffold._request import Request, context_of

__all__ = ["MODEL_RESERVED", "build_model"]

MODEL_RESERVED = frozenset({"metadata", "self"})
"""Field names a read model may not have (its fields are otherwise free, `id` included)."""

_ID_TYPES = frozenset({"str", "int", "UUID"})
_MODELS_DOC = "The project's own tables (read models) as SQLAlchemy metadata."
_READ_MODELS_DOC = "Read models: the query side, kept up to date from the events."


def build_model(request: Request) -> Rendered:
    """A read-model dataclass, its table in `<package>/models.py`, and its test.

    Raises:
        UsageError: the id field is optional or of a type a read model cannot key on, or the
            name would shadow the models module's own names.
        ProjectError: `models.py` has no `metadata` to declare the table in.
    """
    model, package = request.name, request.package
    if model.snake in {"metadata", "read_model_table"}:
        raise UsageError(f"a read model named {model.pascal} would shadow models.{model.snake}")
    fields = list(request.fields)
    id_field = next((f for f in fields if f.name == "id"), None)
    if id_field is None:
        [id_field] = parse_fields(["id:str"], reserved=MODEL_RESERVED)
        fields.insert(0, id_field)
    elif id_field.default is not None or id_field.annotation not in _ID_TYPES:
        raise UsageError(
            f"the id of a read model is a required str, int or uuid, not {id_field.annotation}"
        )
    else:
        fields = [id_field, *(f for f in fields if f is not id_field)]
    context = context_of(
        Request(root=request.root, package=package, name=model, fields=fields),
        model=model,
        id=id_field,
    )
    line = f"{model.snake} = read_model_table({model.pascal}, metadata, name={model.snake!r})"
    line = line.replace("'", '"')
    models_path = f"{package}/models.py"
    return Rendered(
        files=render_tree("model", context),
        edits={
            f"{package}/read_models/__init__.py": (
                ensure_import(
                    f"from {package}.read_models.{model.snake} import "
                    f"{model.pascal} as {model.pascal}",
                    _READ_MODELS_DOC,
                    first_party=package,
                ),
            ),
            models_path: (
                ensure_import(
                    "from mink_runtime.migrations import read_model_table",
                    _MODELS_DOC,
                    first_party=package,
                ),
                ensure_import(
                    f"from {package}.read_models.{model.snake} import {model.pascal}",
                    _MODELS_DOC,
                    first_party=package,
                ),
                _ensure_table(line, path=models_path),
            ),
        },
    )


def _ensure_table(line: str, *, path: str) -> Edit:
    """The table's declaration, appended to the models module once."""

    def edit(current: str | None) -> str:
        text = current or ""
        if line in text.splitlines():
            return text
        if not re.search(r"^metadata\b.*=", text, re.MULTILINE):
            raise ProjectError(
                f"{path} has no `metadata = MetaData()` to declare the table in",
                hint=f"declare it by hand: {line}",
            )
        return f"{text.rstrip()}\n\n{line}\n"

    return edit
