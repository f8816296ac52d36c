"""The shapes a request's wire values may take (``STR``, ``optional(BYTES)``,
``many(STR)``...): every action declares its arguments' shapes, and a serve checks a
request against them before running it, so a client of another version gets one
line, never a traceback (writes.py). The answers that come back are checked the
same way (live_peers.py).
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[object], bool]


def _is(kind: type) -> Check:
    return lambda value: type(value) is kind


STR, BYTES, BOOL, INT = _is(str), _is(bytes), _is(bool), _is(int)


def optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def many(check: Check) -> Check:
    return lambda value: type(value) is tuple and all(check(x) for x in value)
