"""The aggregate base class: commands record events, `@apply` handlers change state.

```python
@event
@dataclass(frozen=True)
class OrderPlaced:
    customer_id: str

class Order(Aggregate):
    category = "order"

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.customer_id: str | None = None

    def place(self, customer_id: str) -> None:        # a command: check, then record
        if self.customer_id is not None:
            raise ValueError("already placed")
        self.record(OrderPlaced(customer_id=customer_id))

    @apply
    def _placed(self, event: OrderPlaced) -> None:    # state changes only here
        self.customer_id = event.customer_id
```

Aggregates do no I/O; `AggregateRepository` loads and saves them.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar, overload

from mink_runtime.domain._conversion import from_primitive, to_primitive
from mink_runtime.domain._registry import EventRegistry, default_registry
from mink_runtime.errors import AggregateError, ConfigurationError, MissingApplyHandlerError

__all__ = ["Aggregate", "apply"]

Handler = Callable[[Any, Any], None]
F = TypeVar("F", bound=Callable[..., None])

_APPLIES = "__mink_applies__"


@overload
def apply(func: F, /) -> F: ...
@overload
def apply(*event_types: type) -> Callable[[F], F]: ...
def apply(*args: Any) -> Any:
    """Mark a method as the state change for an event type.

    `@apply` takes the type from the annotation of the method's event parameter;
    `@apply(OrderPlaced, OrderReplaced)` names the types explicitly.
    """
    if len(args) == 1 and callable(args[0]) and not isinstance(args[0], type):
        setattr(args[0], _APPLIES, ())
        return args[0]

    def mark(func: F) -> F:
        setattr(func, _APPLIES, tuple(args))
        return func

    return mark


class Aggregate:
    """Base class of event-sourced aggregates.

    Class settings:
        category: the stream category (default: the class name in lower case); an
            aggregate with id `"42"` lives in stream `"<category>-42"`.
        registry: where its event types are registered (default: `default_registry`).
        snapshot_version: bump it when the state's shape changes; older snapshots are then
            discarded and the aggregate replayed from its events.
        strict_apply: an event without an `@apply` handler raises (default) or is ignored.

    The constructor must accept the id alone: the repository calls `cls(id)` before replaying.
    """

    category: ClassVar[str]
    registry: ClassVar[EventRegistry] = default_registry
    snapshot_version: ClassVar[int] = 1
    strict_apply: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "category" not in cls.__dict__:
            cls.category = cls.__name__.lower()
        if not cls.category or "-" in cls.category:
            raise ConfigurationError(
                f"{cls.__qualname__}.category must be non-empty and contain no '-', "
                f"got {cls.category!r}"
            )

    def __init__(self, id: str) -> None:
        if not isinstance(id, str) or not id:
            raise AggregateError(f"{type(self).__name__} needs a non-empty string id, got {id!r}")
        self.id = id
        self.version = 0
        """How many events this aggregate has applied, recorded ones included."""
        self._recorded: list[Any] = []

    @property
    def stream_id(self) -> str:
        """The stream holding this aggregate's events: `"<category>-<id>"`."""
        return f"{self.category}-{self.id}"

    @property
    def pending_events(self) -> tuple[Any, ...]:
        """Events recorded since the aggregate was loaded or saved."""
        return tuple(self._recorded)

    @property
    def committed_version(self) -> int:
        """The version the store holds: what a save expects the stream to be at."""
        return self.version - len(self._recorded)

    def record(self, event: Any) -> None:
        """Apply a new event to the state and keep it for the next save."""
        self.apply_event(event)
        self._recorded.append(event)

    def apply_event(self, event: Any) -> None:
        """Apply an event to the state (replaying history, or recording a new one)."""
        handler = self._handlers().get(type(event))
        if handler is not None:
            handler(self, event)
        elif self.strict_apply:
            name = event.get("type", "a dict") if isinstance(event, dict) else type(event).__name__
            raise MissingApplyHandlerError(type(self).__name__, str(name))
        self.version += 1

    def replay(self, events: Iterable[Any]) -> None:
        """Apply stored events in order: `apply_event` for a whole history, at a lower cost."""
        handlers, strict = self._handlers(), self.strict_apply
        applied = 0
        for event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, event)
            elif strict:
                self.version += applied
                self.apply_event(event)  # raises the telling error
            applied += 1
        self.version += applied

    def mark_committed(self, version: int | None = None) -> None:
        """Forget the recorded events once they are stored (the repository calls this)."""
        self._recorded.clear()
        if version is not None:
            self.version = version

    # --- snapshots -------------------------------------------------------------------------

    def snapshot_state(self) -> dict[str, Any]:
        """The state to snapshot, as JSON-compatible primitives.

        The default takes every public attribute but `id` and `version`. Override it together
        with `restore_state` for state that is not plain data.
        """
        return {
            name: to_primitive(value)
            for name, value in vars(self).items()
            if not name.startswith("_") and name not in ("id", "version")
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Set the state from `snapshot_state()`'s output.

        Attributes annotated on the class (`status: OrderStatus`) get their types back; others
        keep the primitive form.
        """
        hints = _state_hints(type(self))
        for name, value in state.items():
            hint = hints.get(name)
            setattr(self, name, value if hint is None else from_primitive(hint, value))

    # --- handler table ---------------------------------------------------------------------

    @classmethod
    def event_types(cls) -> tuple[type, ...]:
        """The event classes this aggregate applies."""
        return tuple(cls._handlers())

    @classmethod
    def _handlers(cls) -> dict[type, Handler]:
        table: dict[type, Handler] | None = cls.__dict__.get("__mink_handlers__")
        if table is None:
            table = _collect_handlers(cls)
            for event_type in table:
                if not cls.registry.is_registered(event_type):
                    cls.registry.register(event_type)
            cls.__mink_handlers__ = table  # type: ignore[attr-defined]
        return table


def _collect_handlers(cls: type[Aggregate]) -> dict[type, Handler]:
    table: dict[type, Handler] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            declared = getattr(member, _APPLIES, None)
            if declared is None:
                continue
            # By name, so that a subclass overriding the method (decorated or not) wins.
            handler = getattr(cls, name)
            for event_type in declared or (_annotated_event_type(klass, name, member),):
                table[event_type] = handler
    return table


def _annotated_event_type(owner: type, name: str, method: Callable[..., Any]) -> type:
    try:
        hints = typing.get_type_hints(method)
    except NameError as error:
        raise ConfigurationError(
            f"{owner.__qualname__}.{name}: cannot resolve the event type annotation ({error}); "
            f"define the event class at module level, or name it: @apply(EventClass)"
        ) from error
    hints.pop("return", None)
    params = list(hints.values())
    if len(params) != 1 or not isinstance(params[0], type):
        raise ConfigurationError(
            f"{owner.__qualname__}.{name}: an @apply method takes one annotated event "
            f"parameter, e.g. `def {name}(self, event: OrderPlaced) -> None`"
        )
    return params[0]


def _state_hints(cls: type) -> dict[str, Any]:
    hints: dict[str, Any] | None = cls.__dict__.get("__mink_state_hints__")
    if hints is None:
        try:
            hints = typing.get_type_hints(cls)
        except NameError:
            hints = {}
        hints = {k: v for k, v in hints.items() if typing.get_origin(v) is not ClassVar}
        cls.__mink_state_hints__ = hints  # type: ignore[attr-defined]
    return hints
