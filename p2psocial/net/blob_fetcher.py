"""The background blob fetcher: pictures travel like posts.

Theory of operation. A node fetches the blobs that the entries it replicates reference
(store/blob_wants.py says which, in which order, within which budget) from the peers
it is connected to, and then serves them on like any blob (``/p2psocial/blob/1.0.0``,
blobs.py). So a reader gets a picture from a friend's box while its author is offline.

``FetchPlan`` is the state machine, with no I/O and no clock of its own: it holds the
wanted hashes in priority order and, per hash, which connected peers were asked in
vain since its last backoff ran out. ``start(now, connected)`` hands out jobs (a hash
and the peers to ask, in turn), at most ``concurrency`` at once; ``finished`` and
``failed`` take the outcomes. A blob nobody gave waits ``BACKOFF[failures]`` seconds
before every connected peer is asked again, but a peer that connects is asked at once
(``peer_connected``): one that replicates the author may have fetched it meanwhile.
Not having a blob is nobody's fault; bytes that do not match their hash are the
sender's (the caller lowers its standing, blobs.py).

``BlobFetcher`` is the thin Trio loop around it: it reads the wanted list again after
entries that may reference blobs are stored (debounced), after a fetch ends, and every
``REFRESH_EVERY`` seconds, and sleeps until the next job can start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio

from ..content import Kind
from ..events import EntryAdded, Event, Lagged, RosterChanged
from .blobs import BlobUnavailable

log = logging.getLogger(__name__)

CONCURRENCY = 4
"""Blobs fetched at once (each from one peer at a time): pictures never crowd out sync."""
BACKOFF = (15.0, 60.0, 300.0, 1800.0, 3600.0)
"""Seconds before a blob that nobody gave is asked of the same peers again."""
WANTED_AT_ONCE = 256
"""Wanted hashes held in memory (the next ones in priority order)."""
REFRESH_EVERY = 300.0
"""Seconds between two readings of the wanted list when nothing else prompts one."""
DEBOUNCE = 1.0
"""Seconds at least between two readings of the wanted list."""
REFRESH_KINDS = frozenset({Kind.POST, Kind.PROFILE, Kind.FOLLOW, Kind.UNFOLLOW, Kind.BLOCK,
                           Kind.UNBLOCK, Kind.DELETE, Kind.PRIVATE, Kind.GROUP})
"""Kinds whose arrival may change what is wanted (a new reference, a new policy)."""


@dataclass(frozen=True, slots=True)
class Job:
    hash: bytes
    peers: tuple[bytes, ...]  # to ask in turn


@dataclass(slots=True)
class _Want:
    failures: int = 0
    retry_at: float = 0.0
    tried: set[bytes] = field(default_factory=set)  # asked in vain since the last backoff
    busy: bool = False


class FetchPlan:
    """Which wanted blob to fetch next, from whom. See the module's docstring."""

    def __init__(self, concurrency: int = CONCURRENCY,
                 backoff: Sequence[float] = BACKOFF) -> None:
        if concurrency < 1 or not backoff:
            raise ValueError("at least one fetch at once, and one backoff step")
        self.concurrency = concurrency
        self.backoff = tuple(backoff)
        self._order: list[bytes] = []
        self._wants: dict[bytes, _Want] = {}

    @property
    def busy(self) -> int:
        return sum(w.busy for w in self._wants.values())

    def wanted(self) -> list[bytes]:
        return list(self._order)

    def set_wanted(self, hashes: Sequence[bytes]) -> None:
        """The wanted blobs now, best first. Hashes that left the list are forgotten
        (held now, deleted, past the budget) unless a fetch of them is under way."""
        order = list(dict.fromkeys(hashes))
        keep = set(order)
        self._wants = {h: w for h, w in self._wants.items() if h in keep or w.busy}
        for h in order:
            self._wants.setdefault(h, _Want())
        self._order = order + [h for h in self._wants if h not in keep]

    def peer_connected(self, peer: bytes) -> None:
        """A peer connected (again): ask it about every blob it was asked in vain."""
        for want in self._wants.values():
            want.tried.discard(peer)

    def start(self, now: float, connected: Sequence[bytes]) -> list[Job]:
        """The jobs to start now: best first, while fewer than ``concurrency`` run."""
        jobs: list[Job] = []
        room = self.concurrency - self.busy
        for h in self._order:
            if room <= 0:
                break
            want = self._wants[h]
            if want.busy:
                continue
            if want.tried and want.retry_at <= now:
                want.tried.clear()  # the backoff ran out: everyone again
            peers = tuple(p for p in connected if p not in want.tried)
            if peers:
                want.busy = True
                jobs.append(Job(h, peers))
                room -= 1
        return jobs

    def finished(self, digest: bytes) -> None:
        """The blob is held now."""
        self._wants.pop(digest, None)
        if digest in self._order:
            self._order.remove(digest)

    def failed(self, digest: bytes, asked: Sequence[bytes], now: float) -> None:
        """None of ``asked`` gave the blob (missing, broken streams, wrong bytes)."""
        want = self._wants.get(digest)
        if want is None:
            return
        want.busy = False
        want.tried.update(asked)
        want.retry_at = now + self.backoff[min(want.failures, len(self.backoff) - 1)]
        want.failures += 1

    def next_due(self, now: float) -> float | None:
        """When a backoff runs out next (None: none is running)."""
        times = [w.retry_at for w in self._wants.values()
                 if not w.busy and w.tried and w.retry_at > now]
        return min(times, default=None)


Wanted = Callable[[int], Awaitable[Sequence[bytes]]]
"""``await wanted(limit)``: the next wanted blob hashes, best first."""
Fetch = Callable[[bytes, Sequence[bytes]], Awaitable[object]]
"""``await fetch(hash, peers)``: get and store the blob from the first of ``peers`` that
gives it; ``BlobUnavailable`` (with ``.failures``) when none did."""


class BlobFetcher:
    """The Trio side of ``FetchPlan``: ``run`` until cancelled."""

    def __init__(self, *, wanted: Wanted, fetch: Fetch, connected: Callable[[], Sequence[bytes]],
                 subscribe: Callable[[], trio.MemoryReceiveChannel[Event]],
                 plan: FetchPlan | None = None, refresh_every: float = REFRESH_EVERY,
                 debounce: float = DEBOUNCE) -> None:
        self.plan = plan or FetchPlan()
        self._wanted, self._fetch, self._connected = wanted, fetch, connected
        self._subscribe = subscribe
        self.refresh_every, self.debounce = refresh_every, debounce
        self._wake = trio.Event()
        self._stale = True  # read the wanted list at the next turn
        self._ended = trio.Event()  # set (and replaced) whenever a fetch ends
        self.fetched = 0  # blobs this fetcher stored (for tests and logs)

    def peer_connected(self, peer: bytes) -> None:
        self.plan.peer_connected(peer)
        self._wake.set()

    def refresh(self) -> None:
        """Read the wanted list again soon (something may be wanted that was not)."""
        self._stale = True
        self._wake.set()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once ``condition()`` holds; re-checked whenever a fetch ends."""
        while not condition():
            await self._ended.wait()

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._watch)
            task_status.started()
            read_at = -float("inf")
            while True:
                now = trio.current_time()
                if now >= read_at + self.refresh_every:
                    self._stale = True  # the periodic reading
                if self._stale and now >= read_at + self.debounce:
                    self._stale, read_at = False, now
                    self.plan.set_wanted(await self._wanted(WANTED_AT_ONCE))
                    now = trio.current_time()
                for job in self.plan.start(now, self._connected()):
                    nursery.start_soon(self._one, job)
                times = [read_at + self.refresh_every, self.plan.next_due(now)]
                if self._stale:
                    times.append(read_at + self.debounce)
                with trio.move_on_at(min(t for t in times if t is not None)):
                    await self._wake.wait()
                self._wake = trio.Event()

    async def _one(self, job: Job) -> None:
        try:
            await self._fetch(job.hash, job.peers)
        except BlobUnavailable as exc:
            asked = [k for k, _ in exc.failures if isinstance(k, bytes)] or list(job.peers)
            log.debug("blob %s: none of %d peer(s) gave it", job.hash.hex()[:16], len(asked))
            self.plan.failed(job.hash, asked, trio.current_time())
        except Exception as exc:  # a store error, the service stopping: try later
            log.info("blob %s not fetched: %r", job.hash.hex()[:16], exc)
            self.plan.failed(job.hash, job.peers, trio.current_time())
        else:
            self.fetched += 1
            self.plan.finished(job.hash)
            self._stale = True  # the budget moved; the next ones may come in
        self._wake.set()
        self._ended.set()
        self._ended = trio.Event()

    async def _watch(self) -> None:
        """Read the wanted list again after entries that may change it are stored."""
        while True:
            events = self._subscribe()
            with events:
                async for event in events:
                    if isinstance(event, Lagged):
                        self.refresh()
                        break
                    if isinstance(event, RosterChanged) or (
                            isinstance(event, EntryAdded) and event.kind in REFRESH_KINDS):
                        self.refresh()
                else:
                    return  # the node is closing


async def fetch_once(wanted: Sequence[bytes], fetch: Fetch, peers: Sequence[bytes], *,
                     concurrency: int = CONCURRENCY) -> int:
    """Fetch ``wanted`` (best first) from ``peers``, asking each peer about each blob at
    most once, ``concurrency`` at a time: the one-shot sync's pass (``sync --once``),
    with no backoff and no retry. Returns how many blobs were stored."""
    plan = FetchPlan(concurrency, backoff=(float("inf"),))
    plan.set_wanted(wanted)
    got = 0
    ended = trio.Event()

    async def one(job: Job) -> None:
        nonlocal got, ended
        try:
            await fetch(job.hash, job.peers)
        except BlobUnavailable as exc:
            asked = [k for k, _ in exc.failures if isinstance(k, bytes)] or list(job.peers)
            plan.failed(job.hash, asked, trio.current_time())
        except Exception as exc:
            log.info("blob %s not fetched: %r", job.hash.hex()[:16], exc)
            plan.failed(job.hash, job.peers, trio.current_time())
        else:
            got += 1
            plan.finished(job.hash)
        ended.set()
        ended = trio.Event()

    async with trio.open_nursery() as nursery:
        while True:
            for job in plan.start(trio.current_time(), peers):
                nursery.start_soon(one, job)
            if not plan.busy:
                break
            await ended.wait()
    return got
