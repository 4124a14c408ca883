"""`CommandResult`: what a dispatched command did: the aggregate, its version, its positions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mink_runtime.application._recording import Save
from mink_runtime.domain import AppendResult, Checkpoint, to_primitive
from mink_runtime.errors import SerializationError

__all__ = ["CommandResult", "result_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    """The outcome of a command: which aggregate it changed, to what version, where its events
    are in the global log, and whatever value the handler returned.

    `wait_for(result.checkpoint)` (read side) to read your own writes. A result that an
    idempotency key replayed has `replayed=True` and the original command's id; its `value` is
    in its JSON form.
    """

    command_id: str = ""
    """The id of the command that ran the handler (its `command_id`, or one mink drew)."""
    aggregate_id: str | None = None
    stream_id: str | None = None
    version: int | None = None
    """The stream's version after the command: the version of its last event."""
    positions: tuple[int, ...] = ()
    """Global positions of every event the command recorded, in order."""
    checkpoint: Checkpoint | None = None
    """The checkpoint of the last event recorded; None when the command recorded none."""
    value: Any = None
    """What the handler returned, when that was not a result of its own."""
    replayed: bool = False
    """True when an idempotency key returned the stored result: the handler did not run."""

    @property
    def recorded(self) -> bool:
        """Whether the command recorded any event."""
        return bool(self.positions)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-compatible primitives (how an idempotency store keeps it).

        Raises:
            SerializationError: `value` has no primitive form.
        """
        try:
            value = to_primitive(self.value)
        except SerializationError as error:
            raise SerializationError(
                f"the value a handler returned must have a JSON form to be stored with an "
                f"idempotency key: {error}"
            ) from error
        return {
            "command_id": self.command_id,
            "aggregate_id": self.aggregate_id,
            "stream_id": self.stream_id,
            "version": self.version,
            "positions": list(self.positions),
            "checkpoint": None if self.checkpoint is None else str(self.checkpoint),
            "value": value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, replayed: bool = False) -> CommandResult:
        """Rebuild a result written by `to_dict()`.

        Raises:
            ConfigurationError: the stored checkpoint is not one.
        """
        checkpoint = data.get("checkpoint")
        return cls(
            command_id=data.get("command_id") or "",
            aggregate_id=data.get("aggregate_id"),
            stream_id=data.get("stream_id"),
            version=data.get("version"),
            positions=tuple(data.get("positions") or ()),
            checkpoint=None if checkpoint is None else Checkpoint.parse(checkpoint),
            value=data.get("value"),
            replayed=replayed,
        )


def result_of(value: Any, command_id: str, saves: Sequence[Save]) -> CommandResult:
    """The result of a handler that returned `value`, having saved `saves` through
    repositories: a `CommandResult` as it is, an `AppendResult` as the stream it wrote, anything
    else as the value beside what the saves wrote.
    """
    if isinstance(value, CommandResult):
        if value.command_id == command_id:
            return value
        return replace(value, command_id=command_id)
    if isinstance(value, AppendResult):
        return CommandResult(
            command_id=command_id,
            aggregate_id=_aggregate_id(value.stream_id),
            stream_id=value.stream_id,
            version=value.version,
            positions=value.positions,
            checkpoint=value.checkpoint,
        )
    if not saves:
        return CommandResult(command_id=command_id, value=value)
    aggregate_id, last = saves[-1]
    positions = last.positions
    if len(saves) > 1:
        positions = tuple(p for _, save in saves for p in save.positions)
    return CommandResult(
        command_id=command_id,
        aggregate_id=aggregate_id,
        stream_id=last.stream_id,
        version=last.version,
        positions=positions,
        checkpoint=last.checkpoint,
        value=value,
    )


def _aggregate_id(stream_id: str) -> str | None:
    """The id part of a `<category>-<id>` stream id."""
    category, dash, rest = stream_id.partition("-")
    return rest if dash and category else None
