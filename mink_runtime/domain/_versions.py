"""Expected versions for appends, and the ordered checkpoint of the global log."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from mink_runtime.errors import ConfigurationError

__all__ = ["Checkpoint", "ExpectedVersion", "StreamState"]


class ExpectedVersion(enum.Enum):
    """What an append expects of the stream when it is not an exact version number."""

    ANY = "any"
    """Append whatever the stream's version (still idempotent for repeated event ids)."""
    NO_STREAM = "no_stream"
    """The stream must have no events yet (or have been soft-deleted)."""
    STREAM_EXISTS = "stream_exists"
    """The stream must already have at least one event."""


class StreamState(enum.Enum):
    """The life-cycle state of a stream."""

    ACTIVE = "active"
    DELETED = "deleted"
    """Soft-deleted: reads say not found; an append recreates it, versions continue."""
    TOMBSTONED = "tombstoned"
    """Hard-deleted: its events are gone and it can never be written again."""


@dataclass(frozen=True, slots=True, order=True)
class Checkpoint:
    """A place in the global log: read *after* it to get every later event, none twice.

    On PostgreSQL the global log is ordered by the writing transaction's id and then by position
    (see docs/adr/0002), so a checkpoint is the pair; backends that serialize writers (SQLite, the
    memory store) leave `transaction` at 0 and order by position alone. Checkpoints compare,
    and `str()` / `Checkpoint.parse()` round-trip them through text (`"1234"` or `"887:1234"`).
    """

    START: ClassVar[Checkpoint]
    """Before the first event."""

    transaction: int = 0
    position: int = 0

    def __str__(self) -> str:
        if self.transaction:
            return f"{self.transaction}:{self.position}"
        return str(self.position)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint written by `str()`.

        Raises:
            ConfigurationError: the text is not `POSITION` or `TRANSACTION:POSITION`.
        """
        head, sep, tail = text.strip().partition(":")
        try:
            checkpoint = cls(int(head), int(tail)) if sep else cls(0, int(head))
        except ValueError:
            checkpoint = None
        if checkpoint is None or checkpoint.transaction < 0 or checkpoint.position < 0:
            raise ConfigurationError(
                f"{text!r} is not a checkpoint; write a position such as '1234', "
                "or a transaction and a position such as '887:1234'"
            )
        return checkpoint


Checkpoint.START = Checkpoint(0, 0)
