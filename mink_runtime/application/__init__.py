"""The application layer: repositories and, later, the command bus and projection engine.

It talks to storage only through the ports.
"""

from mink_runtime.application._repository import AggregateRepository

__all__ = ["AggregateRepository"]
