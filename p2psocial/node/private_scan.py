"""The background private scan: opens private entries soon after they are stored.

Theory of operation. Ingest stores sealed entries without trying to open them (the
sync path must not pay for trial decryption; store/inbox.py). ``follow_private``
runs beside the network for as long as the node is open: it scans once at start
(what arrived while the app was closed, or an upgrade's whole history), then waits
for ``EntryAdded`` events of kind PRIVATE or GROUP and scans again. Bursts coalesce:
after one such event it takes every event already queued before it scans, so a sync
batch of a thousand sealed entries costs one scan, not a thousand. Only this task
scans in the background, and ``Node.messages.scan`` holds a lock, so a scan asked for
by a command (``send_message``, the CLI's ``inbox``) never runs beside it. When the
subscription lags (events were dropped), it subscribes again and rescans: the
watermark makes a rescan cheap and complete.
"""

from __future__ import annotations

import trio

from ..content import SEALED_KINDS
from ..events import EntryAdded, Event, Lagged
from .root import Node


async def follow_private(node: Node) -> None:
    """Scan now, then after every burst of new sealed entries; runs until cancelled."""
    lagged = True
    while lagged:  # lagged: events were lost; subscribe again, rescan from the watermark
        events = node.subscribe()
        with events:
            await node.messages.scan()
            lagged = await _follow(node, events)
    # the node closed its event hub: nothing more will arrive


async def _follow(node: Node, events: trio.MemoryReceiveChannel[Event]) -> bool:
    """Scan after each burst of sealed entries. True when the subscription lagged,
    False when it ended (the node closed)."""
    async for event in events:
        if isinstance(event, Lagged):
            return True
        if not _sealed(event):
            continue
        while True:  # coalesce: take everything already queued, then scan once
            try:
                queued = events.receive_nowait()
            except trio.WouldBlock:
                break
            except trio.EndOfChannel:
                return False
            if isinstance(queued, Lagged):
                return True
        await node.messages.scan()
    return False


def _sealed(event: Event) -> bool:
    return isinstance(event, EntryAdded) and event.kind in SEALED_KINDS
