"""Test kit for mink users and adapter authors.

- `EventStoreContract`, `SnapshotStoreContract`: contract suites. Subclass one per adapter (see
  their docstrings); a third-party adapter that passes them behaves like mink's own.

This package needs pytest (and pytest-asyncio for the async suites).
"""

from mink_runtime.testing._contract_events import contract_registry
from mink_runtime.testing._event_store_contract import EventStoreContract, StoreFactory
from mink_runtime.testing._snapshot_store_contract import SnapshotStoreContract

__all__ = ["EventStoreContract", "SnapshotStoreContract", "StoreFactory", "contract_registry"]
