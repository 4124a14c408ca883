"""Names and `name:type` fields from the command line."""

from __future__ import annotations

import pytest

from mink_cli.errors import UsageError
from mink_cli.scaffold import event_name_of, parse_fields, parse_name, past_tense


@pytest.mark.parametrize("text", ["OrderLine", "order_line", "order-line", "orderLine"])
def test_names_in_any_case_give_class_and_module_names(text: str) -> None:
    """PascalCase, snake_case, kebab-case and camelCase all name OrderLine / order_line."""
    name = parse_name(text, what="aggregate")
    assert (name.pascal, name.snake) == ("OrderLine", "order_line")


@pytest.mark.parametrize("text", ["1Order", "Order!", "", "class", "Ordér", "tests"])
def test_names_that_cannot_be_python_are_usage_errors(text: str) -> None:
    """Bad names exit 2 with the rule named."""
    with pytest.raises(UsageError) as raised:
        parse_name(text, what="aggregate")
    assert raised.value.exit_code == 2


def test_fields_map_to_annotations_defaults_and_imports() -> None:
    """Types map to Python annotations; ? is optional; list[T] is a tuple."""
    total, note, tags = parse_fields(["total:decimal", "note:str?", "tags:list[uuid]"])
    assert (total.annotation, total.default, total.imports) == (
        "Decimal",
        None,
        ("from decimal import Decimal",),
    )
    assert (note.annotation, note.default) == ("str | None", "None")
    assert (tags.annotation, tags.default) == ("tuple[UUID, ...]", "()")


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("total", "NAME:TYPE"),
        ("total:money", r"unknown type 'money'.*decimal"),
        ("Total:int", "lower-case"),
        ("class:int", "lower-case"),
        ("id:str", "taken by mink's Aggregate"),
    ],
)
def test_bad_fields_are_usage_errors(spec: str, match: str) -> None:
    """A malformed spec, an unknown type or a bad name is named with the fix."""
    with pytest.raises(UsageError, match=match):
        parse_fields([spec])


def test_a_field_given_twice_is_a_usage_error() -> None:
    """Each field appears once."""
    with pytest.raises(UsageError, match="twice"):
        parse_fields(["a:int", "a:str"])


@pytest.mark.parametrize(
    ("verb", "participle"),
    [
        ("ship", "shipped"),
        ("place", "placed"),
        ("apply", "applied"),
        ("open", "opened"),
        ("deposit", "deposited"),
        ("pay", "paid"),
        ("submit", "submitted"),
        ("add", "added"),
        ("fix", "fixed"),
        ("allow", "allowed"),
        ("Send", "sent"),
    ],
)
def test_past_tense_follows_the_rules_and_knows_common_irregulars(
    verb: str, participle: str
) -> None:
    """Regular rules (e → d, consonant + y → ied, a short closed syllable doubles) and a list."""
    assert past_tense(verb) == participle


@pytest.mark.parametrize(
    ("action", "event"),
    [("Ship", "Shipped"), ("ChangeAddress", "AddressChanged"), ("add_line", "LineAdded")],
)
def test_the_event_of_an_action_puts_the_past_tense_last(action: str, event: str) -> None:
    """An action's first word, in the past tense, moves to the end of the event's name."""
    assert event_name_of(parse_name(action, what="command")).pascal == event
