"""Given / when / then: tests of aggregates and of command handlers that read like the rules.

```python
# An aggregate alone: no store, no event loop.
AggregateScenario(Order).given(OrderPlaced("alice")).when(lambda order: order.ship("ups")) \\
    .then(OrderShipped("ups"))

# A handler through the bus, over a memory store (the `scenario` fixture of the pytest plugin).
await scenario.given("order-42", OrderPlaced("alice")).when(ShipOrder("42", "ups")) \\
    .then(OrderShipped("ups"))
await scenario.when(ShipOrder("404", "ups")).then_raises(AggregateNotFoundError)
```

Scenarios are immutable: `given` and `when` return new ones, so one can be the start of many.
A failed `then` raises an `AssertionError` whose message shows, event by event, what differs.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from mink_runtime.application.commands import CommandBus, CommandResult
from mink_runtime.domain import Aggregate, Checkpoint, RecordedEvent
from mink_runtime.errors import ConfigurationError
from mink_runtime.ports import EventStore
from mink_runtime.testing._diff import assert_events

__all__ = ["AggregateScenario", "CommandScenario", "ScenarioOutcome"]

A = TypeVar("A", bound=Aggregate)
E = TypeVar("E", bound=BaseException)

_NOTHING: Any = object()


def _check_raised(
    error: BaseException | None, error_type: type[E], match: str | None, recorded: Sequence[Any]
) -> E:
    """The raised error of `error_type` (itself, or the cause it wraps: the recovery middleware
    raises `CommandError` from a handler's own exception), if it matches; else an
    `AssertionError`."""
    if error is None:
        raise AssertionError(
            f"expected {error_type.__name__} to be raised, but the command succeeded "
            f"and recorded {list(recorded)!r}"
        )
    found: BaseException | None = error
    while found is not None and not isinstance(found, error_type):
        found = found.__cause__
    if found is None:
        raise AssertionError(
            f"expected {error_type.__name__}, but {type(error).__name__} was raised: {error}"
        ) from error
    if match is not None and not re.search(match, str(found)):
        raise AssertionError(
            f"{type(found).__name__} was raised, but its message {str(found)!r} does not "
            f"match {match!r}"
        ) from error
    return found


@dataclass(frozen=True, slots=True)
class AggregateScenario(Generic[A]):
    """Given past events, when the aggregate is asked something, then these events (or this
    error). `when` takes a function of the aggregate, or — with `decide`, the function you give
    `aggregate_handler` — a command.
    """

    aggregate_type: type[A]
    aggregate_id: str = "1"
    decide: Callable[[A, Any], Any] | None = None
    history: tuple[Any, ...] = ()
    action: Any = _NOTHING

    def given(self, *events: Any) -> AggregateScenario[A]:
        """The aggregate's history, applied before `when` (adds to earlier `given`s)."""
        return replace(self, history=self.history + events)

    def when(self, action: Any) -> AggregateScenario[A]:
        """What is asked: `lambda order: order.ship("ups")`, or a command for `decide`."""
        return replace(self, action=action)

    def then(self, *events: Any) -> A:
        """Assert that exactly these events were recorded, in order; return the aggregate for
        checks of its state.

        Raises:
            AssertionError: other events were recorded, or `when` raised.
        """
        aggregate, error, _ = self._run()
        if error is not None:
            raise AssertionError(
                f"expected {len(events)} event(s), but {type(error).__name__} was raised: {error}"
            ) from error
        assert_events(events, aggregate.pending_events)
        return aggregate

    def then_raises(self, error_type: type[E], *, match: str | None = None) -> E:
        """Assert that `when` raised `error_type` (its message searched for the regular
        expression `match`); return the error.

        Raises:
            AssertionError: nothing, or something else, was raised.
        """
        aggregate, error, _ = self._run()
        return _check_raised(error, error_type, match, aggregate.pending_events)

    def _run(self) -> tuple[A, BaseException | None, Any]:
        if self.action is _NOTHING:
            raise ConfigurationError("a scenario needs a `when(...)` before `then`")
        aggregate = self.aggregate_type(self.aggregate_id)
        for past in self.history:
            aggregate.apply_event(past)
        aggregate.mark_committed()
        try:
            if self.decide is not None:
                value = self.decide(aggregate, self.action)
            elif callable(self.action):
                value = self.action(aggregate)
            else:
                raise ConfigurationError(
                    "when(...) takes a function of the aggregate, or a command together with "
                    "AggregateScenario(..., decide=...)"
                )
            if inspect.isawaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()
                raise ConfigurationError(
                    "this `when` is async; test it through a handler with CommandScenario"
                )
        except ConfigurationError:
            raise
        except Exception as error:
            return aggregate, error, None
        return aggregate, None, value


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """What a command did in a `CommandScenario`: its result and the events it recorded."""

    result: CommandResult
    recorded: list[RecordedEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CommandScenario:
    """Given events in streams, when a command is dispatched through the bus, then these
    events were recorded (in any streams, in order), or this error was raised.
    """

    bus: CommandBus
    store: EventStore
    history: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    command: Any = _NOTHING

    def given(self, stream_id: str, *events: Any) -> CommandScenario:
        """Events already in `stream_id` before the command (adds to earlier `given`s).

        Raises:
            ConfigurationError: the stream id is missing.
        """
        if not isinstance(stream_id, str) or not stream_id:
            raise ConfigurationError(
                "given(...) names the stream first: given('order-42', OrderPlaced(...))"
            )
        return replace(self, history=(*self.history, (stream_id, events)))

    def when(self, command: Any) -> CommandScenario:
        """The command to dispatch."""
        return replace(self, command=command)

    async def then(self, *events: Any) -> ScenarioOutcome:
        """Assert that the command recorded exactly these events, in order (compared by their
        data); return its result and the recorded events.

        Raises:
            AssertionError: other events were recorded, or the command failed.
        """
        result, error, recorded = await self._run()
        if error is not None:
            raise AssertionError(
                f"expected {len(events)} event(s), but {type(error).__name__} was raised: {error}"
            ) from error
        assert result is not None
        assert_events(events, [event.data for event in recorded])
        return ScenarioOutcome(result=result, recorded=recorded)

    async def then_raises(self, error_type: type[E], *, match: str | None = None) -> E:
        """Assert that the dispatch raised `error_type` (its message searched for `match`)
        and recorded nothing; return the error.

        Raises:
            AssertionError: nothing, or something else, was raised; or events were recorded.
        """
        _, error, recorded = await self._run()
        raised = _check_raised(error, error_type, match, [e.data for e in recorded])
        assert_events([], [event.data for event in recorded])
        return raised

    async def _run(
        self,
    ) -> tuple[CommandResult | None, BaseException | None, list[RecordedEvent]]:
        if self.command is _NOTHING:
            raise ConfigurationError("a scenario needs a `when(command)` before `then`")
        for stream_id, events in self.history:
            if events:
                await self.store.append(stream_id, list(events))
        start = await self.store.head()
        try:
            result: CommandResult | None = await self.bus.dispatch(self.command)
            error: BaseException | None = None
        except Exception as raised:
            result, error = None, raised
        return result, error, await _read_after(self.store, start)


async def _read_after(store: EventStore, checkpoint: Checkpoint) -> list[RecordedEvent]:
    events: list[RecordedEvent] = []
    while True:
        page = await store.read_all(after=checkpoint)
        events += page.events
        checkpoint = page.checkpoint
        if page.is_end:
            return events
