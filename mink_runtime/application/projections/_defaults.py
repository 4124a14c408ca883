"""The projection store an engine or a durable subscription uses when none is given: the one of
the event store's backend.

The application layer cannot import adapters, so `mink_runtime.stores` registers its factory
(`projection_store_for`) here when mink is imported.
"""

from __future__ import annotations

from collections.abc import Callable

from mink_runtime.errors import ConfigurationError
from mink_runtime.ports import EventStore, ProjectionStore

__all__ = ["default_projection_store", "use_projection_stores"]

_factory: Callable[[EventStore], ProjectionStore] | None = None


def use_projection_stores(factory: Callable[[EventStore], ProjectionStore]) -> None:
    """Make `factory(store)` build the projection store of an event store by default."""
    global _factory
    _factory = factory


def default_projection_store(store: EventStore) -> ProjectionStore:
    """The projection store of the event store's backend.

    Raises:
        ConfigurationError: no factory knows this kind of store; pass `projection_store=`.
    """
    if _factory is None:
        raise ConfigurationError(
            f"no projection store is known for {type(store).__name__}; "
            "pass projection_store=... explicitly"
        )
    return _factory(store)
