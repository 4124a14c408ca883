"""Time-ordered event ids (UUIDv7, RFC 9562).

Ids that grow with time keep the event-id index of a database append-friendly, where random
UUIDv4 ids would scatter writes over the whole index.
"""

from __future__ import annotations

import os
import time
import uuid

__all__ = ["uuid7"]

_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7: 48 bits of Unix milliseconds, then a counter and random bits.

    Ids made by one process are strictly increasing, also within one millisecond.
    """
    global _last_ms, _counter
    ms = time.time_ns() // 1_000_000
    if ms > _last_ms:
        _last_ms = ms
        _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
    else:
        _counter += 1
        if _counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next millisecond
            _last_ms += 1
            _counter = 0
        ms = _last_ms
    rand = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    value = (ms << 80) | (0x7 << 76) | (_counter << 64) | (0b10 << 62) | rand
    return uuid.UUID(int=value)
