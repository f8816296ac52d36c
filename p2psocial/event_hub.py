"""Where the node's events go: each subscriber gets a bounded trio channel.

A subscriber that falls behind by more than its buffer is sent ``Lagged`` and closed:
it re-reads what it shows from the store and subscribes again. The node never blocks
on a slow subscriber.
"""

from __future__ import annotations

import trio

from .events import Event, Lagged

# One stored batch emits up to two events per entry (its EntryAdded and a domain
# event), all at once, and a sync session stores up to ~18k entries in one batch when
# frames queue up (net/sync.py, COALESCE): a subscriber's buffer holds at least that,
# or every burst makes it lag. A buffer costs nothing until it fills.
BUFFER = 64 * 1024


class EventHub:
    def __init__(self) -> None:
        self._subscribers: list[trio.MemorySendChannel[Event]] = []

    def subscribe(self, buffer: int = BUFFER) -> trio.MemoryReceiveChannel[Event]:
        send, receive = trio.open_memory_channel[Event](buffer)
        self._subscribers.append(send)
        return receive

    def emit(self, events: list[Event]) -> None:
        if not events:
            return
        for send in list(self._subscribers):
            stats = send.statistics()  # once per batch: a sync batch is 1,000 events
            room = int(stats.max_buffer_size) - stats.current_buffer_used - 1  # 1 for Lagged
            try:
                for event in events[:room]:
                    send.send_nowait(event)
                if len(events) > room:
                    send.send_nowait(Lagged())
                    self._drop(send)
            except (trio.BrokenResourceError, trio.ClosedResourceError, trio.WouldBlock):
                self._drop(send)

    def _drop(self, send: trio.MemorySendChannel[Event]) -> None:
        self._subscribers.remove(send)
        send.close()

    def close(self) -> None:
        for send in self._subscribers:
            send.close()
        self._subscribers.clear()
