"""Splitting streams over workers: `ConsumerGroup` and the stable hash behind partitions.

A stream always lands on the same member (or partition), so its events are handled in order by
one worker. The hash is CRC-32 of the stream id's UTF-8 bytes: the same in every process and
on every machine (Python's `hash()` of a str changes with each interpreter run).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from mink_runtime.errors import ConfigurationError

__all__ = ["ConsumerGroup", "partition_of"]


def partition_of(stream_id: str, size: int) -> int:
    """The partition (0 … size-1) that owns a stream, stable across processes."""
    if size <= 1:
        return 0
    return zlib.crc32(stream_id.encode()) % size


@dataclass(frozen=True, slots=True)
class ConsumerGroup:
    """Member `member` of `size` consumers sharing a subscription: each gets the streams that
    hash to it, every stream's events in order, and every event goes to exactly one member."""

    name: str
    member: int
    size: int

    def __post_init__(self) -> None:
        if self.size < 1 or not 0 <= self.member < self.size:
            raise ConfigurationError(
                f"consumer group {self.name!r}: member must be 0 … size-1 and size 1 or more, "
                f"got member={self.member}, size={self.size}"
            )

    def owns(self, stream_id: str) -> bool:
        """Whether this member receives the events of a stream."""
        return partition_of(stream_id, self.size) == self.member
