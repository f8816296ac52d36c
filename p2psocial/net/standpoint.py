"""Where we stand: our reachability, each peer's path, and why a peer is not connected.

The network service's part of "knowing where you stand" (the logic is pure, in
reachability.py, paths.py and why_not.py; the dial-back protocol is dialback.py):
this keeps a ``ReachTracker`` fed from the host (our listen addresses, the port
mappings, what identify says peers see of us), asks a connected friend for a
dial-back when there is an address worth confirming, and answers the service's
questions about paths and reasons.

Asking. At most one ask at a time, of a friend connected directly from outside our
LAN (a LAN friend can only prove the LAN; over a relay the friend cannot see our
IP), each friend at most every ``ASK_EVERY`` seconds (``ask_every``; after a refusal
again in ``REFUSED_RETRY`` seconds, doubling); what to ask comes from the tracker,
which leaves out addresses with a result younger than an hour. So a node with three
friends asks at most 3 times in ``ASK_EVERY``, and nothing once all its addresses
have fresh results; any change of our addresses or mappings asks again at once (each
friend still serves at most ``dialback.ASKS_PER_HOUR`` an hour).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio
from libp2p.peer.id import ID

from . import dialback
from .host import Host, NetError, device_id_from_peer_id, peer_id_from_device_id
from .ip_parse import public_ranges
from .paths import Facts, IPNetwork, Path, lan_networks, path_of, runs_to
from .reachability import Reach, Reachability, ReachTracker
from .why_not import PeerFacts, Reason, why_not

log = logging.getLogger(__name__)

ASK_EVERY = 600.0
"""Seconds between two dial-back asks of the same friend."""
REFUSED_RETRY = 5.0
"""Seconds before asking again a friend that refused, doubling with each refusal up to
``ASK_EVERY`` (it may not count us as a friend yet: it follows us, and gets our log, a
moment after we follow it)."""
LOOK_EVERY = 30.0
"""Seconds between two looks at our addresses when nothing else happens."""
LAN_EVERY = 60.0
"""Seconds our LAN networks are read again (interfaces come and go)."""


@dataclass
class Standpoint:
    """``own()``: our direct addresses; ``mapped()``: addresses routers mapped for us;
    ``is_friend(device)``; ``inbound(device)``: whether the peer's session came in
    (None: no session); ``chosen(device)``: a peer whose view of our address counts
    besides friends (one we know where to find: an invite, the LAN; a stranger could
    tell us anything); ``mapped_of(device)``: the addresses the peer's newest signed
    record marks as port-mapped (address_exchange.py);
    ``changed()``: waits for the service's next change; ``notify()``: tells the service
    that our reachability changed."""

    host: Host
    own: Callable[[], Sequence[str]]
    is_friend: dialback.IsFriend
    changed: Callable[[], Awaitable[None]]
    notify: Callable[[], None]
    listening: bool = True
    mapped: Callable[[], Sequence[str]] = tuple
    inbound: Callable[[bytes], bool | None] = lambda _device: None
    chosen: Callable[[bytes], bool] = lambda _device: True
    mapped_of: Callable[[bytes], Collection[str]] = lambda _device: ()
    public: Sequence[IPNetwork] = field(default_factory=public_ranges)
    lan: list[IPNetwork] = field(default_factory=list)
    ask_every: float = ASK_EVERY
    tracker: ReachTracker = field(init=False)
    pending: dialback.Pending = field(default_factory=dialback.Pending)
    server: dialback.Server = field(init=False)
    _asked: dict[bytes, float] = field(default_factory=dict)
    _refusals: dict[bytes, int] = field(default_factory=dict)
    _friends: set[bytes] = field(default_factory=set)  # connected friends, at the last look
    _lan_read: float = -1e9
    _last: Reachability | None = None

    def __post_init__(self) -> None:
        self.tracker = ReachTracker(public=self.public)
        self.server = dialback.Server(self.pending, device_id_from_peer_id, self.is_friend,
                                      self._remote_of)
        self.host.set_handler(dialback.PROTOCOL_ID, self.server.handle)

    # --- answers ------------------------------------------------------------------------

    def reachability(self) -> Reachability:
        return self.tracker.state(trio.current_time())

    def paths(self) -> dict[bytes, Path]:
        """How each connected device is connected. Port-mapped: it came in while we
        are port-mapped, or we dialed an address its record marks as mapped."""
        state = self.reachability()
        out: dict[bytes, Path] = {}
        for link in self.host.connections():
            came_in = self.inbound(link.peer)
            mapped = (state.state is Reach.PORT_MAPPED if came_in
                      else runs_to(link.ip, link.port, self.mapped_of(link.peer)))
            facts = Facts(link.ip, relayed=link.relay is not None,
                          punched=bool(getattr(link, "punched", False)), mapped=mapped)
            out[link.peer] = path_of(facts, self.lan, self.public)
        return out

    def why_not(self, peer: PeerFacts) -> Reason:
        return why_not(peer, self.reachability(), we_hold_relay=bool(self.host.reservations()),
                       lan=self.lan, public=self.public)

    # --- the loop -------------------------------------------------------------------------

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED,
                  ) -> None:
        self.look()
        task_status.started()
        while True:
            with trio.move_on_after(self._until_next_look()):
                await self.changed()
            await trio.sleep(1.0)  # a burst of changes is one look
            self._friends = {link.peer for link in self.host.connections()
                             if await self.is_friend(link.peer)}
            self.look()
            await self.confirm()

    def _until_next_look(self) -> float:
        """``LOOK_EVERY``, or less when a friend that refused is due to be asked again."""
        now = trio.current_time()
        due = [self._asked[f] + self.ask_every - now for f in self._refusals if f in self._asked]
        return max(0.0, min([LOOK_EVERY, *due]))

    def look(self) -> None:
        """Feed the tracker what the host knows now; tell the service if the verdict
        changed."""
        now = trio.current_time()
        if now - self._lan_read >= LAN_EVERY:
            self.lan, self._lan_read = lan_networks(self.public), now
        moved = self.tracker.own(self.own(), listening=self.listening)
        if self.tracker.mapped(self.mapped()) or moved:
            self._asked.clear()  # new addresses: worth asking again (friends' quotas hold)
        lan_peers = {link.peer for link in self.host.connections()
                     if link.ip is not None and path_of(Facts(link.ip), self.lan,
                                                        self.public) is Path.LAN}
        for raw, (addr, at) in self.host.observed_addrs().items():
            try:
                device = device_id_from_peer_id(ID(raw))
            except ValueError:
                continue
            # a LAN neighbour sees our LAN address; a stranger could say anything
            if device not in lan_peers and (device in self._friends or self.chosen(device)):
                self.tracker.observed(device, addr, now - (_monotonic() - at))
        state = self.tracker.state(now)
        if state != self._last:
            if self._last is not None:
                log.info("reachability: %s (%s)%s", state.state, state.basis,
                         f" at {', '.join(state.reachable_at)}" if state.reachable_at else "")
            self._last = state
            self.notify()

    async def confirm(self) -> None:
        """Ask one friend for a dial-back, if an address is worth it and a friend is due."""
        now = trio.current_time()
        candidates = self.tracker.to_confirm(now)
        if not candidates:
            return
        friend = await self._friend_to_ask(now)
        if friend is None:
            return
        self._asked[friend] = now
        try:
            results = await dialback.ask(self.host, peer_id_from_device_id(friend),
                                         candidates, self.pending)
        except dialback.DialbackRefused as exc:
            log.info("dial-back by a friend: refused: %s", exc)
            refusals = self._refusals[friend] = self._refusals.get(friend, 0) + 1
            wait = min(self.ask_every, REFUSED_RETRY * 2 ** (refusals - 1))
            self._asked[friend] = now - self.ask_every + wait
            return
        except (dialback.DialbackError, NetError) as exc:
            log.info("dial-back by a friend: %s", exc)
            return
        self._refusals.pop(friend, None)
        for addr, ok in results.items():
            self.tracker.dialed_back(addr, ok=ok, now=trio.current_time())
        log.info("dial-back by a friend: %s", ", ".join(
            f"{a} {'reached' if ok else 'not reached'}" for a, ok in results.items()))
        self.look()

    async def _friend_to_ask(self, now: float) -> bytes | None:
        paths = self.paths()
        for device, path in paths.items():
            if path in (Path.LAN, Path.RELAYED):
                continue
            if now - self._asked.get(device, -1e9) < self.ask_every:
                continue
            if await self.is_friend(device):
                return device
        return None

    def _remote_of(self, peer: ID) -> tuple[str | None, bool]:
        try:
            device = device_id_from_peer_id(peer)
        except ValueError:
            return None, False
        for link in self.host.connections():
            if link.peer == device:
                return link.ip, link.relay is not None
        return None, False


def _monotonic() -> float:
    import time

    return time.monotonic()
