"""`IdempotencyStoreContract`: the behaviour every `IdempotencyStore` adapter must show.

Subclass it once per adapter with two fixtures: `make_store`, the same async factory of fresh
event stores that `EventStoreContract` takes (`await make_store(share_with=store)` opens a
second store over the same storage, as another process would), and `idempotency_store_of`, a
function giving the idempotency store of an event store::

    class TestMyIdempotencyStore(IdempotencyStoreContract):
        @pytest.fixture
        async def make_store(self): ...            # as for EventStoreContract

        @pytest.fixture
        def idempotency_store_of(self):
            return MyIdempotencyStore
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from mink_runtime.errors import ConfigurationError, SerializationError, StreamNotFoundError
from mink_runtime.ports import EventStore, IdempotencyStore
from mink_runtime.testing._contract_events import ItemAdded, contract_registry
from mink_runtime.testing._event_store_contract import StoreFactory

__all__ = ["IdempotencyStoreContract"]

HOUR = timedelta(hours=1)
NOW = timedelta(0)
"""A time to live of zero: the record is expired as soon as it is written."""

StoreOf = Callable[[EventStore], IdempotencyStore]


async def _run_once(
    idempotency: IdempotencyStore, store: EventStore, key: str, n: int
) -> tuple[str, Any]:
    """Claim `key`; if it is ours, append an event and store `{"n": n}` as the result."""
    async with idempotency.transaction():
        record = await idempotency.claim(key, command_type="Pay", fingerprint="f-1", ttl=HOUR)
        if record is not None:
            return "duplicate", dict(record.result)
        await asyncio.sleep(0.005)  # hold the claim while the others arrive
        await store.append("payment-1", [ItemAdded(f"run-{n}")])
        await idempotency.complete(key, {"n": n})
        return "ran", n


class IdempotencyStoreContract:
    """The shared behaviour of idempotency stores. See the module docstring for how to use it."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("subclasses provide a make_store fixture")

    @pytest.fixture
    def idempotency_store_of(self) -> StoreOf:
        raise NotImplementedError("subclasses provide an idempotency_store_of fixture")

    @pytest.fixture
    async def store(self, make_store: StoreFactory) -> EventStore:
        return await make_store(registry=contract_registry)

    @pytest.fixture
    def keys(self, store: EventStore, idempotency_store_of: StoreOf) -> IdempotencyStore:
        return idempotency_store_of(store)

    # --- claiming ------------------------------------------------------------------------

    async def test_a_new_key_is_claimed_and_its_result_kept(self, keys: IdempotencyStore) -> None:
        """The first claim holds the key; after commit the record has the result and times."""
        async with keys.transaction():
            assert await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR) is None
            await keys.complete("k-1", {"version": 3, "positions": [7, 8]})
        record = await keys.get("k-1")
        assert record is not None
        assert (record.key, record.command_type, record.fingerprint) == ("k-1", "Pay", "f-1")
        assert dict(record.result) == {"version": 3, "positions": [7, 8]}
        assert record.created_at.tzinfo is not None
        assert timedelta(minutes=59) < record.expires_at - record.created_at <= HOUR

    async def test_a_claimed_key_returns_the_first_record_to_a_second_claim(
        self, keys: IdempotencyStore
    ) -> None:
        """A duplicate gets the stored record instead of the key."""
        async with keys.transaction():
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
            await keys.complete("k-1", {"n": 1})
        async with keys.transaction():
            record = await keys.claim("k-1", command_type="Pay", fingerprint="f-2", ttl=HOUR)
        assert record is not None
        assert (record.fingerprint, dict(record.result)) == ("f-1", {"n": 1})

    async def test_a_rolled_back_claim_leaves_the_key_free(self, keys: IdempotencyStore) -> None:
        """A command that failed did not happen: its key can be claimed again."""
        with pytest.raises(RuntimeError, match="handler failed"):
            async with keys.transaction():
                await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
                raise RuntimeError("handler failed")
        assert await keys.get("k-1") is None
        async with keys.transaction():
            assert await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR) is None

    async def test_the_key_commits_and_rolls_back_with_the_events(
        self, store: EventStore, keys: IdempotencyStore
    ) -> None:
        """Events appended inside the claim's transaction and the key are stored together."""
        with pytest.raises(RuntimeError, match="undo"):
            async with keys.transaction():
                await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
                await store.append("payment-1", [ItemAdded("a")])
                await keys.complete("k-1", {"n": 1})
                raise RuntimeError("undo")
        assert await keys.get("k-1") is None
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("payment-1")
        assert (await _run_once(keys, store, "k-1", 2)) == ("ran", 2)
        assert len(await store.read_stream("payment-1")) == 1
        assert await keys.get("k-1") is not None

    async def test_a_claim_committed_without_a_result_keeps_an_empty_one(
        self, keys: IdempotencyStore
    ) -> None:
        """A command that completed nothing still ran: a duplicate sees an empty result."""
        async with keys.transaction():
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
        async with keys.transaction():
            record = await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
        assert record is not None
        assert dict(record.result) == {}

    async def test_results_round_trip_as_json(self, keys: IdempotencyStore) -> None:
        """Nested values, unicode and nulls come back as JSON gives them."""
        result = {"value": {"name": "Zoë", "tags": ["a", "b"], "none": None}, "ratio": 0.5}
        async with keys.transaction():
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
            await keys.complete("k-1", result)
        record = await keys.get("k-1")
        assert record is not None
        assert dict(record.result) == result

    # --- misuse --------------------------------------------------------------------------

    async def test_claiming_outside_a_transaction_is_refused(self, keys: IdempotencyStore) -> None:
        """Without the transaction the key could commit apart from the events."""
        with pytest.raises(ConfigurationError, match=r"store\.transaction\(\)"):
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)

    async def test_completing_an_unclaimed_key_is_refused(self, keys: IdempotencyStore) -> None:
        """A result is stored only with the claim this transaction holds."""
        async with keys.transaction():
            with pytest.raises(ConfigurationError, match="not claimed"):
                await keys.complete("k-1", {"n": 1})

    async def test_claiming_a_key_twice_in_one_transaction_is_refused(
        self, keys: IdempotencyStore
    ) -> None:
        """A nested command reusing its caller's key is a mistake, reported as one."""
        async with keys.transaction():
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
            with pytest.raises(ConfigurationError, match="already claimed"):
                await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)

    async def test_a_negative_time_to_live_is_refused(self, keys: IdempotencyStore) -> None:
        """Keys expire after a time to live of zero or more."""
        async with keys.transaction():
            with pytest.raises(ConfigurationError, match="time to live"):
                await keys.claim(
                    "k-1", command_type="Pay", fingerprint="f-1", ttl=timedelta(seconds=-1)
                )

    async def test_a_result_with_no_json_form_is_refused(self, keys: IdempotencyStore) -> None:
        """Bytes (say) cannot be stored as a result; the error says what must be JSON."""
        with pytest.raises(SerializationError, match="JSON"):
            async with keys.transaction():
                await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
                await keys.complete("k-1", {"raw": b"\x00\x01"})

    # --- expiry --------------------------------------------------------------------------

    async def test_an_expired_key_is_claimed_anew(self, keys: IdempotencyStore) -> None:
        """Once its time to live has passed, a key is free for a new command."""
        async with keys.transaction():
            await keys.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=NOW)
            await keys.complete("k-1", {"n": 1})
        assert await keys.get("k-1") is None
        async with keys.transaction():
            assert await keys.claim("k-1", command_type="Pay", fingerprint="f-2", ttl=HOUR) is None
            await keys.complete("k-1", {"n": 2})
        record = await keys.get("k-1")
        assert record is not None
        assert (record.fingerprint, dict(record.result)) == ("f-2", {"n": 2})

    async def test_cleanup_deletes_expired_keys_only_and_counts_them(
        self, keys: IdempotencyStore
    ) -> None:
        """Expired records go, in batches; live ones stay."""
        async with keys.transaction():
            for n in range(5):
                await keys.claim(f"old-{n}", command_type="Pay", fingerprint="f", ttl=NOW)
            await keys.claim("live", command_type="Pay", fingerprint="f", ttl=HOUR)
        assert await keys.cleanup(batch_size=2) == 5
        assert await keys.cleanup() == 0
        assert await keys.get("live") is not None

    async def test_a_cleanup_batch_below_one_is_refused(self, keys: IdempotencyStore) -> None:
        """Batches delete at least one record each."""
        with pytest.raises(ConfigurationError, match="batch_size"):
            await keys.cleanup(batch_size=0)

    # --- scope ---------------------------------------------------------------------------

    async def test_keys_are_per_tenant(
        self, store: EventStore, idempotency_store_of: StoreOf
    ) -> None:
        """The same key in another tenant's store is another key."""
        mine, theirs = idempotency_store_of(store), idempotency_store_of(store.for_tenant("acme"))
        async with mine.transaction():
            await mine.claim("k-1", command_type="Pay", fingerprint="f-1", ttl=HOUR)
            await mine.complete("k-1", {"who": "default"})
        assert await theirs.get("k-1") is None
        async with theirs.transaction():
            assert await theirs.claim("k-1", command_type="Pay", fingerprint="f", ttl=HOUR) is None
            await theirs.complete("k-1", {"who": "acme"})
        record = await mine.get("k-1")
        assert record is not None
        assert dict(record.result) == {"who": "default"}

    # --- concurrency ---------------------------------------------------------------------

    async def test_racing_claimers_of_one_key_run_the_command_exactly_once(
        self, store: EventStore, make_store: StoreFactory, idempotency_store_of: StoreOf
    ) -> None:
        """Claimers of one key through two stores (as two processes) race: one runs the
        command, every other one waits for it and gets its result."""
        other = await make_store(registry=contract_registry, share_with=store)
        sides = [(idempotency_store_of(s), s) for s in (store, other)]
        outcomes = await asyncio.gather(*(_run_once(*sides[n % 2], "k-race", n) for n in range(8)))
        winners = [n for kind, n in outcomes if kind == "ran"]
        assert len(winners) == 1
        assert [o for o in outcomes if o[0] == "duplicate"] == [
            ("duplicate", {"n": winners[0]})
        ] * 7
        assert len(await store.read_stream("payment-1")) == 1
