"""The event-type registry: stable type names (and schema versions) for event classes.

The name, not the Python class path, is what the store records, so classes can be renamed and
moved without breaking the stored history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from mink_runtime.errors import ConfigurationError, UnknownEventTypeError

__all__ = ["EventRegistry", "EventType", "default_registry", "event"]

T = TypeVar("T", bound=type)


@dataclass(frozen=True, slots=True)
class EventType:
    """A registered event class, under its type name and current schema version."""

    name: str
    cls: type
    version: int


class EventRegistry:
    """Maps event type names to classes and back."""

    def __init__(self) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_class: dict[type, EventType] = {}
        self.generation = 0
        """Grows with every registration, so that caches of lookups know to start over."""

    def register(self, cls: T, *, name: str | None = None, version: int = 1) -> T:
        """Register `cls` under `name` (default: the class name) at schema `version`.

        Registering the same class again under the same name is a no-op.

        Raises:
            ConfigurationError: the name is taken by another class, the class is registered
                under another name, or the version is below 1.
        """
        name = name or cls.__name__
        if version < 1:
            raise ConfigurationError(f"event {name}: schema version must be 1 or more")
        known = self._by_name.get(name)
        if known is not None and known.cls is not cls:
            raise ConfigurationError(
                f"event type name {name!r} is already registered for "
                f"{known.cls.__module__}.{known.cls.__qualname__}; give "
                f"{cls.__module__}.{cls.__qualname__} a distinct name, e.g. "
                f"@event('{cls.__module__.rpartition('.')[2]}.{cls.__qualname__}')"
            )
        mine = self._by_class.get(cls)
        if mine is not None and mine.name != name:
            raise ConfigurationError(
                f"{cls.__qualname__} is already registered as {mine.name!r}; "
                "an event class has one type name"
            )
        entry = EventType(name, cls, version)
        self._by_name[name] = entry
        self._by_class[cls] = entry
        self.generation += 1
        return cls

    @overload
    def event(self, cls: T, /) -> T: ...
    @overload
    def event(self, name: str | None = None, /, *, version: int = 1) -> Callable[[T], T]: ...
    def event(self, target: Any = None, /, *, version: int = 1) -> Any:
        """Decorator form of `register`: `@registry.event` or `@registry.event("name")`."""
        return event(target, version=version, registry=self)

    def is_registered(self, cls: type) -> bool:
        """Whether `cls` has a type name here."""
        return cls in self._by_class

    def type_of(self, cls: type) -> EventType:
        """The registration of an event class.

        Raises:
            UnknownEventTypeError: the class is not registered.
        """
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventTypeError(
                f"{cls.__qualname__} is not a registered event type; decorate it with @event "
                "(or registry.register(...)), or name its type: NewEvent(type=..., data=...)"
            ) from None

    def lookup(self, name: str) -> EventType | None:
        """The registration under a type name, or None."""
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[EventType]:
        return iter(sorted(self._by_name.values(), key=lambda e: e.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def merge(self, other: EventRegistry) -> None:
        """Register everything `other` holds here too."""
        for entry in other:
            self.register(entry.cls, name=entry.name, version=entry.version)


default_registry = EventRegistry()
"""The registry `@event` and aggregates use unless given another."""


@overload
def event(cls: T, /) -> T: ...
@overload
def event(
    name: str | None = None, /, *, version: int = 1, registry: EventRegistry | None = None
) -> Callable[[T], T]: ...
def event(target: Any = None, /, *, version: int = 1, registry: EventRegistry | None = None) -> Any:
    """Register an event class: `@event`, `@event("order.Placed")`, `@event(version=2)`."""
    reg = registry if registry is not None else default_registry
    if isinstance(target, type):
        return reg.register(target, version=version)

    def decorate(cls: T) -> T:
        return reg.register(cls, name=target, version=version)

    return decorate
