"""`aggregate_handler`: the usual handler — load the aggregate, let it decide, save it.

```python
bus.register(ShipOrder, aggregate_handler(orders, lambda order, c: order.ship(c.carrier),
                                          id_of="order_id"))

@bus.handler
@aggregate_handler(orders, id_of="order_id", create=True)
def place_order(order: Order, command: PlaceOrder) -> None:    # the command type comes from
    order.place(command.customer_id)                          # this annotation
```

A `ConcurrencyError` on save (someone saved the aggregate since it was loaded) loads it again
and lets it decide again, up to `retries` times. Inside a transaction the idempotency
middleware opened, a failed statement ends the transaction on PostgreSQL; the helper then leaves
the retry to the retry middleware, which runs the whole transaction again (the handler is
declared safe for that).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from operator import attrgetter
from typing import Any, Generic, TypeVar, overload

from mink_runtime.application._repository import AggregateRepository
from mink_runtime.application.commands._dispatch import current_command
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.domain import Aggregate
from mink_runtime.errors import ConcurrencyError, ConfigurationError

__all__ = ["AggregateCommandHandler", "aggregate_handler"]

A = TypeVar("A", bound=Aggregate)
Decide = Callable[[A, Any], Any]


class AggregateCommandHandler(Generic[A]):
    """A command handler that loads (or creates) an aggregate, calls `decide(aggregate,
    command)` and saves what it recorded. Make one with `aggregate_handler`."""

    def __init__(
        self,
        repository: AggregateRepository[A],
        decide: Decide[A],
        *,
        id_of: str | Callable[[Any], str],
        create: bool = False,
        retries: int = 3,
    ) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigurationError(f"retries must be 0 or more, got {retries!r}")
        if isinstance(id_of, str):
            if not id_of:
                raise ConfigurationError("id_of names the command attribute holding the id")
            self._id_of: Callable[[Any], Any] = attrgetter(id_of)
        elif callable(id_of):
            self._id_of = id_of
        else:
            raise ConfigurationError(f"id_of is an attribute name or a function, got {id_of!r}")
        self.repository = repository
        self.decide = decide
        self.create = create
        self.retries = retries
        self.retry_on_conflict = not create
        """Loading and deciding again is safe; creating again would only conflict again."""
        self.command_type: type | None = _command_type_of(decide)
        """The command type `decide` annotates, for `@bus.handler`."""
        self.__name__ = getattr(decide, "__name__", type(self).__name__)
        self.__qualname__ = getattr(decide, "__qualname__", self.__name__)
        self.__module__ = getattr(decide, "__module__", __name__)

    async def __call__(self, command: Any) -> CommandResult:
        """Load, decide, save; return the aggregate's id, new version and event positions.

        Raises:
            AggregateNotFoundError: the aggregate does not exist (and `create` is off).
            ConcurrencyError: the aggregate kept changing under it (after `retries`), or, with
                `create`, it exists already.
            ConfigurationError: the command has no usable aggregate id.
        """
        aggregate_id = self._aggregate_id(command)
        repository = self.repository
        attempt = 0
        while True:
            if self.create:
                aggregate = repository.aggregate_type(aggregate_id)
            else:
                aggregate = await repository.load(aggregate_id)
            value = self.decide(aggregate, command)
            if inspect.isawaitable(value):
                value = await value
            try:
                saved = await repository.save(aggregate)
            except ConcurrencyError:
                attempt += 1
                if self.create or attempt > self.retries or _in_transaction():
                    raise
                continue
            command_id = _command_id()
            return CommandResult(
                command_id=command_id,
                aggregate_id=aggregate.id,
                stream_id=aggregate.stream_id,
                version=aggregate.version,
                positions=() if saved is None else saved.positions,
                checkpoint=None if saved is None else saved.checkpoint,
                value=value,
            )

    def _aggregate_id(self, command: Any) -> str:
        try:
            found = self._id_of(command)
        except AttributeError as error:
            raise ConfigurationError(
                f"{type(command).__name__} has no aggregate id for {self.__name__}: {error}"
            ) from error
        if found is None or found == "":
            raise ConfigurationError(
                f"{type(command).__name__} carries an empty aggregate id for {self.__name__}"
            )
        return str(found)

    def __repr__(self) -> str:
        kind = self.repository.aggregate_type.__name__
        return f"<aggregate_handler {self.__qualname__} of {kind}>"


@overload
def aggregate_handler(
    repository: AggregateRepository[A],
    decide: Decide[A],
    /,
    *,
    id_of: str | Callable[[Any], str],
    create: bool = False,
    retries: int = 3,
) -> AggregateCommandHandler[A]: ...
@overload
def aggregate_handler(
    repository: AggregateRepository[A],
    /,
    *,
    id_of: str | Callable[[Any], str],
    create: bool = False,
    retries: int = 3,
) -> Callable[[Decide[A]], AggregateCommandHandler[A]]: ...
def aggregate_handler(
    repository: AggregateRepository[A],
    decide: Decide[A] | None = None,
    /,
    *,
    id_of: str | Callable[[Any], str],
    create: bool = False,
    retries: int = 3,
) -> Any:
    """A handler that loads the aggregate (`repository.load(id_of(command))`), calls
    `decide(aggregate, command)` (`def` or `async def`), saves it and returns its id, version
    and positions, with what `decide` returned as the result's `value`.

    `id_of`: the command attribute holding the aggregate id, or a function of the command.
    `create`: the command starts a new aggregate (none is loaded; saving fails if it exists).
    `retries`: how often a `ConcurrencyError` on save reloads and decides again.
    Without `decide`, it is a decorator.

    Raises:
        ConfigurationError: a bad `id_of` or `retries`.
    """

    def make(function: Decide[A]) -> AggregateCommandHandler[A]:
        return AggregateCommandHandler(
            repository, function, id_of=id_of, create=create, retries=retries
        )

    return make if decide is None else make(decide)


def _command_type_of(decide: Callable[..., Any]) -> type | None:
    """The annotation of `decide`'s second parameter (the command), if it is a class."""
    try:
        parameters = list(inspect.signature(decide).parameters.values())
        hints = typing.get_type_hints(decide)
    except (NameError, TypeError, ValueError):
        return None
    hint = hints.get(parameters[1].name) if len(parameters) > 1 else None
    return hint if isinstance(hint, type) else None


def _in_transaction() -> bool:
    context = current_command()
    return context is not None and context.in_transaction


def _command_id() -> str:
    context = current_command()
    return "" if context is None else context.command_id
