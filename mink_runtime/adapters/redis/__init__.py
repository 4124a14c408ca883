"""The Redis backend (redis-py's asyncio client): read models as JSON documents.

Needs the `redis` extra: `pip install "mink[redis]"`.
"""

from mink_runtime.adapters.redis._read_model_repository import RedisReadModelRepository

__all__ = ["RedisReadModelRepository"]
