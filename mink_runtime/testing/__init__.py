"""Test kit for mink users and adapter authors.

- `AggregateScenario`, `CommandScenario`: given (past events) / when (a call or a command) /
  then (the events recorded, or the error raised), with a readable diff on failure
  (`assert_events`). The pytest plugin (`mink_runtime.testing.plugin`, registered on install)
  offers `scenario`, `mink_bus` and `mink_store` fixtures.
- `EventStoreContract`, `SnapshotStoreContract`, `IdempotencyStoreContract`,
  `ProjectionStoreContract`, `ReadModelRepositoryContract`: contract suites. Subclass one per
  adapter (see their
  docstrings); a third-party adapter that passes them behaves like mink's own.
- `ProjectionScenario`: feed events to a projection, run it, inspect its read model (the
  plugin's `projection_scenario` fixture builds one over `mink_store`).
- `ReadModelTransactionContract`: for read-model backends that join `store.transaction()`.
- `CONTRACT_MODELS` (with `OrderSummary`, the one a `ReadModelTransactionContract` fixture
  builds) and `contract_registry`: the read models and events those suites use.

This package needs pytest (and pytest-asyncio for the async suites).
"""

from mink_runtime.testing._contract_events import contract_registry
from mink_runtime.testing._contract_models import CONTRACT_MODELS, OrderSummary
from mink_runtime.testing._diff import EventsMismatchError, assert_events, diff_events
from mink_runtime.testing._event_store_contract import EventStoreContract, StoreFactory
from mink_runtime.testing._idempotency_store_contract import IdempotencyStoreContract
from mink_runtime.testing._projection_scenario import ProjectionScenario
from mink_runtime.testing._projection_store_contract import ProjectionStoreContract
from mink_runtime.testing._read_model_contract import (
    ReadModelRepositoryContract,
    RepositoryFactory,
)
from mink_runtime.testing._read_model_transaction_contract import (
    JoinedFactory,
    ReadModelTransactionContract,
)
from mink_runtime.testing._scenarios import AggregateScenario, CommandScenario, ScenarioOutcome
from mink_runtime.testing._snapshot_store_contract import SnapshotStoreContract

__all__ = [
    "CONTRACT_MODELS",
    "AggregateScenario",
    "CommandScenario",
    "EventStoreContract",
    "EventsMismatchError",
    "IdempotencyStoreContract",
    "JoinedFactory",
    "OrderSummary",
    "ProjectionScenario",
    "ProjectionStoreContract",
    "ReadModelRepositoryContract",
    "ReadModelTransactionContract",
    "RepositoryFactory",
    "ScenarioOutcome",
    "SnapshotStoreContract",
    "StoreFactory",
    "assert_events",
    "contract_registry",
    "diff_events",
]
