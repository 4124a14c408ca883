"""Idempotency records, and the stable fingerprint of a command's content.

A fingerprint is a SHA-256 over the command's type name and its content as primitives
(`to_primitive`), serialized by orjson with sorted keys: equal commands get equal fingerprints
in every process and on every machine, whatever the order their fields were given in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mink_runtime.domain._conversion import to_primitive
from mink_runtime.errors import SerializationError

__all__ = ["NOT_CONTENT", "IdempotencyRecord", "command_fingerprint"]

NOT_CONTENT = frozenset({"command_id", "idempotency_key"})
"""Fields that name one dispatch rather than say what the command asks for: a fingerprint leaves
them out, so that the same request sent twice (with fresh ids) is recognised."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyRecord:
    """A command that ran under an idempotency key, and the result it produced."""

    key: str
    command_type: str
    fingerprint: str
    """`command_fingerprint` of the command that claimed the key."""
    result: Mapping[str, Any]
    """The command's result as JSON-compatible primitives (`CommandResult.to_dict()`)."""
    created_at: datetime
    expires_at: datetime


def command_fingerprint(command_type: str, command: object) -> str:
    """A stable hex digest of a command's type name and content.

    Raises:
        SerializationError: the command holds a value with no primitive form.
    """
    content = to_primitive(command)
    if isinstance(content, dict):
        content = {k: v for k, v in content.items() if k not in NOT_CONTENT}
    try:
        payload = orjson.dumps([command_type, content], option=orjson.OPT_SORT_KEYS)
    except TypeError as error:
        raise SerializationError(
            f"cannot fingerprint a {command_type} command: {error}; give it an explicit "
            "idempotency key instead"
        ) from error
    return hashlib.sha256(payload).hexdigest()
