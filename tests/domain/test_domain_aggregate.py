"""The `Aggregate` base class and `@apply`: recording events, handlers, snapshots of state."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import Aggregate, EventRegistry, apply
from mink_runtime.errors import AggregateError, ConfigurationError, MissingApplyHandlerError

registry = EventRegistry()


@dataclass(frozen=True)
class Opened:
    owner: str


@dataclass(frozen=True)
class Deposited:
    amount: Decimal


@dataclass(frozen=True)
class Withdrawn:
    amount: Decimal


@dataclass(frozen=True)
class Frozen:
    reason: str


@dataclass(frozen=True)
class Address:
    city: str


class Status(enum.Enum):
    OPEN = "open"
    FROZEN = "frozen"


class Account(Aggregate):
    registry = registry

    status: Status
    opened_at: datetime | None
    tags: set[str]
    address: Address | None

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.owner: str | None = None
        self.balance = Decimal(0)
        self.status = Status.OPEN
        self.opened_at = None
        self.tags = set()
        self.address = None
        self.history: list[str] = []
        self._cache = "not state"

    def open(self, owner: str) -> None:
        self.record(Opened(owner))

    def deposit(self, amount: str) -> None:
        self.record(Deposited(Decimal(amount)))

    @apply
    def _opened(self, event: Opened) -> None:
        self.owner = event.owner
        self.history.append("opened")

    @apply
    def _deposited(self, event: Deposited) -> None:
        self.balance += event.amount
        self.history.append("deposited")


class Ledger(Aggregate):
    registry = registry

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.movements: list[Decimal] = []

    @apply(Deposited, Withdrawn)
    def _moved(self, event: Deposited | Withdrawn) -> None:
        sign = 1 if isinstance(event, Deposited) else -1
        self.movements.append(sign * event.amount)


class SavingsAccount(Account):
    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.frozen_for: str | None = None

    @apply
    def _frozen(self, event: Frozen) -> None:
        self.frozen_for = event.reason


class CountingAccount(Account):
    @apply
    def _deposited_twice(self, event: Deposited) -> None:
        self.balance += 2 * event.amount


class OverridingAccount(Account):
    def _deposited(self, event: Deposited) -> None:
        self.balance += 100 * event.amount


class Lenient(Aggregate):
    registry = registry
    strict_apply = False


class Named(Aggregate):
    registry = registry
    category = "bank_account"


def test_the_category_defaults_to_the_class_name_in_lower_case() -> None:
    """An aggregate with id 42 of class Account lives in stream account-42."""
    account = Account("42")
    assert Account.category == "account"
    assert account.stream_id == "account-42"


def test_an_explicit_category_names_the_stream() -> None:
    """Setting `category` on the class changes the stream id."""
    assert Named("7").stream_id == "bank_account-7"


@pytest.mark.parametrize("category", ["", "bank-account"])
def test_a_category_that_is_empty_or_has_a_dash_is_refused_at_class_definition(
    category: str,
) -> None:
    """A dash would make the category ambiguous in stream ids, so the class cannot be made."""
    with pytest.raises(ConfigurationError, match="non-empty and contain no '-'"):
        type("Bad", (Aggregate,), {"category": category})


@pytest.mark.parametrize("bad_id", ["", 42, None])
def test_an_aggregate_needs_a_non_empty_string_id(bad_id: Any) -> None:
    """Ids that cannot form a stream id are refused."""
    with pytest.raises(AggregateError, match="non-empty string id"):
        Account(bad_id)


def test_a_new_aggregate_has_no_version_and_nothing_pending() -> None:
    """Freshly constructed, the aggregate is at version 0 with no events."""
    account = Account("1")
    assert (account.version, account.committed_version, account.pending_events) == (0, 0, ())


def test_recording_an_event_applies_it_and_keeps_it_for_the_next_save() -> None:
    """The state changes at once, the version grows, and the event waits in pending_events."""
    account = Account("1")
    account.open("ada")
    account.deposit("10.50")
    assert account.owner == "ada"
    assert account.balance == Decimal("10.50")
    assert account.pending_events == (Opened("ada"), Deposited(Decimal("10.50")))
    assert account.version == 2
    assert account.committed_version == 0


def test_marking_committed_forgets_the_pending_events() -> None:
    """After a save the aggregate expects the stream at its new version."""
    account = Account("1")
    account.open("ada")
    account.mark_committed(1)
    account.deposit("1")
    assert account.pending_events == (Deposited(Decimal(1)),)
    assert (account.version, account.committed_version) == (2, 1)


def test_applying_history_changes_state_without_making_events_pending() -> None:
    """Replayed events count towards the version but are not saved again."""
    account = Account("1")
    account.apply_event(Opened("ada"))
    account.apply_event(Deposited(Decimal(3)))
    assert (account.balance, account.version, account.pending_events) == (Decimal(3), 2, ())
    assert account.committed_version == 2


def test_one_handler_can_apply_several_explicitly_named_event_types() -> None:
    """`@apply(Deposited, Withdrawn)` sends both types to the same method."""
    ledger = Ledger("1")
    ledger.record(Deposited(Decimal(5)))
    ledger.record(Withdrawn(Decimal(2)))
    assert ledger.movements == [Decimal(5), Decimal(-2)]
    assert set(Ledger.event_types()) == {Deposited, Withdrawn}


def test_an_event_without_a_handler_raises_and_is_not_recorded() -> None:
    """With strict_apply (the default) an unknown event is refused; state stays as it was."""
    account = Account("1")
    with pytest.raises(MissingApplyHandlerError) as raised:
        account.record(Frozen("fraud"))
    assert (raised.value.aggregate_type, raised.value.event_type) == ("Account", "Frozen")
    assert "strict_apply = False" in str(raised.value)
    assert (account.version, account.pending_events) == (0, ())


def test_a_dict_event_without_a_handler_is_reported_by_its_type() -> None:
    """Events of unregistered types (plain dicts) name their `type` key in the error."""
    with pytest.raises(MissingApplyHandlerError, match=r"legacy\.Thing"):
        Account("1").apply_event({"type": "legacy.Thing"})


def test_a_lenient_aggregate_ignores_events_without_a_handler_but_counts_them() -> None:
    """With strict_apply = False unknown events only advance the version."""
    lenient = Lenient("1")
    lenient.apply_event(Frozen("x"))
    lenient.record(Opened("ada"))
    assert lenient.version == 2
    assert lenient.pending_events == (Opened("ada"),)


def test_a_handler_that_raises_leaves_the_event_unrecorded() -> None:
    """A failing state change does not leave a half-recorded event behind."""

    class Picky(Aggregate):
        registry = registry

        @apply
        def _opened(self, event: Opened) -> None:
            raise ValueError("no")

    picky = Picky("1")
    with pytest.raises(ValueError, match="no"):
        picky.record(Opened("ada"))
    assert (picky.version, picky.pending_events) == (0, ())


def test_a_subclass_inherits_its_parents_handlers_and_adds_its_own() -> None:
    """Handlers of base classes keep working next to the subclass's new ones."""
    savings = SavingsAccount("1")
    savings.open("ada")
    savings.record(Frozen("audit"))
    assert (savings.owner, savings.frozen_for) == ("ada", "audit")
    assert set(SavingsAccount.event_types()) == {Opened, Deposited, Frozen}
    assert set(Account.event_types()) == {Opened, Deposited}


def test_a_subclass_handler_for_the_same_event_type_replaces_the_parents() -> None:
    """A new @apply method for an inherited event type wins over the base class's one."""
    counting = CountingAccount("1")
    counting.deposit("5")
    assert counting.balance == Decimal(10)


def test_overriding_a_handler_method_by_name_changes_how_the_event_applies() -> None:
    """A subclass redefining `_deposited` gets its own behaviour, as Python overriding implies."""
    overriding = OverridingAccount("1")
    overriding.deposit("1")
    assert overriding.balance == Decimal(100)


def test_a_handler_without_an_event_annotation_is_refused_with_an_example() -> None:
    """`@apply` needs the event parameter's annotation (or explicit types)."""

    class Unannotated(Aggregate):
        registry = registry

        @apply
        def _opened(self, event) -> None:  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(ConfigurationError, match="takes one annotated event parameter"):
        Unannotated.event_types()


def test_a_handler_annotated_with_an_unresolvable_name_is_refused_with_advice() -> None:
    """An event class defined inside a function cannot be found from a string annotation."""

    @dataclass(frozen=True)
    class LocalEvent:
        n: int

    class Local(Aggregate):
        registry = registry

        @apply
        def _local(self, event: LocalEvent) -> None:
            pass

    with pytest.raises(ConfigurationError, match=r"@apply\(EventClass\)"):
        Local.event_types()


def test_the_event_types_of_an_aggregate_are_registered_in_its_registry() -> None:
    """Handled event classes get type names in the aggregate's registry, under their names."""
    own = EventRegistry()

    class Registering(Aggregate):
        registry = own

        @apply
        def _opened(self, event: Opened) -> None:
            pass

    assert Registering.event_types() == (Opened,)
    assert own.type_of(Opened).name == "Opened"


def test_an_event_type_already_registered_keeps_its_name() -> None:
    """An event class named with @event keeps that name when an aggregate handles it."""
    own = EventRegistry()
    own.register(Opened, name="bank.Opened")

    class Registered(Aggregate):
        registry = own

        @apply
        def _opened(self, event: Opened) -> None:
            pass

    Registered.event_types()
    assert own.type_of(Opened).name == "bank.Opened"
    assert len(own) == 1


def test_snapshot_state_is_the_public_state_as_primitives() -> None:
    """id, version and private attributes are left out; values become JSON-compatible."""
    account = Account("1")
    account.open("ada")
    account.deposit("2.50")
    account.opened_at = datetime(2025, 1, 2, tzinfo=UTC)
    account.tags = {"vip"}
    account.address = Address("Lyon")
    assert account.snapshot_state() == {
        "owner": "ada",
        "balance": "2.50",
        "status": "open",
        "opened_at": "2025-01-02T00:00:00+00:00",
        "tags": ["vip"],
        "address": {"city": "Lyon"},
        "history": ["opened", "deposited"],
    }


def test_restored_state_gets_the_types_annotated_on_the_class_back() -> None:
    """Class-level annotations (Status, datetime, set, dataclass) rebuild the typed values."""
    account = Account("1")
    account.status = Status.FROZEN
    account.opened_at = datetime(2025, 1, 2, tzinfo=UTC)
    account.tags = {"vip", "new"}
    account.address = Address("Lyon")
    restored = Account("1")
    restored.restore_state(account.snapshot_state())
    assert restored.status is Status.FROZEN
    assert restored.opened_at == datetime(2025, 1, 2, tzinfo=UTC)
    assert restored.tags == {"vip", "new"}
    assert restored.address == Address("Lyon")


def test_restored_state_without_annotations_keeps_the_primitive_form() -> None:
    """Attributes not annotated on the class come back as they were stored."""
    account = Account("1")
    account.deposit("2.50")
    restored = Account("1")
    restored.restore_state(account.snapshot_state())
    assert restored.balance == "2.50"
    assert restored.history == ["deposited"]
