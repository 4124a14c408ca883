"""The application layer: repositories and the command bus (`mink_runtime.application.commands`).

It talks to storage only through the ports.
"""

from mink_runtime.application._repository import AggregateRepository

__all__ = ["AggregateRepository"]
