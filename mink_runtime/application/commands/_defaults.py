"""The default pipeline, and the order of the built-in layers (outermost first).

1. `Recovery`: outermost, so that whatever goes wrong inside reaches the caller as a mink error;
2. `Correlation`: the message context, so that every later layer (and log line) sees it;
3. `Logging`, then `Metrics` and `Tracing` when given: they time and report the whole dispatch;
4. `Validation`: an invalid command stops here, before anything touches the store;
5. `Timeout`: bounds the rest, retries included;
6. `Retry`: outside idempotency, so that each attempt runs in a fresh transaction;
7. `Idempotency`, when given: innermost, its transaction around the handler alone.
"""

from __future__ import annotations

from mink_runtime.application.commands._correlation import Correlation
from mink_runtime.application.commands._dispatch import Middleware
from mink_runtime.application.commands._logging import Logging
from mink_runtime.application.commands._recovery import Recovery
from mink_runtime.application.commands._retry import Retry
from mink_runtime.application.commands._timeout import Timeout
from mink_runtime.application.commands._validation import Validation

__all__ = ["default_middleware"]


def default_middleware(
    *,
    idempotency: Middleware | None = None,
    metrics: Middleware | None = None,
    tracing: Middleware | None = None,
    timeout: float | None = 30.0,
    max_attempts: int = 3,
) -> list[Middleware]:
    """The built-in layers in their order (see the module docstring), with the optional ones
    you pass: `CommandBus(middleware=default_middleware(idempotency=Idempotency(store)))`.
    """
    layers: list[Middleware] = [Recovery(), Correlation(), Logging()]
    layers += [m for m in (metrics, tracing) if m is not None]
    layers += [Validation(), Timeout(timeout), Retry(max_attempts=max_attempts)]
    if idempotency is not None:
        layers.append(idempotency)
    return layers
