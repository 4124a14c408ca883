"""`mink_runtime.errors`: one tree under `MinkError`, data as attributes, picklable.

(The errors module sits below the domain layer, which raises most of them; its tests live here.)
"""

from __future__ import annotations

import pickle

import pytest

from mink_runtime import errors
from mink_runtime.errors import (
    AggregateError,
    AggregateNotFoundError,
    CheckpointConflictError,
    CommandError,
    CommandTimeoutError,
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    DuplicateModelError,
    EventStoreError,
    IdempotencyConflictError,
    MinkError,
    MissingApplyHandlerError,
    ModelNotFoundError,
    ProjectionError,
    ProjectionFailedError,
    ProjectionTimeoutError,
    QueryError,
    ReadModelError,
    ReadModelSchemaError,
    SchemaNotReadyError,
    SerializationError,
    StoreUnavailableError,
    StreamDeletedError,
    StreamNotFoundError,
    TransactionConflictError,
    UnknownCommandError,
    UnknownEventTypeError,
    ValidationError,
)

EXAMPLES: list[tuple[MinkError, dict[str, object]]] = [
    (MinkError("base"), {}),
    (ConfigurationError("bad setting"), {}),
    (SerializationError("bad data"), {}),
    (UnknownEventTypeError("who?", type_name="order.Placed"), {"type_name": "order.Placed"}),
    (EventStoreError("store"), {}),
    (
        ConcurrencyError("order-1", expected_version=3, actual_version=5),
        {"stream_id": "order-1", "expected_version": 3, "actual_version": 5},
    ),
    (StreamNotFoundError("order-1"), {"stream_id": "order-1"}),
    (StreamDeletedError("order-1"), {"stream_id": "order-1"}),
    (
        DuplicateEventError("order-1", event_id="e-1"),
        {"stream_id": "order-1", "event_id": "e-1"},
    ),
    (TransactionConflictError("order-1"), {"stream_id": "order-1"}),
    (StoreUnavailableError("timed out"), {}),
    (SchemaNotReadyError("migrate first"), {}),
    (AggregateError("misuse"), {}),
    (
        AggregateNotFoundError("Order", "42"),
        {"aggregate_type": "Order", "aggregate_id": "42"},
    ),
    (
        MissingApplyHandlerError("Order", "Shipped"),
        {"aggregate_type": "Order", "event_type": "Shipped"},
    ),
    (
        QueryError("no such field", model="Order", field="totl"),
        {"model": "Order", "field": "totl"},
    ),
    (ReadModelError("read model"), {}),
    (ModelNotFoundError("Order", "42"), {"model": "Order", "model_id": "42"}),
    (DuplicateModelError("Order", 7), {"model": "Order", "model_id": 7}),
    (ReadModelSchemaError("create the table"), {}),
    (ProjectionError("projection"), {}),
    (
        CheckpointConflictError("orders", "5", "9"),
        {"name": "orders", "expected": "5", "actual": "9"},
    ),
    (
        ProjectionFailedError("orders", "e-1", "order.Placed", ValueError("bad")),
        {"name": "orders", "event_id": "e-1", "event_type": "order.Placed"},
    ),
    (
        ProjectionTimeoutError("887:1234", ("orders", "carts#1"), seconds=5.0),
        {"target": "887:1234", "behind": ("orders", "carts#1"), "seconds": 5.0},
    ),
    (CommandError("failed", command_type="PlaceOrder"), {"command_type": "PlaceOrder"}),
    (
        UnknownCommandError("PlaceOrder", registered=("CancelOrder",)),
        {"command_type": "PlaceOrder", "registered": ("CancelOrder",)},
    ),
    (
        ValidationError("PlaceOrder", ("sku: is empty", "quantity: below 1")),
        {"command_type": "PlaceOrder", "problems": ("sku: is empty", "quantity: below 1")},
    ),
    (
        CommandTimeoutError("PlaceOrder", seconds=2.5),
        {"command_type": "PlaceOrder", "seconds": 2.5},
    ),
    (
        IdempotencyConflictError("k-1", command_type="PlaceOrder", first_command_type="Cancel"),
        {"key": "k-1", "command_type": "PlaceOrder", "first_command_type": "Cancel"},
    ),
]
IDS = [type(error).__name__ for error, _ in EXAMPLES]


def test_the_examples_cover_every_error_class() -> None:
    """Each error class of the module is exercised by the tests below."""
    classes = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and value.__module__ == errors.__name__
    }
    assert {type(error) for error, _ in EXAMPLES} == classes


@pytest.mark.parametrize(("error", "attributes"), EXAMPLES, ids=IDS)
def test_every_error_is_a_mink_error_carrying_its_data(
    error: MinkError, attributes: dict[str, object]
) -> None:
    """`except MinkError` catches all of them, and their data is readable as attributes."""
    assert isinstance(error, MinkError)
    assert {name: getattr(error, name) for name in attributes} == attributes


@pytest.mark.parametrize(("error", "attributes"), EXAMPLES, ids=IDS)
def test_every_error_survives_pickling_with_its_message_and_data(
    error: MinkError, attributes: dict[str, object]
) -> None:
    """Errors crossing a process boundary arrive with the same type, message and attributes."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert {name: getattr(copy, name) for name in attributes} == attributes


def test_the_tree_groups_errors_under_their_families() -> None:
    """Store, aggregate and serialization errors can be caught by family."""
    assert issubclass(UnknownEventTypeError, SerializationError)
    for store_error in (
        ConcurrencyError,
        StreamNotFoundError,
        StreamDeletedError,
        DuplicateEventError,
        TransactionConflictError,
        StoreUnavailableError,
        SchemaNotReadyError,
    ):
        assert issubclass(store_error, EventStoreError)
    assert issubclass(AggregateNotFoundError, AggregateError)
    assert issubclass(MissingApplyHandlerError, AggregateError)
    for command_error in (
        UnknownCommandError,
        ValidationError,
        CommandTimeoutError,
        IdempotencyConflictError,
    ):
        assert issubclass(command_error, CommandError)


@pytest.mark.parametrize(
    ("expected", "phrase"),
    [(3, "expected version 3"), ("no_stream", "expected no stream"), ("any", "any version")],
)
def test_a_concurrency_error_says_what_was_expected_in_words(
    expected: int | str, phrase: str
) -> None:
    """The message reads naturally for version numbers and for the named expectations."""
    error = ConcurrencyError("order-1", expected_version=expected, actual_version=None)
    assert phrase in str(error)
    assert "does not exist" in str(error)


def test_a_duplicate_event_error_without_an_id_still_explains_itself() -> None:
    """When the duplicate id is unknown the message says so, and suggests uuid7()."""
    error = DuplicateEventError("order-1")
    assert error.event_id is None
    assert "an event id of this append" in str(error)
    assert "uuid7()" in str(error)


def test_a_validation_error_lists_every_problem_and_counts_them() -> None:
    """The message names the command and each problem, so a log line says it all."""
    error = ValidationError("PlaceOrder", ("sku: is empty", "quantity: below 1"))
    assert str(error) == "PlaceOrder is invalid (2 problems): sku: is empty; quantity: below 1"


def test_an_unknown_command_error_says_how_to_register_and_what_is_handled() -> None:
    """The message gives the fix and the commands that do have handlers."""
    error = UnknownCommandError("PlaceOrder", registered=("CancelOrder", "ShipOrder"))
    assert "bus.register(PlaceOrder, handler)" in str(error)
    assert "CancelOrder, ShipOrder" in str(error)
