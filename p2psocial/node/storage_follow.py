"""The background storage budget: drops what is over it soon after it arrives.

Theory of operation. Ingest stores what peers send and never weighs it (the sync path
must not pay for a grouped scan of the store). ``follow_storage`` runs beside the
network for as long as the node is open: it applies the budget once at start, then
after every burst of entries or images from other accounts. Bursts coalesce (every
event already queued is taken before a run), and runs are paced: at most one every
``PACE`` seconds, because each one reads every entry's length once (measured in
bench/storage.py). So a flood overshoots the budget by at most what arrives in
``PACE`` seconds plus one run, and ends within it. When the subscription lags, it
subscribes again and runs: the store, not the events, says what is over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import trio

from ..events import BlobAdded, EntryAdded, Event, Lagged
from .root import Node

PACE = 2.0  # seconds between two runs at least
log = logging.getLogger(__name__)


async def follow_storage(node: Node, hops: Callable[[], int] | int = 2,
                         pace: float = PACE) -> None:
    """Apply the budget now, then after every burst from others; until cancelled."""
    hops_now: Callable[[], int] = hops if callable(hops) else (lambda: int(hops))
    lagged = True
    while lagged:
        events = node.subscribe()
        with events:
            await _run(node, hops_now())
            lagged = await _follow(node, events, hops_now, pace)


async def _follow(node: Node, events: trio.MemoryReceiveChannel[Event],
                  hops: Callable[[], int], pace: float) -> bool:
    async for event in events:
        if isinstance(event, Lagged):
            return True
        if not _from_others(event):
            continue
        await trio.sleep(pace)  # let the burst finish: one run for all of it
        while True:
            try:
                queued = events.receive_nowait()
            except trio.WouldBlock:
                break
            except trio.EndOfChannel:
                return False
            if isinstance(queued, Lagged):
                return True
        await _run(node, hops())
    return False


async def _run(node: Node, hops: int) -> None:
    dropped = await node.storage.enforce_all(hops)
    if dropped.bodies:
        log.info("storage budget: dropped %d bodies (%d bytes) and %d images (%d bytes)",
                 dropped.bodies, dropped.bytes, dropped.images, dropped.image_bytes)


def _from_others(event: Event) -> bool:
    return (isinstance(event, EntryAdded) and not event.own) or isinstance(event, BlobAdded)
