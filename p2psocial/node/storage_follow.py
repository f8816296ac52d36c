"""The background storage budget: drops what is over it soon after it arrives.

Theory of operation. Ingest stores what peers send and never weighs it (the sync path
must not pay for a grouped scan of the store). ``follow_storage`` runs beside the
network for as long as the node is open: it applies the budget once at start, then
after every burst of entries or images from other accounts. A burst ends ``PACE``
seconds after its first event, or sooner once ``BURST`` entries from others have
arrived (at most 128 KiB each: a flood cannot get far ahead); everything queued
then is taken, and one run applies the budget. The scan each run starts with (every
entry's length: O(store), measured in bench/storage.py) takes at most ``DUTY`` of
the time: a run that dropped nothing measures it, and the next run waits for that.
Dropping is not paced: it is the work a flood makes, bounded per run. So a flood
overshoots the budget by what arrives between two runs, and ends within it. When
the subscription lags, it subscribes again and runs: the store, not the events, says
what is over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import trio

from ..events import BlobAdded, EntryAdded, Event, Lagged
from .root import Node

PACE = 1.0  # seconds: a run at most this long after a burst starts
BURST = 256  # entries from others: a run sooner, once this many have arrived
DUTY = 0.1  # the scan each run starts with takes at most this share of the time
log = logging.getLogger(__name__)


async def follow_storage(node: Node, hops: Callable[[], int] | int = 2,
                         pace: float = PACE) -> None:
    """Apply the budget now, then after every burst from others; until cancelled."""
    hops_now: Callable[[], int] = hops if callable(hops) else (lambda: int(hops))
    lagged = True
    while lagged:
        events = node.subscribe()
        with events:
            await _run(node, hops_now())  # what arrived while we were closed
            lagged = await _follow(node, events, hops_now, pace)


async def _follow(node: Node, events: trio.MemoryReceiveChannel[Event],
                  hops: Callable[[], int], pace: float) -> bool:
    """Runs after bursts. True when the subscription lagged, False when it ended."""
    scan = 0.0  # seconds the last run that dropped nothing took: the scan's cost
    ended = trio.current_time()  # when the last run ended
    async for event in events:
        if isinstance(event, Lagged):
            return True
        if not _from_others(event):
            continue
        arrived = 1
        with trio.move_on_after(pace):  # the burst: until ``pace`` or ``BURST`` entries
            while arrived < BURST:
                try:
                    queued = await events.receive()
                except trio.EndOfChannel:
                    return False
                if isinstance(queued, Lagged):
                    return True
                arrived += _from_others(queued)
        await trio.sleep_until(ended + scan / DUTY)
        while True:  # and whatever else is queued: one run for all of it
            try:
                queued = events.receive_nowait()
            except trio.WouldBlock:
                break
            except trio.EndOfChannel:
                return False
            if isinstance(queued, Lagged):
                return True
        took, dropped = await _run(node, hops())
        ended = trio.current_time()
        if not dropped:
            scan = took
    return False


async def _run(node: Node, hops: int) -> tuple[float, bool]:
    """Apply the budget: how long it took (seconds), and whether it dropped anything."""
    started = trio.current_time()
    dropped = await node.storage.enforce_all(hops)
    if dropped.bodies:
        log.info("storage budget: dropped %d bodies (%d bytes) and %d images (%d bytes)",
                 dropped.bodies, dropped.bytes, dropped.images, dropped.image_bytes)
    return trio.current_time() - started, bool(dropped.bodies)


def _from_others(event: Event) -> bool:
    return (isinstance(event, EntryAdded) and not event.own) or isinstance(event, BlobAdded)
