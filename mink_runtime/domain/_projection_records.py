"""What the read side stores about projections: where each one is, what state it is in, what it
could not process, and what an operator asked of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from mink_runtime.domain._versions import Checkpoint

__all__ = [
    "DeadLetter",
    "ProjectionControl",
    "ProjectionRecord",
    "ProjectionStatus",
]


class ProjectionStatus(enum.StrEnum):
    """What a projection (one version, one partition) is doing, as its worker last said."""

    STOPPED = "stopped"
    """No worker runs it (never started, or its worker shut down cleanly)."""
    CATCHING_UP = "catching_up"
    """A worker is reading batches and has not reached the head of the log yet."""
    RUNNING = "running"
    """A worker has caught up and follows new events live."""
    PAUSED = "paused"
    """An operator paused it; its worker holds still until resumed."""
    FAULTED = "faulted"
    """Its worker stopped on an error (see `last_error`) and waits for an operator."""
    REBUILDING = "rebuilding"
    """It is being replayed from the start (in place, or as a new version beside the old)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionRecord:
    """One projection version and partition, as stored: its checkpoint and its status."""

    name: str
    version: int = 1
    partition: int = 0
    checkpoint: Checkpoint = Checkpoint.START
    """The last event it has taken into account: a worker resumes after it."""
    status: ProjectionStatus = ProjectionStatus.STOPPED
    last_error: str | None = None
    """The error that faulted it (or the last one retried), with its type; None when healthy."""
    updated_at: datetime | None = None
    """When the checkpoint or status last changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionControl:
    """What operators asked of a projection (all versions and partitions): the switches that
    running workers obey, and which version readers use."""

    name: str
    paused: bool = False
    active_version: int | None = None
    """The version readers use; None until a first version has caught up (or was declared)."""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """An event a projection could not process, kept so that it can be looked at and replayed."""

    projection: str
    version: int
    event_id: str
    stream_id: str
    stream_version: int
    checkpoint: Checkpoint
    """Where the event sits in the global log."""
    event_type: str
    error: str
    """The exception's type and message."""
    attempts: int
    failed_at: datetime
    id: int | None = None
    """Assigned by the store when the letter is recorded."""
