"""Names and fields from the command line: `Order`, `order_line`, `total:decimal`, `note:str?`."""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mink_cli.errors import UsageError

__all__ = [
    "AGGREGATE_RESERVED",
    "FIELD_TYPES",
    "Field",
    "Name",
    "event_name_of",
    "imports_of",
    "parse_fields",
    "parse_name",
    "past_tense",
]

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")
_VALID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Name:
    """A name in the forms code needs: `OrderLine`, `order_line`."""

    pascal: str
    snake: str

    def __str__(self) -> str:
        return self.pascal


def parse_name(text: str, *, what: str) -> Name:
    """`Order`, `order`, `order_line`, `order-line` or `OrderLine` as a Name.

    Raises:
        UsageError: the text cannot name a Python class and module.
    """
    if not _VALID.match(text):
        raise UsageError(
            f"{what} name {text!r} must start with a letter and hold only letters, digits, "
            "'_' or '-' (e.g. Order, OrderLine, order_line)"
        )
    words = [w.lower() for part in re.split(r"[_-]+", text) for w in _WORDS.findall(part)]
    snake = "_".join(words)
    pascal = "".join(w.capitalize() for w in words)
    if keyword.iskeyword(snake) or snake in _RESERVED_MODULES:
        raise UsageError(f"{what} name {text!r} would shadow Python's {snake!r}; choose another")
    return Name(pascal=pascal, snake=snake)


_RESERVED_MODULES = frozenset({"test", "tests", "typing", "dataclasses", "decimal", "events"})


@dataclass(frozen=True, slots=True)
class _Type:
    annotation: str
    imports: tuple[str, ...]
    example: str
    example_imports: tuple[str, ...] = ()


FIELD_TYPES: dict[str, _Type] = {
    "str": _Type("str", (), '"text"'),
    "int": _Type("int", (), "1"),
    "float": _Type("float", (), "1.5"),
    "bool": _Type("bool", (), "True"),
    "decimal": _Type("Decimal", ("from decimal import Decimal",), 'Decimal("9.99")'),
    "datetime": _Type(
        "datetime",
        ("from datetime import datetime",),
        "datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)",
        ("from datetime import UTC, datetime",),
    ),
    "date": _Type("date", ("from datetime import date",), "date(2026, 1, 2)"),
    "uuid": _Type(
        "UUID", ("from uuid import UUID",), 'UUID("12345678-1234-5678-1234-567812345678")'
    ),
}
"""The field types `NAME:TYPE` accepts; `TYPE?` is optional, `list[TYPE]` a tuple of them."""


@dataclass(frozen=True, slots=True)
class Field:
    """A field of an event (and the matching state of an aggregate)."""

    name: str
    annotation: str
    """The event field's type: `Decimal`, `str | None`, `tuple[str, ...]`."""
    default: str | None
    """Its default as Python source, or None when required."""
    imports: tuple[str, ...]
    """What the annotation needs imported."""
    example: str
    """A value for tests, as Python source."""
    example_imports: tuple[str, ...] = ()
    """What the example needs imported."""

    @property
    def state_annotation(self) -> str:
        """The aggregate's attribute type: None until the first event sets it."""
        if self.default is not None:
            return self.annotation
        return f"{self.annotation} | None"

    @property
    def state_initial(self) -> str:
        return self.default if self.default is not None else "None"


AGGREGATE_RESERVED = frozenset(
    {
        "id",
        "version",
        "category",
        "registry",
        "stream_id",
        "pending_events",
        "record",
        "committed_version",
        "snapshot_version",
        "strict_apply",
        "created",
        "self",
    }
)
"""Field names an aggregate's events may not have: the attributes of mink's Aggregate (the
event's fields become the aggregate's), and `self` (its methods take them as keywords)."""


def parse_fields(
    specs: Sequence[str], *, reserved: frozenset[str] = AGGREGATE_RESERVED
) -> list[Field]:
    """`name:type` specs as Fields; the names in `reserved` (by default, the attributes of
    mink's Aggregate) are refused.

    Raises:
        UsageError: a spec is malformed, a name is bad, reserved or repeated, or a type is
            unknown.
    """
    fields: list[Field] = []
    seen: set[str] = set()
    for spec in specs:
        name, sep, type_text = spec.partition(":")
        if not sep or not name or not type_text:
            raise UsageError(f"field {spec!r} must be NAME:TYPE, e.g. total:decimal or note:str?")
        if not _FIELD.match(name) or keyword.iskeyword(name):
            raise UsageError(
                f"field name {name!r} must be a lower-case Python identifier (e.g. unit_price)"
            )
        if name in reserved:
            taken_by = "mink's Aggregate" if reserved is AGGREGATE_RESERVED else "mink"
            raise UsageError(f"field name {name!r} is taken by {taken_by}; choose another")
        if name in seen:
            raise UsageError(f"field {name!r} is given twice")
        seen.add(name)
        fields.append(_field(name, type_text))
    return fields


def _field(name: str, text: str) -> Field:
    optional = text.endswith("?")
    base = text.removesuffix("?")
    many = base.startswith("list[") and base.endswith("]")
    key = base[5:-1] if many else base
    known = FIELD_TYPES.get(key)
    if known is None:
        raise UsageError(
            f"field {name!r} has unknown type {text!r}; use one of "
            f"{', '.join(FIELD_TYPES)}, optionally as list[TYPE], with ? for optional"
        )
    needs = known.example_imports or known.imports
    if many:
        annotation = f"tuple[{known.annotation}, ...]"
        return Field(name, annotation, "()", known.imports, f"({known.example},)", needs)
    if optional:
        annotation = f"{known.annotation} | None"
        return Field(name, annotation, "None", known.imports, known.example, needs)
    return Field(name, known.annotation, None, known.imports, known.example, needs)


def imports_of(fields: Sequence[Field], *, examples: bool = False) -> list[str]:
    """The import lines the fields' types (or, with `examples`, their examples) need, merged
    and sorted."""
    merged: dict[str, set[str]] = {}
    for f in fields:
        for line in f.example_imports if examples else f.imports:
            module, _, names = line.removeprefix("from ").partition(" import ")
            merged.setdefault(module, set()).update(n.strip() for n in names.split(","))
    return [
        f"from {module} import {', '.join(sorted(names, key=lambda n: (not n.isupper(), n)))}"
        for module, names in sorted(merged.items())
    ]


_IRREGULAR = {
    "acquit": "acquitted",
    "admit": "admitted",
    "begin": "begun",
    "build": "built",
    "buy": "bought",
    "choose": "chosen",
    "commit": "committed",
    "compel": "compelled",
    "confer": "conferred",
    "control": "controlled",
    "cut": "cut",
    "do": "done",
    "emit": "emitted",
    "equip": "equipped",
    "expel": "expelled",
    "find": "found",
    "forbid": "forbidden",
    "forget": "forgotten",
    "freeze": "frozen",
    "get": "got",
    "give": "given",
    "hide": "hidden",
    "hold": "held",
    "keep": "kept",
    "leave": "left",
    "lend": "lent",
    "lose": "lost",
    "make": "made",
    "occur": "occurred",
    "omit": "omitted",
    "patrol": "patrolled",
    "pay": "paid",
    "permit": "permitted",
    "prefer": "preferred",
    "put": "put",
    "quit": "quit",
    "read": "read",
    "rebuild": "rebuilt",
    "rebut": "rebutted",
    "redo": "redone",
    "refer": "referred",
    "regret": "regretted",
    "resend": "resent",
    "reset": "reset",
    "run": "run",
    "sell": "sold",
    "send": "sent",
    "set": "set",
    "shut": "shut",
    "spend": "spent",
    "split": "split",
    "submit": "submitted",
    "take": "taken",
    "transfer": "transferred",
    "undo": "undone",
    "upset": "upset",
    "withdraw": "withdrawn",
    "write": "written",
}


def past_tense(verb: str) -> str:
    """The past participle of an English verb, lower case: ship → shipped, place → placed,
    apply → applied, open → opened; a short list holds irregular verbs (pay → paid) and
    stressed endings (submit → submitted). `mink generate command --event` overrides it."""
    word = verb.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("e"):
        return f"{word}d"
    if len(word) > 1 and word.endswith("y") and word[-2] not in "aeiou":
        return f"{word[:-1]}ied"
    one_syllable = len(re.findall(r"[aeiou]+", word)) == 1
    if one_syllable and re.search(r"(^|[^aeiou])[aeiou][^aeiouwxy]$", word):
        return f"{word}{word[-1]}ed"
    return f"{word}ed"


def event_name_of(action: Name) -> Name:
    """The event a command's action records, by mink's naming rule: the action's first word in
    the past tense, moved to the end — Ship → Shipped, ChangeAddress → AddressChanged,
    AddLine → LineAdded."""
    words = action.snake.split("_")
    words = [*words[1:], past_tense(words[0])]
    return Name(pascal="".join(w.capitalize() for w in words), snake="_".join(words))
