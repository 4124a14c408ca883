"""`EventRegistry` and the `event` decorator: stable type names for event classes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mink_runtime.domain import EventRegistry, EventType, _registry, event
from mink_runtime.errors import ConfigurationError, UnknownEventTypeError


@dataclass(frozen=True)
class Placed:
    customer: str


@dataclass(frozen=True)
class Shipped:
    carrier: str


@dataclass(frozen=True)
class Cancelled:
    reason: str


def test_a_class_is_registered_under_its_class_name_by_default() -> None:
    """Without a name the type name is the class name, at schema version 1."""
    registry = EventRegistry()
    registry.register(Placed)
    assert registry.type_of(Placed) == EventType("Placed", Placed, 1)
    assert registry.lookup("Placed") == EventType("Placed", Placed, 1)


def test_the_decorator_registers_under_a_given_name_and_version() -> None:
    """`@registry.event("order.Placed", version=3)` records that name and schema version."""
    registry = EventRegistry()

    @registry.event("order.Placed", version=3)
    @dataclass(frozen=True)
    class Renamed:
        customer: str

    assert registry.lookup("order.Placed") == EventType("order.Placed", Renamed, 3)


def test_the_bare_decorator_registers_and_returns_the_class_itself() -> None:
    """`@registry.event` without parentheses leaves the class usable as it was."""
    registry = EventRegistry()

    @registry.event
    @dataclass(frozen=True)
    class Bare:
        n: int

    assert Bare(1).n == 1
    assert registry.type_of(Bare).name == "Bare"


def test_the_decorator_with_only_a_version_keeps_the_class_name() -> None:
    """`@registry.event(version=2)` names the type after the class."""
    registry = EventRegistry()

    @registry.event(version=2)
    @dataclass(frozen=True)
    class Upgraded:
        n: int

    assert registry.type_of(Upgraded) == EventType("Upgraded", Upgraded, 2)


def test_the_event_decorator_uses_the_default_registry_unless_given_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plain `@event` fills `default_registry`; `registry=` sends the class elsewhere."""
    default = EventRegistry()
    monkeypatch.setattr(_registry, "default_registry", default)
    elsewhere = EventRegistry()

    event(Placed)
    event("order.Shipped", registry=elsewhere)(Shipped)

    assert default.lookup("Placed") is not None
    assert "order.Shipped" not in default
    assert elsewhere.type_of(Shipped).name == "order.Shipped"


def test_registering_the_same_class_under_the_same_name_again_is_harmless() -> None:
    """Importing a module twice (or registering twice) does not fail."""
    registry = EventRegistry()
    registry.register(Placed, name="order.Placed")
    registry.register(Placed, name="order.Placed")
    assert len(registry) == 1


def test_a_name_taken_by_another_class_is_refused_with_both_classes_named() -> None:
    """The error names the class holding the name and suggests a distinct one."""
    registry = EventRegistry()
    registry.register(Placed, name="order.Placed")
    with pytest.raises(ConfigurationError) as raised:
        registry.register(Shipped, name="order.Placed")
    message = str(raised.value)
    assert f"{__name__}.Placed" in message
    assert f"{__name__}.Shipped" in message
    assert "distinct name" in message
    assert registry.type_of(Placed).name == "order.Placed"
    assert not registry.is_registered(Shipped)


def test_two_classes_with_the_same_class_name_collide_without_explicit_names() -> None:
    """Same-named classes from two modules need explicit type names; the error says so."""
    registry = EventRegistry()
    registry.register(Placed)
    other = type("Placed", (), {"__module__": "billing.events"})
    with pytest.raises(ConfigurationError, match=r"@event\('events\.Placed'\)"):
        registry.register(other)


def test_a_class_cannot_be_registered_under_a_second_name() -> None:
    """An event class has exactly one type name."""
    registry = EventRegistry()
    registry.register(Placed, name="order.Placed")
    with pytest.raises(ConfigurationError, match=r"already registered as 'order\.Placed'"):
        registry.register(Placed, name="order.PlacedAgain")
    assert registry.lookup("order.PlacedAgain") is None


@pytest.mark.parametrize("version", [0, -1])
def test_a_schema_version_below_one_is_refused(version: int) -> None:
    """Schema versions start at 1."""
    with pytest.raises(ConfigurationError, match="schema version must be 1 or more"):
        EventRegistry().register(Placed, version=version)


def test_asking_for_an_unregistered_class_raises_unknown_event_type() -> None:
    """The error tells how to register the class or name its type."""
    with pytest.raises(UnknownEventTypeError, match="not a registered event type"):
        EventRegistry().type_of(Placed)


def test_looking_up_an_unknown_name_gives_none() -> None:
    """Unknown type names are not an error (their events decode as dicts)."""
    assert EventRegistry().lookup("nope") is None


def test_a_registry_lists_its_types_by_name_and_answers_membership() -> None:
    """Iteration is sorted by type name; `in` asks about names; len counts them."""
    registry = EventRegistry()
    registry.register(Shipped, name="b.Shipped")
    registry.register(Placed, name="a.Placed")
    assert [entry.name for entry in registry] == ["a.Placed", "b.Shipped"]
    assert "a.Placed" in registry
    assert "Placed" not in registry
    assert len(registry) == 2
    assert registry.is_registered(Placed)
    assert not registry.is_registered(Cancelled)


def test_merge_copies_every_registration_with_its_name_and_version() -> None:
    """A registry merged into another makes its types known there too."""
    source = EventRegistry()
    source.register(Placed, name="order.Placed", version=2)
    target = EventRegistry()
    target.register(Shipped)
    target.merge(source)
    assert target.type_of(Placed) == EventType("order.Placed", Placed, 2)
    assert len(target) == 2


def test_merging_a_conflicting_registry_is_refused() -> None:
    """Two registries using one name for different classes cannot be merged."""
    source = EventRegistry()
    source.register(Placed, name="order.Event")
    target = EventRegistry()
    target.register(Cancelled, name="order.Event")
    with pytest.raises(ConfigurationError, match="already registered"):
        target.merge(source)
