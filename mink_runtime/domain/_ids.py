"""Time-ordered event ids (UUIDv7, RFC 9562).

Ids that grow with time keep the event-id index of a database append-friendly, where random
UUIDv4 ids would scatter writes over the whole index.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

__all__ = ["uuid7"]

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_random = b""
_offset = 0
_CHUNK = 4096  # random bytes fetched at a time: one os.urandom call per 512 ids


def _random_bits() -> int:
    """64 bits from the operating system's random source, read in chunks (under `_lock`)."""
    global _random, _offset
    if _offset + 8 > len(_random):
        _random, _offset = os.urandom(_CHUNK), 0
    bits = int.from_bytes(_random[_offset : _offset + 8], "big")
    _offset += 8
    return bits


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7: 48 bits of Unix milliseconds, a 12-bit counter, 62 random bits.

    Ids made by one process are strictly increasing, also within one millisecond and across
    threads.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        rand = _random_bits()
        if ms > _last_ms:
            _last_ms = ms
            _counter = rand >> 54  # a random start below 1024 leaves room to count up
        else:
            _counter += 1
            if _counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        value = (ms << 80) | (0x7 << 76) | (_counter << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    return uuid.UUID(int=value)
