"""The connection manager: how many connections a node keeps, and which ones go
when there are too many. The choice is a pure function over plain values; the loop
that applies it takes its facts and its hang-up from the service.

Theory of operation (go-libp2p's connmgr for the watermarks and the grace period,
Bitcoin Core's inbound eviction for whom to drop; issue 12, finding 3). Every
connection a peer opens costs us a socket, a muxer, a sync session with its tasks
and buffers, and work for every entry we push to it; identities are free, so a
stranger can open as many as we accept. Admission (admission.py) bounds the
connections still handshaking; this bounds the ones that are done:

* When more than ``high`` connections are open, connections are closed until
  ``low`` are left, or nothing more may be closed.
* **Never closed** (``Conn.protected`` says why): friends (devices of accounts we
  replicate, whose log we hold), devices nearby on the LAN (mDNS), peers we dial
  ourselves (the address book holds an address for them: an invite, the LAN; closing
  them would only make our dialer call again), relays where we hold a slot, peers
  with a relayed circuit through us running (relay limits bound those), and peers
  in the middle of a sync that is bringing us new entries (``useful_window``).
* **Grace**: a connection younger than ``grace`` seconds is not closed, so that a
  new peer has time to sync and show its worth; but when more than ``most`` are
  open, young ones may go too, and a peer we closed lately gets no grace again.
* **Kept for diversity**, as Bitcoin Core does: the ``keep_oldest`` connections open
  longest (an attacker cannot make its connections older than ours, only wait), and
  the ``keep_useful`` that most recently brought us an entry we did not have.
* **Who goes first**: among what is left, a connection of the subnet (IPv4 /24,
  IPv6 /64; relayed connections by relay) with the most connections, the youngest
  of it first. Many connections from one place are what an attack looks like; a
  single honest peer elsewhere is the last to go.

What a node holds in the worst case is then ``max(high, protected + keep_oldest +
keep_useful + young)`` connections (mid-sync ones count as protected), where young
ones are bounded by ``most`` and by admission's rate per subnet. Protection trusts
what it protects: the devices of one friend's account, or a LAN full of announced
devices, are not counted against any bound here.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio

from .admission import netgroup

log = logging.getLogger(__name__)

# why a connection is never closed (Conn.protected)
FRIEND = "friend"
NEARBY = "nearby"
DIALED = "dialed"
RELAY = "relay"
CIRCUIT = "circuit"


@dataclass(frozen=True, slots=True)
class ConnLimits:
    low: int = 32  # trim down to this many connections...
    high: int = 64  # ...when more than this many are open
    most: int = 96  # beyond this many, young connections (grace) may go too
    grace: float = 30.0  # seconds a new connection is not closed
    keep_oldest: int = 8  # the connections open longest are kept
    keep_useful: int = 4  # those that most recently brought us new entries are kept
    useful_window: float = 60.0  # a sync is "bringing entries" if one came this recently
    regrace_after: float = 600.0  # a peer we closed gets no grace for this long
    interval: float = 1.0  # seconds between two looks at the count


CONN_LIMITS = ConnLimits()


@dataclass(frozen=True, slots=True)
class Conn:
    """One open connection, as the manager sees it. Times are seconds before now."""

    peer: bytes
    group: str  # subnet ("192.0.2.0/24") or "relay:<id>" for a relayed connection
    age: float  # how long it has been open
    protected: frozenset[str] = frozenset()  # reasons it is never closed
    useful: float | None = None  # when it last brought us a new entry; None: never
    syncing: bool = False  # its sync session has not caught up yet

    def mid_sync(self, limits: ConnLimits) -> bool:
        """In the middle of a sync that is bringing us entries: never closed."""
        return self.syncing and self.useful is not None and self.useful < limits.useful_window


@dataclass(frozen=True, slots=True)
class Link:
    """An open connection as the host reports it (host.py ``Host.connections``)."""

    peer: bytes  # device id (or the raw peer id of a peer that is not one of ours)
    ip: str | None  # the remote address; None when relayed or unknown
    relay: str | None  # the relay's peer id, for a connection relayed to or by us
    age: float  # seconds open
    punched: bool = False  # a direct connection made by hole punching (puncher.py)
    port: int | None = None  # the remote TCP port (None when relayed or unknown)


def census(links: Iterable[Link], *, reasons: Mapping[str, Collection[bytes]],
           sessions: Mapping[bytes, bool], usefulness: Usefulness, now: float,
           ipv4_prefix: int = 24, ipv6_prefix: int = 64) -> list[Conn]:
    """What ``choose`` needs to know of each connection: ``reasons`` maps a
    protection (FRIEND, NEARBY...) to the peers it covers; ``sessions``: the peers
    with a sync session, and whether it has caught up."""
    out = []
    for link in links:
        group = (f"relay:{link.relay}" if link.relay is not None
                 else netgroup(link.ip, ipv4_prefix, ipv6_prefix))
        caught_up = sessions.get(link.peer)
        out.append(Conn(link.peer, group, link.age,
                        frozenset(why for why, peers in reasons.items() if link.peer in peers),
                        usefulness.last(link.peer, now),
                        syncing=caught_up is False))
    return out


def choose(conns: Sequence[Conn], limits: ConnLimits = CONN_LIMITS,
           no_grace: Iterable[bytes] = ()) -> list[bytes]:
    """The peers to hang up on, in order, so that at most ``limits.low`` connections
    stay open if the rules allow; nothing while at most ``limits.high`` are open.
    ``no_grace``: peers closed lately, whose grace does not count."""
    if len(conns) <= limits.high:
        return []
    returning = set(no_grace)
    over = len(conns) > limits.most
    unprotected = [c for c in conns if not c.protected and not c.mid_sync(limits)]
    kept = {id(c) for c in sorted(unprotected, key=lambda c: -c.age)[:limits.keep_oldest]}
    useful = sorted((c for c in unprotected if c.useful is not None and id(c) not in kept),
                    key=lambda c: c.useful or 0.0)
    kept |= {id(c) for c in useful[:limits.keep_useful]}
    left = [c for c in unprotected if id(c) not in kept and (
        over or c.age >= limits.grace or c.peer in returning)]
    victims: list[bytes] = []
    excess = len(conns) - limits.low
    groups = Counter(c.group for c in left)
    while left and len(victims) < excess:
        largest = max(groups.values())
        tied = {g for g, n in groups.items() if n == largest}
        victim = min((c for c in left if c.group in tied), key=lambda c: c.age)
        left.remove(victim)
        groups[victim.group] -= 1
        if not groups[victim.group]:
            del groups[victim.group]
        victims.append(victim.peer)
    return victims


@dataclass
class Usefulness:
    """When each peer last brought us a new entry, from samples of the count of
    entries its session stored (sync's ``SyncStats.received``)."""

    _seen: dict[bytes, tuple[int, float | None]] = field(default_factory=dict)

    def sample(self, counts: dict[bytes, int], now: float) -> None:
        """``counts``: entries stored so far from each peer with a session now."""
        for peer, received in counts.items():
            before, at = self._seen.get(peer, (0, None))
            self._seen[peer] = (received, now if received > before else at)
        for gone in self._seen.keys() - counts.keys():
            del self._seen[gone]

    def last(self, peer: bytes, now: float) -> float | None:
        """Seconds since the peer last brought a new entry; None if it never did."""
        at = self._seen.get(peer, (0, None))[1]
        return None if at is None else now - at


MAX_REMEMBERED = 1024  # peers closed lately that are remembered (no grace again)


@dataclass
class ConnectionManager:
    """The loop: every ``limits.interval`` seconds, if more than ``limits.high``
    connections are open (``count()``), take a census (``census()``: a ``Conn`` per
    connection) and hang up on the peers ``choose`` names (``hang_up(conn)``).
    ``sample()`` runs on every tick, to keep ``Usefulness`` fresh."""

    limits: ConnLimits
    count: Callable[[], int]
    census: Callable[[], Awaitable[list[Conn]]]
    hang_up: Callable[[Conn], Awaitable[None]]
    sample: Callable[[], None] = lambda: None
    closed: int = 0  # connections closed since start
    _lately: OrderedDict[bytes, float] = field(default_factory=OrderedDict)

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            self.sample()
            if self.count() > self.limits.high:
                await self.trim()
            await trio.sleep(self.limits.interval)

    async def trim(self) -> list[bytes]:
        """One pass: hang up on whom the rules name now; returns them."""
        now = trio.current_time()
        while self._lately and next(iter(self._lately.values())) < now - \
                self.limits.regrace_after:
            self._lately.popitem(last=False)
        conns = await self.census()
        victims = choose(conns, self.limits, self._lately)
        named = set(victims)
        trimmed = [c for c in conns if c.peer in named]
        if victims:
            log.info("%d connections open (more than %d): closing %d of the least "
                     "useful", len(conns), self.limits.high, len(victims))
        for peer in victims:
            self._lately.pop(peer, None)
            self._lately[peer] = now
            while len(self._lately) > MAX_REMEMBERED:
                self._lately.popitem(last=False)
        async with trio.open_nursery() as nursery:  # a close takes 0.2 s in libp2p
            for conn in trimmed:
                nursery.start_soon(self.hang_up, conn)
        self.closed += len(victims)
        return victims
