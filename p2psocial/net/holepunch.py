"""Hole punching (DCUtR, ``/libp2p/dcutr``): the messages, the exchange and its bounds,
without I/O. puncher.py runs them over a relayed connection and real sockets.

Theory of operation (libp2p specs, relay/DCUtR.md). A and B behind NAT share a
relayed connection (relay.py). B, the side the relay brought the connection to,
opens a ``/libp2p/dcutr`` stream over it and:

1. B sends CONNECT with the addresses it expects to be dialed at (the public IP the
   relay observed, with our TCP listen port: NATs that keep source ports map the
   listen port to the same port outside) and notes the time;
2. A answers CONNECT with its own;
3. B sends SYNC and waits half the round trip it measured; A dials B's addresses as
   soon as SYNC arrives, B dials A's when its timer runs out. Both SYNs leave from
   the listen port, each opening its own NAT for the other's, and cross: TCP
   simultaneous open, or one of them reaches the other's listener;
4. on failure B starts again from 1 on the same stream, three attempts in all.

Roles on the direct connection: B, which started the exchange, is the Noise
initiator and A the responder, whichever socket (a crossed simultaneous open, or an
accept on the listener) carries the connection. go-libp2p does the same (its
holepuncher, B, calls ``holePunchConnect(..., true)``: isClient,
p2p/protocol/holepunch/holepuncher.go); py-libp2p's ``dcutr.py`` does the opposite.

Bounds (``PunchLimits``): attempts per peer per hour, punches at once, addresses
taken from a peer's CONNECT, and the 4 KiB message cap of the spec.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from libp2p.relay.circuit_v2.pb.dcutr_pb2 import HolePunch
from multiaddr import Multiaddr

from ..errors import P2PSocialError

PROTOCOL = "/libp2p/dcutr"
MAX_MESSAGE = 4096  # the spec's cap on an encoded message
MAX_ADDRS = 8  # addresses we send, and take from a peer's CONNECT
ATTEMPTS = 3  # exchanges per punch (the spec: the inbound peer retries twice)
MAX_SYNC_DELAY = 2.0  # seconds: half a round trip above this means a sick relay


class PunchProtocolError(P2PSocialError):
    """The peer sent something that is not the next DCUtR message: its fault."""


@dataclass(frozen=True, slots=True)
class PunchLimits:
    per_peer_per_hour: int = 6  # exchanges (attempts) started with one peer, both roles
    concurrent: int = 4  # punches running at once, both roles
    window: float = 5.0  # seconds one attempt keeps dialing and accepting
    redial_every: float = 0.2  # seconds between two dials of one address in a window
    exchange_timeout: float = 10.0  # seconds for a peer's CONNECT or SYNC to arrive


PUNCH_LIMITS = PunchLimits()


# --- messages -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connect:
    addrs: tuple[str, ...]  # multiaddr text, as received (checked by ``dial_targets``)


@dataclass(frozen=True, slots=True)
class Sync:
    pass


Message = Connect | Sync


def encode(message: Message) -> bytes:
    """A HolePunch protobuf (without its varint length: the caller frames it)."""
    if isinstance(message, Sync):
        return HolePunch(type=HolePunch.SYNC).SerializeToString()
    raw = []
    for text in message.addrs[:MAX_ADDRS]:
        raw.append(Multiaddr(text).to_bytes())
    return HolePunch(type=HolePunch.CONNECT, ObsAddrs=raw).SerializeToString()


def decode(data: bytes) -> Message:
    """A message from a peer; ``PunchProtocolError`` if it is none. Addresses that do
    not parse are skipped (a newer peer may send kinds we do not know); at most
    ``MAX_ADDRS`` are kept."""
    if len(data) > MAX_MESSAGE:
        raise PunchProtocolError(f"DCUtR message of {len(data)} bytes (cap {MAX_MESSAGE})")
    try:
        message = HolePunch.FromString(data)
    except DecodeError as exc:
        raise PunchProtocolError(f"undecodable DCUtR message: {exc}") from None
    if not message.HasField("type"):  # absent, or a type we do not know
        raise PunchProtocolError("a DCUtR message without a known type")
    if message.type == HolePunch.SYNC:
        return Sync()
    addrs = []
    for raw in message.ObsAddrs:
        try:
            addrs.append(str(Multiaddr(raw)))
        except Exception:
            continue
        if len(addrs) == MAX_ADDRS:
            break
    return Connect(tuple(addrs))


# --- addresses ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A TCP address to dial in a punch."""

    ip: str
    port: int

    @property
    def family(self) -> int:
        return ipaddress.ip_address(self.ip).version


def tcp_target(addr: str) -> Target | None:
    """``/ip4|ip6/<ip>/tcp/<port>`` (nothing after it but maybe ``/p2p/<id>``) as a
    Target; None for anything else (circuits, DNS, QUIC, port 0, wildcards)."""
    parts = addr.split("/")
    if len(parts) < 5 or parts[0] or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
        return None
    if len(parts) > 5 and not (len(parts) == 7 and parts[5] == "p2p"):
        return None
    try:
        ip, port = ipaddress.ip_address(parts[2]), int(parts[4])
    except ValueError:
        return None
    if not 0 < port < 65536 or ip.is_unspecified or ip.is_multicast:
        return None
    return Target(str(ip), port)


def dial_targets(addrs: Iterable[str], *, avoid: Iterable[str] = ()) -> list[Target]:
    """What to dial from a peer's CONNECT: its TCP addresses, at most ``MAX_ADDRS``,
    without duplicates and without ``avoid`` (the relay's own IPs: a peer that names
    the relay makes us dial the relay, not itself)."""
    skip = set(avoid)
    out: list[Target] = []
    for addr in addrs:
        target = tcp_target(addr)
        if target is None or target.ip in skip or target in out:
            continue
        out.append(target)
        if len(out) == MAX_ADDRS:
            break
    return out


def our_addrs(observed_ips: Sequence[str], listen: Sequence[str]) -> list[str]:
    """The addresses we tell a peer: each public IP others observed us at, with our TCP
    listen port of the same family (a NAT that keeps source ports maps our listen
    port to that port outside), then our own listen addresses (no NAT, or a peer on
    the same network). At most ``MAX_ADDRS``."""
    listening = [t for t in (tcp_target(a) for a in listen) if t is not None]
    out: list[str] = []
    for ip in observed_ips:
        try:
            version = ipaddress.ip_address(ip).version
        except ValueError:
            continue
        for mine in listening:
            if mine.family == version:
                out.append(f"/ip{version}/{ip}/tcp/{mine.port}")
    out += [f"/ip{t.family}/{t.ip}/tcp/{t.port}" for t in listening]
    return list(dict.fromkeys(out))[:MAX_ADDRS]


# --- the exchange -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Punch:
    """Dial ``targets`` after ``delay`` seconds (and accept them on the listener)."""

    targets: tuple[Target, ...]
    delay: float


@dataclass
class Initiator:
    """B's side (it opened the stream): CONNECT, wait for CONNECT, SYNC, punch after
    half the round trip; again on failure, ``attempts`` exchanges in all. Times are
    the caller's clock in seconds."""

    ours: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    attempts: int = ATTEMPTS
    started: int = 0  # exchanges begun
    _sent_at: float | None = None

    def connect(self, now: float) -> bytes:
        """The CONNECT to send (a new attempt)."""
        if self._sent_at is not None or self.started >= self.attempts:
            raise RuntimeError("no attempt left, or one still waiting for its answer")
        self.started += 1
        self._sent_at = now
        return encode(Connect(self.ours))

    def answered(self, data: bytes, now: float) -> tuple[bytes, Punch]:
        """A's answer to our CONNECT: the SYNC to send and the punch to make."""
        if self._sent_at is None:
            raise PunchProtocolError("a DCUtR message we did not ask for")
        message = decode(data)
        if not isinstance(message, Connect):
            raise PunchProtocolError("expected CONNECT, got SYNC")
        rtt, self._sent_at = max(0.0, now - self._sent_at), None
        delay = min(rtt / 2, MAX_SYNC_DELAY)
        return encode(Sync()), Punch(tuple(dial_targets(message.addrs, avoid=self.avoid)), delay)

    def may_retry(self) -> bool:
        return self.started < self.attempts


@dataclass
class Responder:
    """A's side: answer each CONNECT with ours, punch at once on each SYNC. A peer that
    asks for more than ``attempts`` exchanges, or sends them out of order, is at fault."""

    ours: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    attempts: int = ATTEMPTS
    exchanges: int = 0
    _theirs: tuple[Target, ...] | None = None

    @property
    def expected(self) -> tuple[Target, ...]:
        """The addresses of the CONNECT being answered (A may see their dials before
        the SYNC)."""
        return self._theirs or ()

    def received(self, data: bytes) -> bytes | Punch:
        """Our CONNECT to send back, or the punch a SYNC asks for."""
        message = decode(data)
        if isinstance(message, Connect):
            if self._theirs is not None:
                raise PunchProtocolError("a second CONNECT before SYNC")
            if self.exchanges >= self.attempts:
                raise PunchProtocolError(f"more than {self.attempts} DCUtR attempts")
            self.exchanges += 1
            self._theirs = tuple(dial_targets(message.addrs, avoid=self.avoid))
            return encode(Connect(self.ours))
        if self._theirs is None:
            raise PunchProtocolError("SYNC before CONNECT")
        targets, self._theirs = self._theirs, None
        return Punch(targets, 0.0)


# --- bounds ---------------------------------------------------------------------------


@dataclass
class PunchBudget:
    """How many exchanges a peer may start per hour (``per_peer_per_hour``, both roles
    together) and how many punches run at once (``concurrent``). ``now``: seconds.
    Peers are forgotten once their hour is over, so memory follows recent activity,
    itself bounded by the relayed connections a node accepts."""

    limits: PunchLimits = PUNCH_LIMITS
    running: int = 0
    _recent: dict[bytes, deque[float]] = field(default_factory=dict)

    def may_start(self, peer: bytes, now: float) -> bool:
        """Whether a punch with ``peer`` may begin now (it then holds a place until
        ``ended``)."""
        self._forget(now)
        if self.running >= self.limits.concurrent:
            return False
        return len(self._recent.get(peer, ())) < self.limits.per_peer_per_hour

    def attempt(self, peer: bytes, now: float) -> bool:
        """Count one exchange with ``peer``; False (not counted) when its hour is full."""
        self._forget(now)
        times = self._recent.setdefault(peer, deque())
        if len(times) >= self.limits.per_peer_per_hour:
            return False
        times.append(now)
        return True

    def _forget(self, now: float) -> None:
        for peer, times in list(self._recent.items()):
            while times and times[0] <= now - 3600:
                times.popleft()
            if not times:
                del self._recent[peer]
