"""The command side: `CommandBus`, its handlers, its middleware, and the aggregate handler.

```python
bus = CommandBus(middleware=default_middleware(idempotency=Idempotency(idempotency_store)))
bus.register(PlaceOrder, aggregate_handler(orders, lambda o, c: o.place(c.customer_id),
                                           id_of="order_id", create=True))
result = await bus.dispatch(PlaceOrder(order_id="42", customer_id="alice"))
```

Modules: `_bus` (the bus), `_handlers` (registration), `_dispatch` (`CommandContext`, the
`Middleware` protocol), `_result`, `_aggregate_handler`, `_defaults` (the default order), one
module per built-in middleware (`_recovery`, `_correlation`, `_logging`, `_metrics`, `_tracing`,
`_validation`, `_timeout`, `_retry`, `_idempotency`), `_outcome` (how a dispatch ended).
"""

from mink_runtime.application.commands._aggregate_handler import (
    AggregateCommandHandler,
    aggregate_handler,
)
from mink_runtime.application.commands._bus import CommandBus
from mink_runtime.application.commands._correlation import COMMAND_CAUSATION, Correlation
from mink_runtime.application.commands._defaults import default_middleware
from mink_runtime.application.commands._dispatch import (
    CommandContext,
    Middleware,
    Next,
    current_command,
)
from mink_runtime.application.commands._handlers import CommandHandlers, HandlerRegistration
from mink_runtime.application.commands._idempotency import Idempotency
from mink_runtime.application.commands._logging import Logging
from mink_runtime.application.commands._metrics import Metrics
from mink_runtime.application.commands._recovery import Recovery
from mink_runtime.application.commands._result import CommandResult
from mink_runtime.application.commands._retry import Retry
from mink_runtime.application.commands._timeout import Timeout
from mink_runtime.application.commands._tracing import Tracing, trace_context_from
from mink_runtime.application.commands._validation import Validation

__all__ = [
    "COMMAND_CAUSATION",
    "AggregateCommandHandler",
    "CommandBus",
    "CommandContext",
    "CommandHandlers",
    "CommandResult",
    "Correlation",
    "HandlerRegistration",
    "Idempotency",
    "Logging",
    "Metrics",
    "Middleware",
    "Next",
    "Recovery",
    "Retry",
    "Timeout",
    "Tracing",
    "Validation",
    "aggregate_handler",
    "current_command",
    "default_middleware",
    "trace_context_from",
]
