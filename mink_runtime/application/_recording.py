"""Which aggregates a command handler saved: the repository notes each save while a dispatch
listens, so that a handler returning nothing still gets a result with ids, versions and positions.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from mink_runtime.domain import AppendResult

__all__ = ["Save", "note_save", "start_recording", "stop_recording"]

Save = tuple[str, AppendResult]
"""(aggregate id, what its save appended)."""

_saves: ContextVar[list[Save] | None] = ContextVar("mink_saves", default=None)


def note_save(aggregate_id: str, result: AppendResult) -> None:
    """Tell the dispatch in progress, if any, that an aggregate was saved."""
    saves = _saves.get()
    if saves is not None:
        saves.append((aggregate_id, result))


def start_recording() -> tuple[list[Save], Token[list[Save] | None]]:
    """Collect the saves made from now on, until `stop_recording(token)`."""
    saves: list[Save] = []
    return saves, _saves.set(saves)


def stop_recording(token: Token[list[Save] | None]) -> None:
    """Stop the collection `start_recording` began (an outer one resumes)."""
    _saves.reset(token)
