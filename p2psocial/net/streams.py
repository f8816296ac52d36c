"""Ending a stream that may already be broken: shielded, bounded, and quiet.

A stream is closed or reset on the way out of a handler or a failed exchange, often
while the task is being cancelled and the peer is gone: the close must still run
(shielded), must not hang on a dead connection (two seconds at most), and its own
failure is not news (logged at DEBUG). Any object with ``close``/``reset`` will do
(an accepted socket that is refused, too). ``BROKEN`` names the exceptions of a
broken stream, for handlers to tell them from the peer's mistakes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import trio
from libp2p.io.exceptions import IOException
from libp2p.stream_muxer.exceptions import MuxedStreamError

log = logging.getLogger(__name__)
_BOUND = 2.0

BROKEN: tuple[type[BaseException], ...] = (
    IOException, MuxedStreamError, trio.BrokenResourceError, trio.ClosedResourceError,
    EOFError, OSError)
"""What a stream raises when it breaks, through nobody's proven fault: libp2p's
StreamReset/StreamClosed/StreamError (IOException), a raw muxer error, a trio
stream's (in-memory pipes in tests), an end of stream (``TruncatedFrame`` is one)."""


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


S = TypeVar("S", bound="Stream")


class Stream(Closable, Resettable, Protocol):
    pass


async def serve_guarded(handler: Callable[[S], Awaitable[None]], stream: S,
                        what: str) -> None:
    """Run ``handler(stream)`` for an inbound stream: the stream is closed when it
    returns and reset if it raises; an error is logged (``what`` names the stream)
    and never reaches py-libp2p, where it would tear down the connection's tasks and
    the host. A cancellation (the connection or host closing) goes on, but without
    the errors that broke out beside it in the same moment (a reset stream): the
    cancel scope that is closing catches a cancellation, not an error travelling with
    it."""
    try:
        await handler(stream)
    except Exception:
        log.exception("handler for %s failed", what)
        await reset_quietly(stream)
        return
    except BaseExceptionGroup as group:  # a cancellation, and maybe errors beside it
        await reset_quietly(stream)
        cancelled, errors = group.split(trio.Cancelled)
        if cancelled is None or (errors is not None and errors.split(Exception)[1]):
            raise  # not a cancellation, or more than errors beside it (an interrupt)
        if errors is not None:
            log.debug("handler for %s: %r beside its cancellation", what, errors)
        raise cancelled from None
    except BaseException:  # cancellation: the connection or host is closing
        await reset_quietly(stream)
        raise
    await close_quietly(stream)
