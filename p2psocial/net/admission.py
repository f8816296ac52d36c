"""Connections still handshaking: how many one address, one subnet and everyone
together may hold, how fast a subnet may open new ones, and who makes room when
every place is taken. Sans-IO: addresses and times in, verdicts out.

Theory of operation. From the moment the listener accepts a TCP connection until
Noise and yamux are done, the connection costs a socket, a task and buffers while
the other side has proven nothing, not even a key. py-libp2p 0.8.1 lets 250 of
them wait 10 s each, for everyone together, so 250 sockets that never say a word
lock every new peer out (issue 12, finding 3). Here each accepted connection asks
``Admission.admit`` for a place first:

* at most ``per_address`` pending connections from one IP address, and
  ``per_subnet`` from one subnet (IPv4 /24, IPv6 /64 by default: what one
  household, office or cloud customer usually holds). A LAN shares one subnet, so
  the subnet limit is the larger one: a single attacking address on the LAN leaves
  room for its neighbours;
* at most ``rate`` new connections per second from one subnet, in bursts of
  ``burst`` (a token bucket): every handshake costs us signatures and key
  exchanges, so a subnet that reconnects in a loop is held to a small share of a
  core; honest peers reconnect after seconds, with backoff. A connection the
  connection manager trims (connmgr.py), or that is closed on a ban, costs its
  subnet ``trim_cost`` tokens more (``penalize``, down to a debt of ``burst``): fresh
  identities opened only to be trimmed or banned come back at a fifth of the rate;
* at most ``total`` pending connections in all. When every place is taken, the
  newcomer gets one if its subnet holds fewer pending connections than the subnet
  that holds the most: that subnet's oldest pending connection is hung up
  (``Admitted.evicted``). Bitcoin Core evicts from the largest network group in the
  same way. So an attacker who fills every place from a few subnets cannot keep a
  peer from another subnet out; one who spreads over as many subnets as there are
  places must open connections faster than an honest handshake completes (a few
  ms here, ``deadline`` at most) to push an honest newcomer out before it is done;
* a connection still pending after ``deadline`` seconds is hung up by the edge
  (host.py), whatever the stage of its handshake. An honest Noise + yamux upgrade
  took 5 ms median and 63 ms at most on loopback here, 16 ms median and 252 ms at
  most with four busy processes on the two cores; over the internet it is about
  three round trips more. 4 s leaves room for a slow link on a loaded machine.

``done(pending)`` gives the place back when the handshake ends, whichever way.
"""

from __future__ import annotations

import functools
import ipaddress
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from .ip_parse import parse_ip

UNKNOWN = "?"  # the address and subnet of a connection whose address we cannot read


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    per_address: int = 8  # pending connections from one IP address
    per_subnet: int = 16  # pending connections from one subnet
    total: int = 64  # pending connections in all
    rate: float = 8.0  # new connections per second from one subnet, on average...
    burst: int = 32  # ...and at once
    deadline: float = 4.0  # seconds from accept to a muxed connection
    trim_cost: float = 4.0  # tokens a subnet loses for each connection of it trimmed
    ipv4_prefix: int = 24
    ipv6_prefix: int = 64


ADMISSION = AdmissionLimits()


@functools.lru_cache(maxsize=4096)  # the connection manager asks for every connection
def netgroup(ip: str | None, ipv4_prefix: int = 24, ipv6_prefix: int = 64) -> str:
    """The subnet an address belongs to, as text ("192.0.2.0/24", "2001:db8::/64");
    an IPv4 address mapped into IPv6 counts as IPv4; ``UNKNOWN`` for no address or
    one that does not parse (they all count as one subnet)."""
    parsed = parse_ip(ip)
    if parsed is None:
        return UNKNOWN
    prefix = ipv4_prefix if parsed.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


@functools.lru_cache(maxsize=4096)
def address_of(ip: str | None) -> str:
    """The key one address is counted under (IPv4-mapped IPv6 as IPv4)."""
    parsed = parse_ip(ip)
    return UNKNOWN if parsed is None else str(parsed)


@dataclass(frozen=True, slots=True)
class Pending:
    """A place held by one connection while it handshakes."""

    number: int
    address: str
    subnet: str
    since: float


@dataclass(frozen=True, slots=True)
class Admitted:
    pending: Pending
    evicted: Pending | None = None  # hang this one up: it made room


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str  # "address", "subnet", "rate" or "full"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


MAX_BUCKETS = 4096  # subnets whose recent rate is remembered


@dataclass
class Admission:
    """The pending connections of one listener, and the rules above."""

    limits: AdmissionLimits = ADMISSION
    refused: Counter[str] = field(default_factory=Counter)  # by reason, since start
    evictions: int = 0  # pending connections hung up to make room, since start
    _pending: dict[int, Pending] = field(default_factory=dict)
    _by_address: Counter[str] = field(default_factory=Counter)
    _by_subnet: Counter[str] = field(default_factory=Counter)
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)
    _next: int = 0

    def __len__(self) -> int:
        return len(self._pending)

    def admit(self, ip: str | None, now: float) -> Admitted | Refused:
        """A place for a connection from ``ip`` accepted at ``now`` (seconds), or why not."""
        limits = self.limits
        address = address_of(ip)
        subnet = netgroup(ip, limits.ipv4_prefix, limits.ipv6_prefix)
        if self._by_address[address] >= limits.per_address:
            return self._refuse("address")
        if self._by_subnet[subnet] >= limits.per_subnet:
            return self._refuse("subnet")
        evicted = None
        if len(self._pending) >= limits.total:
            evicted = self._room_for(subnet)
            if evicted is None:
                return self._refuse("full")
        if not self._take_token(subnet, now):
            return self._refuse("rate")
        if evicted is not None:
            self.done(evicted)
            self.evictions += 1
        self._next += 1
        pending = Pending(self._next, address, subnet, now)
        self._pending[pending.number] = pending
        self._by_address[address] += 1
        self._by_subnet[subnet] += 1
        return Admitted(pending, evicted)

    def done(self, pending: Pending) -> None:
        """The connection's handshake ended (done, failed, timed out or evicted)."""
        if self._pending.pop(pending.number, None) is None:
            return
        for counter, key in ((self._by_address, pending.address),
                             (self._by_subnet, pending.subnet)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]

    def penalize(self, subnet: str, now: float) -> None:
        """A connection from ``subnet`` was closed for cause, by the connection manager
        (connmgr.py) or a ban: the subnet loses ``trim_cost`` tokens, into debt, so
        that identities opened only to be trimmed or banned come back more slowly."""
        bucket = self._refill(subnet, now)
        bucket.tokens = max(bucket.tokens - self.limits.trim_cost, -float(self.limits.burst))

    def _room_for(self, subnet: str) -> Pending | None:
        """The oldest pending connection of the subnet(s) that hold the most, if
        they hold more than ``subnet`` does; else None (the newcomer waits)."""
        held = max(self._by_subnet.values())
        if held <= self._by_subnet[subnet]:
            return None
        largest = {s for s, n in self._by_subnet.items() if n == held}
        return min((p for p in self._pending.values() if p.subnet in largest),
                   key=lambda p: p.since)

    def _take_token(self, subnet: str, now: float) -> bool:
        bucket = self._refill(subnet, now)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _refill(self, subnet: str, now: float) -> _Bucket:
        limits = self.limits
        bucket = self._buckets.pop(subnet, None)
        if bucket is None:
            bucket = _Bucket(float(limits.burst), now)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(limits.burst), bucket.tokens + elapsed * limits.rate)
            bucket.at = now
        self._buckets[subnet] = bucket  # most recently used last
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)  # forgetting a bucket only forgives it
        return bucket

    def _refuse(self, reason: str) -> Refused:
        self.refused[reason] += 1
        return Refused(reason)
