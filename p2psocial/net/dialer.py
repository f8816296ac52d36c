"""The dialer: one task per peer with addresses that keeps one session open with it.

    dialer = Dialer(known, host=..., nursery=..., in_session=..., on_stream=..., ...)
    dialer.start(device)      # a task for it, if it has addresses and none runs
    dialer.poke(device)       # look again now: a session ended, a ban lifted
    dialer.dial_now(device)   # due now (``connect``, an address record that moved)

Theory of operation. The task waits until the peer is due: not while a session is
open (whoever opened it), not while it is banned (until the ban ends, on the
service's ``clock``), and not before ``next_dial`` (Trio time, set from the backoff:
backoff.py's rules, in addressbook.py). Then it dials every address the peer has at
once (host.py's Happy Eyeballs) and hands the stream to ``on_stream``, which runs the
session until it ends; a failed dial counts against the peer, sets the next try
after ``backoff.delay(failures)`` and tells ``unreachable`` (the peer may have moved:
address_exchange.py). A dial can hang for minutes on an address the device left; a
newer address record cancels it (``moved``) and the new addresses are dialed at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence

import trio
from libp2p.abc import INetStream

from .addressbook import Backoff, StandingPolicy
from .host import Host, peer_id_from_device_id
from .known_peers import KnownPeers
from .messages import PROTOCOL_IDS
from .plumbing import multiaddrs, short

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before


class Dialer:
    def __init__(self, known: KnownPeers, *, host: Callable[[], Host | None],
                 nursery: Callable[[], trio.Nursery | None],
                 in_session: Callable[[bytes], bool],
                 on_stream: Callable[[bytes, INetStream], Awaitable[None]],
                 unreachable: Callable[[bytes, Sequence[str]], None],
                 backoff: Backoff, policy: StandingPolicy, rng: random.Random) -> None:
        self.known = known
        self.host, self.nursery, self.in_session = host, nursery, in_session
        self.on_stream, self.unreachable = on_stream, unreachable
        self.backoff, self.policy, self.rng = backoff, policy, rng
        self._dialers: set[bytes] = set()
        self._wakes: dict[bytes, trio.Event] = {}
        self._attempts: dict[bytes, trio.CancelScope] = {}  # dials under way

    def start(self, device: bytes) -> None:
        state = self.known.states[device]
        nursery = self.nursery()
        if device in self._dialers or not state.addrs or nursery is None:
            return
        self._dialers.add(device)
        nursery.start_soon(self._dial, device)

    def poke(self, device: bytes) -> None:
        event = self._wakes.get(device)
        if event is not None:
            event.set()

    def dial_now(self, device: bytes) -> None:
        self.known.states[device].next_dial = 0.0
        self.start(device)
        self.poke(device)

    def moved(self, device: bytes) -> None:
        """``device`` has new addresses: stop a dial to the old ones, dial now."""
        self.known.states[device].next_dial = 0.0
        attempt = self._attempts.get(device)
        if attempt is not None:  # dialing where it was: TCP may wait for minutes
            attempt.cancel()
        self.start(device)
        self.poke(device)

    def rest(self, device: bytes) -> None:
        """A session with ``device`` is ending: the next dial waits the backoff's first
        delay (the caller pokes once the session is over)."""
        self.known.states[device].next_dial = trio.current_time() + self.retry_after(0)

    def retry_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row (with jitter)."""
        return self.backoff.delay(failures, self.rng)

    async def _dial(self, device: bytes) -> None:
        """Keep one session with ``device``: dial when none is open, back off on failure."""
        state = self.known.states[device]
        while True:
            await self._until_due(device)
            host = self.host()
            if host is None:
                return
            addrs = multiaddrs(state.addrs)
            state.dialing = True
            self.known.notify()
            try:
                with trio.CancelScope() as attempt:  # ``moved`` cancels it: newer addresses
                    self._attempts[device] = attempt
                    stream = await host.open_stream(peer_id_from_device_id(device), addrs,
                                                    list(PROTOCOL_IDS.values()))
            except Exception as exc:  # DialFailed, StreamOpenFailed, or libp2p's own
                await self.known.persist(device, state.dial_failed(str(exc)))
                delay = self.retry_after(state.failures)
                state.next_dial = trio.current_time() + delay
                log.info("cannot reach %s (%d failures, next try in %.0f s): %s",
                         short(device), state.failures, delay, exc)
                self.unreachable(device, state.addrs)  # did it move?
                self.known.notify()
                continue
            finally:
                self._attempts.pop(device, None)
            state.dialing = False
            if attempt.cancelled_caught:  # a dial that may hang for minutes on an
                continue  # address the device left: the new ones are dialed at once
            await self.on_stream(device, stream)

    async def _until_due(self, device: bytes) -> None:
        state = self.known.states[device]
        while True:
            now = self.known.clock()
            await self.known.persist(device, state.lift_expired_ban(now, self.policy))
            wait: float | None = None  # None: until poked
            if self.in_session(device):
                wait = None
            elif state.banned(now):
                assert state.banned_until is not None
                wait = (state.banned_until - now) / 1000
            else:
                wait = state.next_dial - trio.current_time()
                if wait <= 0:
                    return
            event = self._wakes[device] = trio.Event()
            with trio.move_on_after(wait if wait is not None else float("inf")):
                await event.wait()
