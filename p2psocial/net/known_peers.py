"""What the network service knows of every peer, in memory, written through to the
address book.

    known = KnownPeers(replica, clock, in_session=lambda d: d in sessions)
    state = await known.know(device, addrs, "mdns", Trust.HEARD)
    await known.persist(device, state.dial_failed("refused"))
    await known.wait_until(lambda: device in sessions)

Why apart from the service: every part of it (the dialer, the LAN, the relay policy,
blob sharing, sessions) reads and changes the same ``PeerState`` values, and each
change must be written to the store's ``peers`` table (so ``p2psocial peers``, a
read-only reader, sees it) and wake whoever waits for a change of peer state. One
object owns that, so no part keeps a second copy.

Strangers: a peer that reached us without an address (a session, a gossip message, a
relay request) is known in memory only, at most ``MAX_STRANGERS`` of them; identities
are free, and a row (and a write) for each would let anyone fill our disk. Once we
learn an address it gets a row like any peer.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence

import trio

from ..store.peer_addrs import Trust
from ..store.store import PeerRecord
from .addressbook import PeerState
from .plumbing import short
from .port import Replica

log = logging.getLogger("p2psocial.net.service")  # the service's lines, as before

MAX_STRANGERS = 1024  # peers that reached us and that we know of in memory only
PERSIST_TIMEOUT = 2.0


class KnownPeers:
    def __init__(self, replica: Replica, clock: Callable[[], int], *,
                 in_session: Callable[[bytes], bool]) -> None:
        """``clock``: ms since the epoch (bans); ``in_session(device)``: a connected
        stranger is never forgotten."""
        self.replica = replica
        self.clock = clock
        self.in_session = in_session
        self.states: dict[bytes, PeerState] = {}
        self.strangers: OrderedDict[bytes, None] = OrderedDict()  # oldest first
        self._changed = trio.Event()

    def banned(self, device: bytes) -> bool:
        state = self.states.get(device)
        return state is not None and state.banned(self.clock())

    async def know(self, device: bytes, addrs: Sequence[str], source: str,
                   trust: Trust = Trust.HEARD) -> PeerState:
        """The state of ``device``, made (and written down) if new; ``addrs`` are
        added to its row as far as ``trust`` goes (store/peer_addrs.py)."""
        state = self.states.get(device)
        if state is None and not addrs and source == "peer":
            # a stranger that reached us: in memory only (the module docstring)
            state = self.states[device] = PeerState(device, source=source)
            self._remember_stranger(device)
            self.notify()
            return state
        if device in self.strangers:
            self.strangers.move_to_end(device)
        if state is None or (addrs and (trust > Trust.HEARD
                                        or not set(addrs) <= set(state.addrs))):
            record = await self.replica.add_peer(device, addrs, source, trust)
            # another task may have met this peer while we waited (mDNS and its inbound
            # session at once): keep the state it made, which a session may hold
            state = self.states.get(device)
            if state is None:
                state = self.states[device] = PeerState.from_record(record)
            else:
                state.addrs = record.addrs
                if self.strangers.pop(device, False) is None:  # it has a row now
                    await self.persist(device, {
                        "last_seen": state.last_seen, "last_ok": state.last_ok,
                        "failures": state.failures, "standing": state.standing,
                        "banned_until": state.banned_until})
            self.notify()
        return state

    def moved(self, record: PeerRecord) -> None:
        """The address book took a newer signed record of ``record.device``'s addresses."""
        state = self.states.get(record.device)
        if state is None:
            self.states[record.device] = PeerState.from_record(record)
        else:
            state.addrs = record.addrs
            self.strangers.pop(record.device, None)  # a friend, with a row now

    def _remember_stranger(self, device: bytes) -> None:
        """Keep the newest MAX_STRANGERS strangers; forget the oldest that are not
        connected (a ban of a forgotten one is forgotten too: a new identity would
        have been as good to it)."""
        self.strangers[device] = None
        if len(self.strangers) <= MAX_STRANGERS:
            return
        for old in list(self.strangers):
            if len(self.strangers) <= MAX_STRANGERS:
                break
            if not self.in_session(old) and old != device:
                del self.strangers[old]
                self.states.pop(old, None)

    async def persist(self, device: bytes, fields: dict[str, int | None]) -> None:
        """Write changed ``fields`` of a peer's state to the address book."""
        if not fields or device in self.strangers:  # strangers are not written down
            return
        with trio.move_on_after(PERSIST_TIMEOUT):
            try:
                await self.replica.update_peer(device, **fields)
            except Exception as exc:  # a closed store at shutdown: the state is in memory
                log.debug("could not record peer %s: %r", short(device), exc)

    def notify(self) -> None:
        """Peer state changed: wake whoever waits for that."""
        self._changed.set()
        self._changed = trio.Event()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            await self._changed.wait()

    async def next_change(self) -> None:
        await self._changed.wait()
