"""The scaffolder: render a plan of file changes from the templates, then apply it.

`make_plan` compares what a kind renders with the files there; `apply_plan` writes it (never
with a conflict left); `KINDS` are what `mink generate` knows; the answers file records what
was asked. No typer or rich here: the commands prompt and print.
"""

from mink_cli.scaffold._answers import (
    ANSWERS_FILE,
    project_answers,
    read_answers,
    record_generated,
)
from mink_cli.scaffold._edits import (
    attributes_of,
    ensure_apply,
    ensure_file,
    ensure_import,
    ensure_listed,
    ensure_method,
)
from mink_cli.scaffold._kinds import KINDS, Kind
from mink_cli.scaffold._names import (
    FIELD_TYPES,
    Field,
    Name,
    event_name_of,
    parse_fields,
    parse_name,
    past_tense,
)
from mink_cli.scaffold._plan import (
    Edit,
    FileChange,
    Plan,
    Rendered,
    Verb,
    apply_plan,
    make_plan,
)
from mink_cli.scaffold._render import render_tree, templates_root
from mink_cli.scaffold._request import Request

__all__ = [
    "ANSWERS_FILE",
    "FIELD_TYPES",
    "KINDS",
    "Edit",
    "Field",
    "FileChange",
    "Kind",
    "Name",
    "Plan",
    "Rendered",
    "Request",
    "Verb",
    "apply_plan",
    "attributes_of",
    "ensure_apply",
    "ensure_file",
    "ensure_import",
    "ensure_listed",
    "ensure_method",
    "event_name_of",
    "make_plan",
    "parse_fields",
    "parse_name",
    "past_tense",
    "project_answers",
    "read_answers",
    "record_generated",
    "render_tree",
    "templates_root",
]
