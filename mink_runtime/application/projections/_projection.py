"""`Projection`: the base class of projections, `@handles` to mark its event handlers, and
`OnError`, what the engine does when a handler keeps failing on an event.

A handler is a method taking the event (its class comes from the annotation; a union of classes
handles each of them) and, optionally, the `RecordedEvent` around it; `def` or `async def`.
The handled classes become the event-type filter of the projection's reads of the log.
"""

from __future__ import annotations

import enum
import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, Union

from mink_runtime.application.projections._buffer import BufferedRepository
from mink_runtime.domain import EventRegistry, RecordedEvent
from mink_runtime.errors import ConfigurationError, ProjectionError, UnknownEventTypeError
from mink_runtime.ports import ReadModelRepository

__all__ = ["Handler", "OnError", "Projection", "handles", "snake_case"]

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")

_MARK = "__mink_handles__"


class OnError(enum.Enum):
    """What an async projection does with an event its handler keeps failing on (after its
    retries): both record it as a dead letter."""

    STOP = "stop"
    """Stop the worker and mark the projection FAULTED until an operator resumes it; resuming
    retries the event."""
    SKIP = "skip"
    """Move past the event and go on."""


def handles(function: F) -> F:
    """Mark a method of a `Projection` as the handler of the event class its first parameter
    is annotated with: `def placed(self, event: OrderPlaced, recorded: RecordedEvent)`."""
    setattr(function, _MARK, True)
    return function


@dataclass(frozen=True, slots=True)
class Handler:
    """A projection method and how to call it."""

    name: str
    """The method's name."""
    with_recorded: bool
    """Whether it takes the `RecordedEvent` as a second argument."""
    is_async: bool


def snake_case(name: str) -> str:
    """`OrderSummaries` → `order_summaries`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Projection:
    """Base class of projections: turn events into read models (or plain attributes).

    Class attributes configure it: `name` (default: the class name in snake case), `version`
    (register N+1 beside N for a blue/green rebuild), `on_error` (`OnError.STOP` or `SKIP`),
    `retries` (attempts of a failing event before it is dead-lettered), `batch_size` (events per
    transaction) and `partitions` (N > 1: N workers, each owning the streams hashed to it).
    """

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    on_error: ClassVar[OnError] = OnError.STOP
    retries: ClassVar[int] = 3
    batch_size: ClassVar[int] = 500
    partitions: ClassVar[int] = 1

    _handlers: ClassVar[dict[type, Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = snake_case(cls.__name__)
        if cls.version < 1 or cls.partitions < 1 or cls.batch_size < 1 or cls.retries < 1:
            raise ConfigurationError(
                f"{cls.__qualname__}: version, partitions, batch_size and retries must be 1 or more"
            )
        found: dict[type, Handler] = {}
        for base in reversed(cls.__mro__):
            for attr, value in vars(base).items():
                if callable(value) and getattr(value, _MARK, False):
                    for event_class in _event_classes(cls, attr, value):
                        found[event_class] = _handler(attr, value)
        cls._handlers = found

    # --- hooks ---------------------------------------------------------------------------

    async def clear(self) -> None:
        """Empty the read model before a rebuild replays every event (default: nothing)."""

    async def drop(self) -> None:
        """Remove the read model of a retired version (default: nothing)."""

    def buffered(self, repository: ReadModelRepository[M]) -> BufferedRepository[M]:
        """Wrap a repository so that this projection's writes to it wait for the end of each
        batch, and are then written together (see `BufferedRepository`):
        `self.summaries = self.buffered(summaries)` in `__init__`."""
        buffer = BufferedRepository(repository)
        self.__dict__.setdefault("_buffers", []).append(buffer)
        return buffer

    async def flush(self) -> None:
        """Write what a batch buffered: the engine calls it at the end of each batch, inside
        its transaction, before the checkpoint moves (default: flush the `buffered`
        repositories). Override it to write batched changes of your own."""
        for buffer in self.__dict__.get("_buffers", ()):
            await buffer.flush()

    def discard(self) -> None:
        """Forget what a failed batch buffered (its transaction rolled back)."""
        for buffer in self.__dict__.get("_buffers", ()):
            buffer.discard()

    # --- what the engine uses ------------------------------------------------------------

    @classmethod
    def handled_classes(cls) -> tuple[type, ...]:
        """The event classes this projection has handlers for."""
        return tuple(cls._handlers)

    @classmethod
    def event_types(cls, registry: EventRegistry) -> list[str]:
        """The type names of the handled events in `registry`: the filter of its reads.

        Raises:
            ConfigurationError: a handled class is not registered there.
        """
        names = []
        for event_class in cls._handlers:
            try:
                names.append(registry.type_of(event_class).name)
            except UnknownEventTypeError as error:
                raise ConfigurationError(
                    f"projection {cls.name!r} handles {event_class.__qualname__}, which the "
                    "store's event registry does not know; register it with @event (in the "
                    "registry the store was opened with)"
                ) from error
        return sorted(names)

    def handles_event(self, recorded: RecordedEvent) -> bool:
        """Whether a handler takes this event's class."""
        return type(recorded.data) in self._handlers

    async def apply(self, recorded: RecordedEvent) -> None:
        """Run the handler of a recorded event (none: nothing happens).

        Raises:
            ProjectionError: the event's data was not decoded to a class (its type is not in
                the store's registry), so no handler can take it.
        """
        handler = self._handlers.get(type(recorded.data))
        if handler is None:
            if isinstance(recorded.data, dict | list):
                raise ProjectionError(
                    f"projection {self.name!r}: event {recorded.event_id} of type "
                    f"{recorded.type!r} could not be decoded to a class; register its class "
                    "with @event in the store's registry"
                )
            return
        method = getattr(self, handler.name)
        result = method(recorded.data, recorded) if handler.with_recorded else method(recorded.data)
        if handler.is_async:
            await typing.cast(Awaitable[None], result)


def _event_classes(cls: type, attr: str, function: Callable[..., Any]) -> Collection[type]:
    parameters = list(inspect.signature(function).parameters.values())[1:]
    where = f"{cls.__qualname__}.{attr}"
    if not parameters:
        raise ConfigurationError(f"@handles {where} takes no event; add `event: YourEvent`")
    annotation = parameters[0].annotation
    if isinstance(annotation, str):
        try:
            annotation = eval(annotation, getattr(function, "__globals__", {}), dict(vars(cls)))
        except NameError as error:
            raise ConfigurationError(
                f"@handles {where}: its event annotation cannot be resolved ({error}); import "
                "the event class at module level"
            ) from error
    if annotation is inspect.Parameter.empty:
        annotation = None
    if annotation is None:
        raise ConfigurationError(
            f"@handles {where}: annotate its first parameter with the event class it handles"
        )
    origin = typing.get_origin(annotation)
    classes = typing.get_args(annotation) if origin in (Union, types.UnionType) else (annotation,)
    if not all(isinstance(c, type) for c in classes):
        raise ConfigurationError(
            f"@handles {where}: {annotation!r} is not an event class (or a union of them)"
        )
    return classes


def _handler(attr: str, function: Callable[..., Any]) -> Handler:
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return Handler(
        name=attr,
        with_recorded=len(parameters) >= 2,
        is_async=inspect.iscoroutinefunction(function),
    )
