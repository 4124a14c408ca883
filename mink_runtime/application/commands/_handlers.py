"""`CommandHandlers`: one handler per command type, registered explicitly or by decorator.

```python
handlers = CommandHandlers()

@handlers.handler                       # the command type from the first parameter's annotation
async def place_order(command: PlaceOrder) -> CommandResult: ...

handlers.register(CancelOrder, cancel_order, retry_on_conflict=True, timeout=5)
```

Handlers may be `async def` (awaited on the loop) or `def`. A `def` handler is called on the
event loop, like aggregate code, so it must not block; behind the sync door
(`mink_runtime.sync.CommandBus`) it runs in the thread that dispatched, where blocking is fine.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from mink_runtime.errors import ConfigurationError, UnknownCommandError

__all__ = [
    "BlockingCaller",
    "CommandHandlers",
    "HandlerRegistration",
    "blocking_caller",
    "call_handler",
]

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[[Any], Any]

BlockingCaller = Callable[[Handler, Any], Awaitable[Any]]
"""Runs a `def` handler somewhere it may block, and waits for its return value."""

blocking_caller: ContextVar[BlockingCaller | None] = ContextVar(
    "mink_blocking_caller", default=None
)
"""Where `def` handlers run: None calls them on the loop; the sync door sets one that runs them
in the thread that dispatched."""


@dataclass(frozen=True, slots=True)
class HandlerRegistration:
    """A handler and the options it was registered with."""

    command_type: type
    name: str
    """The command's name in logs, metrics and idempotency records (the class name)."""
    handler: Handler
    is_async: bool
    retry_on_conflict: bool
    """Safe to run again after a `ConcurrencyError` (the retry middleware then does)."""
    timeout: float | None
    """Overrides the timeout middleware's limit for this command."""


class CommandHandlers:
    """The handlers of a bus, one per command type."""

    def __init__(self) -> None:
        self._by_type: dict[type, HandlerRegistration] = {}
        self._by_name: dict[str, HandlerRegistration] = {}

    def register(
        self,
        command_type: type,
        handler: Handler,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> HandlerRegistration:
        """Make `handler` the handler of `command_type`.

        `retry_on_conflict` declares the handler safe to run again after a `ConcurrencyError`
        (default: the handler's own `retry_on_conflict` attribute, which handlers made by
        `aggregate_handler` set; else False). `timeout` (seconds) overrides the timeout
        middleware's limit for this command.

        Raises:
            ConfigurationError: the command type already has a handler, its name is taken by
                another command type, the handler is not callable or the timeout not positive.
        """
        if not isinstance(command_type, type):
            raise ConfigurationError(f"commands are registered by class, got {command_type!r}")
        if not callable(handler):
            raise ConfigurationError(f"the handler of {command_type.__name__} is not callable")
        if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
            raise ConfigurationError(f"timeout is in seconds, above 0; got {timeout!r}")
        name = name or command_type.__name__
        known = self._by_type.get(command_type)
        if known is not None:
            raise ConfigurationError(
                f"{name} already has a handler ({_describe(known.handler)}); a command type "
                "has exactly one handler"
            )
        taken = self._by_name.get(name)
        if taken is not None:
            raise ConfigurationError(
                f"the command name {name!r} is taken by {_describe(taken.command_type)}; "
                f"register {_describe(command_type)} with a distinct name=..."
            )
        if retry_on_conflict is None:
            retry_on_conflict = bool(getattr(handler, "retry_on_conflict", False))
        registration = HandlerRegistration(
            command_type=command_type,
            name=name,
            handler=handler,
            is_async=_is_async(handler),
            retry_on_conflict=retry_on_conflict,
            timeout=None if timeout is None else float(timeout),
        )
        self._by_type[command_type] = registration
        self._by_name[name] = registration
        return registration

    @overload
    def handler(self, function: F, /) -> F: ...
    @overload
    def handler(
        self,
        command_type: type | None = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...
    def handler(
        self,
        target: Any = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Decorator form of `register`: `@handlers.handler` takes the command type from the
        handler's `command_type` attribute or its first parameter's annotation;
        `@handlers.handler(PlaceOrder, timeout=5)` names it.

        Raises:
            ConfigurationError: as `register`, or the command type cannot be found.
        """

        def decorate(function: F, command_type: type | None = None) -> F:
            found = command_type or command_type_of(function)
            self.register(
                found, function, name=name, retry_on_conflict=retry_on_conflict, timeout=timeout
            )
            return function

        if callable(target) and not isinstance(target, type):
            return decorate(target)
        return lambda function: decorate(function, target)

    def include(self, other: CommandHandlers) -> None:
        """Register every handler of `other` here too (handlers declared in another module).

        Raises:
            ConfigurationError: a command type or name is registered in both.
        """
        for registration in other:
            self.register(
                registration.command_type,
                registration.handler,
                name=registration.name,
                retry_on_conflict=registration.retry_on_conflict,
                timeout=registration.timeout,
            )

    def lookup(self, command_type: type) -> HandlerRegistration:
        """The registration of a command type.

        Raises:
            UnknownCommandError: no handler is registered for it.
        """
        try:
            return self._by_type[command_type]
        except KeyError:
            raise UnknownCommandError(
                command_type.__name__, registered=tuple(sorted(self._by_name))
            ) from None

    def __iter__(self) -> Iterator[HandlerRegistration]:
        return iter(sorted(self._by_name.values(), key=lambda r: r.name))

    def __len__(self) -> int:
        return len(self._by_type)

    def __contains__(self, command_type: object) -> bool:
        return command_type in self._by_type


async def call_handler(registration: HandlerRegistration, command: Any) -> Any:
    """Run a handler and return what it returned (awaited, for an async one)."""
    if registration.is_async:
        return await registration.handler(command)
    caller = blocking_caller.get()
    if caller is not None:
        value = await caller(registration.handler, command)
    else:
        value = registration.handler(command)
    if inspect.isawaitable(value):
        value = await value
    return value


def command_type_of(handler: Callable[..., Any]) -> type:
    """The command type a handler declares: its `command_type` attribute, or the annotation of
    its first parameter.

    Raises:
        ConfigurationError: it declares none.
    """
    declared = getattr(handler, "command_type", None)
    if isinstance(declared, type):
        return declared
    target = handler if inspect.isroutine(handler) else type(handler).__call__
    try:
        parameters = list(inspect.signature(handler).parameters.values())
        hints = typing.get_type_hints(target)
    except (NameError, TypeError, ValueError) as error:
        raise ConfigurationError(
            f"cannot read the command type of {_describe(handler)} ({error}); name it: "
            "@bus.handler(PlaceOrder)"
        ) from error
    hint = hints.get(parameters[0].name) if parameters else None
    if not isinstance(hint, type):
        raise ConfigurationError(
            f"{_describe(handler)} has no annotated command parameter; annotate it "
            "(`async def handle(command: PlaceOrder)`) or name the type: @bus.handler(PlaceOrder)"
        )
    return hint


def _is_async(handler: Handler) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - an async __call__ of an object
    )


def _describe(thing: object) -> str:
    name = getattr(thing, "__qualname__", None) or type(thing).__qualname__
    module = getattr(thing, "__module__", None) or type(thing).__module__
    return f"{module}.{name}"
