"""`Idempotency`: a command sent again under the same key gets the first one's result; its
handler does not run again.

Where the key comes from, first found first: `bus.dispatch(command, idempotency_key=...)`; the
command's `idempotency_key` attribute; the `key_of` function given here; with
`derive_keys=True`, a hash of the command's type and content (`command_fingerprint`) — so that
the same request retried by a client, with no key of its own, runs once. A command with no key
passes through untouched.

How it holds, on every backend: the middleware opens the store's transaction, claims the key in
it, runs the handler (whose saves join the transaction), stores the result with the key and
commits — the key commits exactly when the events do. A racing duplicate waits for the
transaction (on PostgreSQL, on the uncommitted key; on SQLite and in memory, for the writer
lock), then finds the result. A failed handler rolls its claim back, so the command can be sent
again. Keys expire after `ttl`; `store.cleanup()` deletes expired ones.

The same key sent with different content is refused (`IdempotencyConflictError`): the stored
result belongs to another command.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.domain import command_fingerprint
from mink_runtime.errors import ConfigurationError, IdempotencyConflictError, SerializationError
from mink_runtime.ports import IdempotencyStore

__all__ = ["Idempotency"]


class Idempotency:
    """Run each keyed command once per key; see the module docstring."""

    def __init__(
        self,
        store: IdempotencyStore,
        *,
        ttl: timedelta = timedelta(hours=24),
        key_of: Callable[[Any], str | None] | None = None,
        derive_keys: bool = False,
    ) -> None:
        if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
            raise ConfigurationError(f"ttl must be a positive timedelta, got {ttl!r}")
        # A blocking twin (mink_runtime.sync) carries its async store.
        self.store: IdempotencyStore = getattr(store, "async_store", store)
        self.ttl = ttl
        self.key_of = key_of
        self.derive_keys = derive_keys

    def key_for(self, command: Any, context: CommandContext) -> str | None:
        """The idempotency key of a command, or None when it has none."""
        key = context.idempotency_key
        if key is None:
            key = getattr(command, "idempotency_key", None)
        if key is None and self.key_of is not None:
            key = self.key_of(command)
        if key is None and self.derive_keys:
            key = f"{context.command_type}:{self._fingerprint(command, context)}"
        if key is not None and (not isinstance(key, str) or not key):
            raise ConfigurationError(
                f"an idempotency key is a non-empty string; {context.command_type} has {key!r}"
            )
        return key

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        key = self.key_for(command, context)
        if key is None:
            return await call_next(command, context)
        try:
            fingerprint = self._fingerprint(command, context)
        except SerializationError:
            fingerprint = ""  # content with no primitive form: a reused key goes unnoticed
        store = self.store
        async with store.transaction():
            record = await store.claim(
                key, command_type=context.command_type, fingerprint=fingerprint, ttl=self.ttl
            )
            if record is not None:
                if record.command_type != context.command_type or (
                    fingerprint and record.fingerprint and record.fingerprint != fingerprint
                ):
                    raise IdempotencyConflictError(
                        key,
                        command_type=context.command_type,
                        first_command_type=record.command_type,
                    )
                return CommandResult.from_dict(record.result, replayed=True)
            context.in_transaction = True
            try:
                result = await call_next(command, context)
            finally:
                context.in_transaction = False
            await store.complete(key, result.to_dict())
        return result

    @staticmethod
    def _fingerprint(command: Any, context: CommandContext) -> str:
        cached: str | None = context.items.get("idempotency.fingerprint")
        if cached is None:
            cached = context.items["idempotency.fingerprint"] = command_fingerprint(
                context.command_type, command
            )
        return cached

    def __repr__(self) -> str:
        return f"Idempotency({self.store!r}, ttl={self.ttl!r}, derive_keys={self.derive_keys})"
