"""The kernel every service of the node shares: one home's store, keys, clock and
randomness, the event hub, the worker thread and the write lock, and ``publish``.

Nothing here knows posts from groups: a service (posts.py, messages.py, ...) holds
the kernel and builds its entries, then hands them to ``publish``, which signs them
into our log one at a time. The clock and the randomness are injected (``clock() ->
ms``, ``random(n) -> bytes``) so that a test can replay a flow exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import trio

from .. import content as c
from .. import entry as entry_mod
from ..changes import domain_events
from ..entry import Entry
from ..errors import HomeError, InvalidContent, PassphraseRequired
from ..event_hub import BUFFER as EVENT_BUFFER
from ..event_hub import EventHub
from ..events import EntryAdded, Event, RefusalsChanged
from ..home import Home
from ..identity import Identity
from ..store import Store
from ..store.views import IngestResult

T = TypeVar("T")

Clock = Callable[[], int]
"""Milliseconds since the epoch."""
Random = Callable[[int], bytes]
"""``n`` random bytes (os.urandom unless a test replays a flow)."""


def now_ms() -> int:
    return int(time.time() * 1000)


class Kernel:
    def __init__(self, home: Home, store: Store, identity: Identity | None,
                 clock: Clock = now_ms, random: Random = os.urandom) -> None:
        self.home = home
        self.store = store
        self.identity = identity
        self.clock = clock
        self.random = random
        self.events = EventHub()
        self._limiter = trio.CapacityLimiter(1)
        self._write_lock = trio.Lock()
        self._last: Entry | None = (store.last_entry(identity.device_id)
                                    if identity is not None else None)

    @property
    def account_id(self) -> bytes:
        if self.identity is not None:
            return self.identity.account_id
        local = self.store.local_account
        if local is None:
            raise HomeError("this home holds no account")
        return local

    def subscribe(self, buffer: int = EVENT_BUFFER) -> trio.MemoryReceiveChannel[Event]:
        return self.events.subscribe(buffer)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run store or image work in a worker thread, one piece at a time."""
        return await trio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    def refusal_events(self) -> list[Event]:
        """What the store's refused set did since last asked (our block, a private one,
        a subscribed list's entry: store/refusals.py), as events."""
        return [RefusalsChanged(frozenset(added), frozenset(removed))
                for added, removed in self.store.refusals.take_changes()]

    def require_identity(self) -> Identity:
        if self.identity is None:
            raise PassphraseRequired("this needs the account's keys: open the home for writing")
        return self.identity

    def not_me(self, account: bytes, verb: str) -> None:
        if account == self.account_id:
            raise InvalidContent(f"you cannot {verb} yourself")

    # --- publishing -------------------------------------------------------------

    def publish_now(self, value: c.AnyContent) -> tuple[Entry, IngestResult]:
        """Sign and store one entry of our log (synchronous; callers serialise); the
        store's result says what it acted on, for the domain events."""
        identity = self.require_identity()
        value.validate()
        kind, body = c.encode_body(value)
        last = self._last
        # never goes back, and never repeats: a reaction and its undo (or two edits) in
        # one millisecond would otherwise tie, and "last writer wins on (ts, entry)"
        # would pick one by the entries' hashes (at MAX_TIME, a clock gone mad, it repeats)
        timestamp = min(max(self.clock(), last.timestamp + 1 if last else 0),
                        entry_mod.MAX_TIME)
        item = entry_mod.create(identity.device.secret_key, identity.device_id, last,
                                timestamp, kind, body)
        stored = self.store.ingest([item])
        self._last = item
        return item, stored

    async def publish(self, value: c.AnyContent) -> Entry:
        async with self._write_lock:
            item, stored = await self._run(self.publish_now, value)
        me = self.account_id
        self.events.emit([self.entry_added(item, me), *domain_events(
            stored.added, {item.device: me}, me, stored.targets, stored.erased),
            *self.refusal_events()])
        return item

    def entry_added(self, item: Entry, account: bytes) -> EntryAdded:
        h = item.header  # one per entry stored: a sync burst makes 100k of these
        own = self.identity is not None and h.device == self.identity.device_id
        return EntryAdded(item.id, h.device, account, h.seq, h.kind, h.timestamp, own)


class Service:
    """A concern of the node (posts, feeds, messages, ...): it reaches the store, the
    keys, the clock and ``publish`` through the kernel it is given."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = kernel

    @property
    def store(self) -> Store:
        return self._kernel.store

    @property
    def identity(self) -> Identity | None:
        return self._kernel.identity

    @property
    def clock(self) -> Clock:
        return self._kernel.clock

    @property
    def random(self) -> Random:
        return self._kernel.random

    @property
    def events(self) -> EventHub:
        return self._kernel.events

    @property
    def account_id(self) -> bytes:
        return self._kernel.account_id

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._kernel._run(fn, *args)

    async def publish(self, value: c.AnyContent) -> Entry:
        return await self._kernel.publish(value)

    def _require_identity(self) -> Identity:
        return self._kernel.require_identity()

    def _not_me(self, account: bytes, verb: str) -> None:
        self._kernel.not_me(account, verb)
