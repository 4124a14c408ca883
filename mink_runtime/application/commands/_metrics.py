"""`Metrics`: Prometheus metrics of the command bus (`pip install 'mink[metrics]'`).

- `mink_commands_total{command, outcome}`: dispatches by how they ended (`ok`, `replayed`,
  `rejected`, `conflict`, `timeout`, `cancelled`, `failed`);
- `mink_command_duration_seconds{command}`: a histogram of dispatch times;
- `mink_commands_in_progress{command}`: dispatches running now;
- `mink_command_retries_total{command}`: handler runs beyond the first.

`prometheus_client` is imported when a `Metrics` is made, never by `import mink_runtime`. The
metrics are registered once per registry and namespace, so several buses can share them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from mink_runtime.application.commands._dispatch import CommandContext, Next
from mink_runtime.application.commands._outcome import outcome_of, outcome_of_error
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.errors import ConfigurationError

__all__ = ["Metrics"]

_lock = threading.Lock()
_registered: dict[tuple[int, str], tuple[Any, tuple[Any, Any, Any, Any]]] = {}
"""(id of the registry, namespace) -> (the registry, its collectors)."""


class Metrics:
    """Count, time and watch dispatches with `prometheus_client`.

    Raises:
        ConfigurationError: prometheus_client is not installed.
    """

    def __init__(
        self,
        *,
        registry: Any = None,
        namespace: str = "mink",
        buckets: Sequence[float] | None = None,
    ) -> None:
        try:
            import prometheus_client
        except ImportError as error:
            raise ConfigurationError(
                "the Metrics middleware needs prometheus_client: pip install 'mink[metrics]'"
            ) from error
        registry = prometheus_client.REGISTRY if registry is None else registry
        self.registry = registry
        self.namespace = namespace
        (self._total, self._duration, self._in_progress, self._retries) = _collectors(
            prometheus_client, registry, namespace, buckets
        )

    async def __call__(
        self, command: Any, context: CommandContext, call_next: Next
    ) -> CommandResult:
        name = context.command_type
        in_progress = self._in_progress.labels(name)
        in_progress.inc()
        start = time.perf_counter()
        outcome = "failed"
        try:
            result = await call_next(command, context)
            outcome = outcome_of(result)
            return result
        except BaseException as error:
            outcome = outcome_of_error(error)
            raise
        finally:
            in_progress.dec()
            self._duration.labels(name).observe(time.perf_counter() - start)
            self._total.labels(name, outcome).inc()
            if context.attempt > 1:
                self._retries.labels(name).inc(context.attempt - 1)

    def __repr__(self) -> str:
        return f"Metrics(namespace={self.namespace!r})"


def _collectors(
    client: Any, registry: Any, namespace: str, buckets: Sequence[float] | None
) -> tuple[Any, Any, Any, Any]:
    with _lock:
        known = _registered.get((id(registry), namespace))
        if known is not None and known[0] is registry:
            return known[1]
        labels = ["command"]
        histogram: dict[str, Any] = {} if buckets is None else {"buckets": tuple(buckets)}
        collectors = (
            client.Counter(
                "commands",
                "Commands dispatched, by how they ended",
                [*labels, "outcome"],
                namespace=namespace,
                registry=registry,
            ),
            client.Histogram(
                "command_duration_seconds",
                "Time from dispatch to result, retries included",
                labels,
                namespace=namespace,
                registry=registry,
                **histogram,
            ),
            client.Gauge(
                "commands_in_progress",
                "Commands being handled now",
                labels,
                namespace=namespace,
                registry=registry,
            ),
            client.Counter(
                "command_retries",
                "Handler runs beyond the first, by the retry middleware",
                labels,
                namespace=namespace,
                registry=registry,
            ),
        )
        _registered[(id(registry), namespace)] = (registry, collectors)
        return collectors
