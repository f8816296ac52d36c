"""Ending a stream that may already be broken: shielded, bounded, and quiet.

A stream is closed or reset on the way out of a handler or a failed exchange, often
while the task is being cancelled and the peer is gone: the close must still run
(shielded), must not hang on a dead connection (two seconds at most), and its own
failure is not news (logged at DEBUG). Any object with ``close``/``reset`` will do
(an accepted socket that is refused, too).
"""

from __future__ import annotations

import logging
from typing import Protocol

import trio

log = logging.getLogger(__name__)
_BOUND = 2.0


class Closable(Protocol):
    async def close(self) -> None: ...


class Resettable(Protocol):
    async def reset(self) -> None: ...


async def close_quietly(stream: Closable) -> None:
    with trio.CancelScope(shield=True), trio.move_on_after(_BOUND):
        try:
            await stream.close()
        except Exception as exc:
            log.debug("closing a stream: %r", exc)


async def reset_quietly(stream: Resettable) -> None:
    with trio.CancelScope(shield=True), trio.move_on_after(_BOUND):
        try:
            await stream.reset()
        except Exception as exc:
            log.debug("resetting a stream: %r", exc)
