"""Test kit for mink users and adapter authors.

- `EventStoreContract`, `SnapshotStoreContract`, `ReadModelRepositoryContract`: contract suites.
  Subclass one per adapter (see their docstrings); a third-party adapter that passes them
  behaves like mink's own.
- `ReadModelTransactionContract`: for read-model backends that join `store.transaction()`.
- `CONTRACT_MODELS` (with `OrderSummary`, the one a `ReadModelTransactionContract` fixture
  builds) and `contract_registry`: the read models and events those suites use.

This package needs pytest (and pytest-asyncio for the async suites).
"""

from mink_runtime.testing._contract_events import contract_registry
from mink_runtime.testing._contract_models import CONTRACT_MODELS, OrderSummary
from mink_runtime.testing._event_store_contract import EventStoreContract, StoreFactory
from mink_runtime.testing._read_model_contract import (
    ReadModelRepositoryContract,
    RepositoryFactory,
)
from mink_runtime.testing._read_model_transaction_contract import (
    JoinedFactory,
    ReadModelTransactionContract,
)
from mink_runtime.testing._snapshot_store_contract import SnapshotStoreContract

__all__ = [
    "CONTRACT_MODELS",
    "EventStoreContract",
    "JoinedFactory",
    "OrderSummary",
    "ReadModelRepositoryContract",
    "ReadModelTransactionContract",
    "RepositoryFactory",
    "SnapshotStoreContract",
    "StoreFactory",
    "contract_registry",
]
