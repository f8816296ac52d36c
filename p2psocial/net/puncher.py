"""Hole punching over real connections: DCUtR streams, TCP dials from the listen port,
and the upgrade of what they open (the messages and rules are in holepunch.py).

    puncher = HolePuncher(host, own_addrs=lambda: advertised)
    await nursery.start(puncher.run)          # serves /libp2p/dcutr
    puncher.consider(peer_id)                 # after a relayed connection came in

When a relay brings us a connection (we are the spec's B), ``consider`` starts a
punch: up to three CONNECT/SYNC exchanges on one ``/libp2p/dcutr`` stream over the
relayed connection. Each exchange ends in a *window* (``PunchLimits.window``) in
which both sides dial every address the other sent, from their TCP listen port
(SO_REUSEADDR and SO_REUSEPORT, like libp2p's listener), again every
``redial_every`` while a dial is refused; and in which a dial from those
addresses that reaches our listener is taken from the admission gate
(``Host.divert_inbound``) instead of being handled as a new peer's. The first
socket that connects, whichever way, is upgraded like a relayed stream in relay.py:
Noise and yamux over a ``RawConnection``, B as the initiator and A as the responder
(holepunch.py says why), with the peer id checked. Then the connection is marked
punched (``Host.mark_punched``) and the relayed connections to the peer are closed
on both sides: the sync session on it ends and the service's dialer opens the next
one, which ``new_stream`` puts on the direct connection (py-libp2p prefers direct
connections, swarm.py:1816-1832). The relay then carries nothing more for the pair.

Why not py-libp2p's ``DCUtRProtocol`` (``libp2p/relay/circuit_v2/dcutr.py``): see
docs/libp2p-notes.md, "Hole punching (DCUtR)". Its messages are the same (we use its
``dcutr_pb2``), so it can punch with us.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import trio
from libp2p.abc import IMuxedConn, INetConn, INetStream
from libp2p.custom_types import TProtocol
from libp2p.io.abc import ReadWriteCloser
from libp2p.io.trio import TrioTCPStream
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from . import relay
from .framing import FrameError, read_varint_message, write_varint_message
from .holepunch import (
    MAX_MESSAGE,
    PROTOCOL,
    PUNCH_LIMITS,
    Initiator,
    Punch,
    PunchBudget,
    PunchLimits,
    PunchProtocolError,
    Responder,
    Target,
    our_addrs,
    tcp_target,
)
from .host import Host
from .inbound_gate import Diverted
from .streams import close_quietly, reset_quietly

log = logging.getLogger(__name__)

# what a stream or socket that the peer reset, or a network that failed, raises
_BROKEN = (OSError, EOFError, FrameError, trio.BrokenResourceError, trio.ClosedResourceError,
           trio.TooSlowError)


@dataclass(frozen=True, slots=True)
class Punched:
    """A punch that worked: with whom, after how long (seconds from the relayed
    connection's start), at which attempt (1-3)."""

    peer: ID
    seconds: float
    attempt: int


@dataclass
class _Window:
    """One attempt's window: the peer, our role on the direct connection, and the
    first connection made."""

    peer: ID
    initiator: bool
    keys: tuple[tuple[str, int], ...]  # (ip, port) we dial and accept dials from
    won: trio.Event = field(default_factory=trio.Event)
    conn: IMuxedConn | None = None


class HolePuncher:
    """Punch holes for ``host``: ``own_addrs()`` are our direct addresses (default: the
    host's listen addresses); ``observed_ips()`` the public IPs others saw us at
    (default: identify's observations, ``Host.observed_addrs``);
    ``on_bad_peer(peer, reason)`` hears of DCUtR messages that break the protocol."""

    def __init__(self, host: Host, *, limits: PunchLimits = PUNCH_LIMITS,
                 own_addrs: Callable[[], Sequence[str]] | None = None,
                 observed_ips: Callable[[], Sequence[str]] | None = None,
                 on_bad_peer: Callable[[ID, str], Awaitable[None]] | None = None) -> None:
        self.host = host
        self.on_bad_peer = on_bad_peer
        self.limits = limits
        self.budget = PunchBudget(limits)
        self.own_addrs = own_addrs or (lambda: [str(a) for a in host.listen_addrs])
        self.observed_ips = observed_ips or (lambda: _observed_ips(host))
        self.done: list[Punched] = []  # successes, oldest first (at most 64 kept)
        self.failed = 0
        self._busy: set[ID] = set()
        self._expected: dict[tuple[str, int], _Window] = {}
        self._nursery: trio.Nursery | None = None

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        self.host.set_handler(PROTOCOL, self.handle)
        self.host.divert_inbound(self._divert)
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                task_status.started(self)
                await trio.sleep_forever()
        finally:
            self._nursery = None
            self.host.divert_inbound(None)
            self.host.remove_handler(PROTOCOL)

    # --- B: the side the relay brought the connection to ------------------------------

    def consider(self, peer: ID) -> bool:
        """Start a punch with ``peer`` if our only connection to it is relayed and
        came in through the relay (the spec's inbound peer drives), we listen, and the
        bounds allow. Returns whether a punch started."""
        conns = _live(self.host, peer)
        if (self._nursery is None or peer in self._busy or not conns
                or not all(_is_relayed(c) for c in conns)
                or not any(not c.muxed_conn.is_initiator for c in conns)
                or not self._listen_targets()
                or not self.budget.may_start(peer.to_bytes(), trio.current_time())):
            return False
        self._busy.add(peer)
        self.budget.running += 1
        self._nursery.start_soon(self._punch, peer)
        return True

    async def _punch(self, peer: ID) -> bool:
        """Run DCUtR as the initiator over our relayed connection to ``peer`` (its
        place in ``_busy`` and in the budget is taken by ``consider``)."""
        started = _relayed_since(self.host, peer)
        try:
            stream = await self.host.libp2p_host.new_stream(peer, [TProtocol(PROTOCOL)])
        except Exception as exc:
            log.info("no hole punching with %s: %r", peer, exc)
            self._busy.discard(peer)
            self.budget.running -= 1
            self.failed += 1
            return False
        exchange = Initiator(tuple(our_addrs(self.observed_ips(), self.own_addrs())),
                             avoid=tuple(_relay_ips(self.host, peer)))
        try:
            while exchange.may_retry():
                if not self.budget.attempt(peer.to_bytes(), trio.current_time()):
                    break
                with trio.fail_after(self.limits.exchange_timeout):
                    await write_varint_message(stream, exchange.connect(trio.current_time()))
                    answer = await read_varint_message(stream, MAX_MESSAGE)
                    sync, punch = exchange.answered(answer, trio.current_time())
                    await write_varint_message(stream, sync)
                if await self._window(self._open(peer, punch.targets, initiator=True), punch):
                    await close_quietly(stream)
                    await self._succeeded(peer, started, exchange.started)
                    return True
                log.info("hole punch to %s: attempt %d failed", peer, exchange.started)
        except PunchProtocolError as exc:
            await self._bad_peer(peer, str(exc))
        except _BROKEN as exc:
            log.info("hole punching with %s ended: %r", peer, exc)
        finally:
            self._busy.discard(peer)
            self.budget.running -= 1
        await reset_quietly(stream)
        self.failed += 1
        return False

    # --- A: the side that dialed through the relay ---------------------------------------

    async def handle(self, stream: INetStream) -> None:
        """Answer a peer's DCUtR exchanges, over a relayed connection only."""
        peer = stream.muxed_conn.peer_id
        conn = _conn_of(self.host, stream)
        if (conn is None or not _is_relayed(conn) or peer in self._busy
                or not self._listen_targets()
                or not self.budget.may_start(peer.to_bytes(), trio.current_time())):
            await reset_quietly(stream)
            return
        self._busy.add(peer)
        self.budget.running += 1
        started = _relayed_since(self.host, peer)
        exchange = Responder(tuple(our_addrs(self.observed_ips(), self.own_addrs())),
                             avoid=tuple(_relay_ips(self.host, peer)))
        window: _Window | None = None
        try:
            while True:
                with trio.fail_after(self.limits.exchange_timeout):
                    try:
                        data = await read_varint_message(stream, MAX_MESSAGE)
                    except FrameError as exc:
                        if isinstance(exc, EOFError):
                            return  # the peer is done (it won, or gave up)
                        raise PunchProtocolError(str(exc)) from None
                reply = exchange.received(data)
                if not isinstance(reply, Punch):
                    if not self.budget.attempt(peer.to_bytes(), trio.current_time()):
                        await reset_quietly(stream)
                        return
                    window = self._open(peer, exchange.expected, initiator=False)
                    await write_varint_message(stream, reply)
                    continue
                assert window is not None  # the exchange checked CONNECT came first
                running, window = window, None  # closed by the window itself, at its end
                if await self._detached(running, reply, started, exchange.exchanges):
                    return
        except PunchProtocolError as exc:
            await reset_quietly(stream)
            await self._bad_peer(peer, str(exc))
        except _BROKEN as exc:
            log.debug("hole punching with %s ended: %r", peer, exc)
        finally:
            if window is not None:
                self._close(window)
            self._busy.discard(peer)
            self.budget.running -= 1

    async def _detached(self, window: _Window, punch: Punch, started: float | None,
                        attempt: int) -> bool:
        """A's window, run in the puncher's nursery: this handler runs on the relayed
        connection, which B closes as soon as its side is up, and libp2p may cancel
        the handler then, while our side of the direct connection still upgrades."""
        done, won = trio.Event(), False

        async def run() -> None:
            nonlocal won
            try:
                if await self._window(window, punch):
                    won = True
                    await self._succeeded(window.peer, started, attempt)
            finally:
                done.set()

        if self._nursery is None:
            return False
        self._nursery.start_soon(run)
        await done.wait()
        return won

    # --- the window: dial, accept, upgrade -------------------------------------------

    def _open(self, peer: ID, targets: Sequence[Target], *, initiator: bool) -> _Window:
        """Expect dials from ``targets`` on our listener from now on: the peer may
        dial before we do (A dials when SYNC arrives, B half a round trip later)."""
        window = _Window(peer, initiator, tuple((t.ip, t.port) for t in targets))
        for key in window.keys:
            self._expected[key] = window
        return window

    def _close(self, window: _Window) -> None:
        for key in window.keys:
            if self._expected.get(key) is window:
                del self._expected[key]

    async def _window(self, window: _Window, punch: Punch) -> bool:
        """Dial ``punch.targets`` after ``punch.delay`` while taking their dials on our
        listener, for ``limits.window`` seconds or until a connection is up."""
        try:
            if window.conn is None and punch.targets:
                log.debug("punch with %s: dialing %s in %.3f s, from %s", window.peer,
                          punch.targets, punch.delay, self._listen_targets())
                await trio.sleep(punch.delay)
                with trio.move_on_after(self.limits.window):
                    async with trio.open_nursery() as nursery:
                        for target in punch.targets:
                            nursery.start_soon(self._dial, window, target)
                        await window.won.wait()
                        nursery.cancel_scope.cancel()
        finally:
            self._close(window)
        return window.conn is not None

    async def _dial(self, window: _Window, target: Target) -> None:
        """Dial ``target`` from our listen port until connected or cancelled."""
        source = next((t for t in self._listen_targets() if t.family == target.family), None)
        if source is None:
            return
        while not window.won.is_set():
            try:
                sock = await _connect_from(source, target)
            except OSError as exc:  # refused (no hole yet), the 4-tuple taken (accepted)...
                log.debug("punch dial %s:%d -> %s:%d: %r", source.ip, source.port,
                          target.ip, target.port, exc)
                await trio.sleep(self.limits.redial_every)
                continue
            log.debug("punch dial %s:%d -> %s:%d connected", source.ip, source.port,
                      target.ip, target.port)
            addr = Multiaddr(f"/ip{target.family}/{target.ip}/tcp/{target.port}")
            if await self._upgrade(window, TrioTCPStream(trio.SocketStream(sock)),
                                   addr) is not None:
                return
            await trio.sleep(self.limits.redial_every)

    def _divert(self, ip: str | None, port: int | None) -> Diverted | None:
        """The gate asks whether an accepted socket is a punch's: it is when it comes
        from an address we are dialing in a window."""
        if ip is None or port is None:
            return None
        window = self._expected.get((ip, port))
        if window is None:
            return None

        async def take(stream: ReadWriteCloser, listen_addr: Multiaddr) -> IMuxedConn | None:
            log.debug("punch: %s:%d reached our listener", ip, port)
            return await self._upgrade(window, stream, listen_addr)

        return take

    async def _upgrade(self, window: _Window, stream: ReadWriteCloser,
                       addr: Multiaddr) -> IMuxedConn | None:
        """Noise and yamux over a punched socket, in the window's role; the first one
        that works wins the window. A socket that fails is closed."""
        basic = self.host.libp2p_host
        try:
            with trio.fail_after(self.limits.exchange_timeout):
                if window.initiator:
                    conn: INetConn = await basic.upgrade_outbound_connection(
                        RawConnection(stream, initiator=True), window.peer)
                    muxed = conn.muxed_conn
                else:
                    muxed = await basic.upgrade_inbound_connection(
                        RawConnection(stream, initiator=False), addr)
        except Exception as exc:  # another device there, no Noise, a reset...
            log.debug("punched socket to %s did not upgrade: %r", window.peer, exc)
            await close_quietly(stream)
            return None
        if muxed.peer_id != window.peer:
            log.info("a punch for %s reached %s instead", window.peer, muxed.peer_id)
            await muxed.close()
            return None
        self.host.mark_punched(muxed)
        if window.conn is None:
            window.conn = muxed
            window.won.set()
        return muxed

    async def _succeeded(self, peer: ID, started: float | None, attempt: int) -> None:
        seconds = time.time() - started if started is not None else 0.0
        self.done = [*self.done[-63:], Punched(peer, seconds, attempt)]
        log.info("hole punched to %s after %.2f s (attempt %d); closing the relayed "
                 "connection", peer, seconds, attempt)
        for conn in _live(self.host, peer):
            if _is_relayed(conn):
                try:
                    await conn.close()
                except Exception as exc:
                    log.debug("closing the relayed connection to %s: %r", peer, exc)

    async def _bad_peer(self, peer: ID, reason: str) -> None:
        log.info("hole punching with %s: %s", peer, reason)
        if self.on_bad_peer is not None:
            await self.on_bad_peer(peer, f"hole punching: {reason}")

    def _listen_targets(self) -> list[Target]:
        """Where we listen: the addresses and ports our punch dials leave from (a
        wildcard address included: the kernel picks the source by route)."""
        out = []
        for addr in (str(a) for a in self.host.listen_addrs):
            parts = addr.split("/")
            if len(parts) == 5 and parts[1] in ("ip4", "ip6") and parts[3] == "tcp" \
                    and parts[2] in ("0.0.0.0", "::"):
                out.append(Target(parts[2], int(parts[4])))
            elif (target := tcp_target(addr)) is not None:
                out.append(target)
        return out


# --- sockets --------------------------------------------------------------------------


async def _connect_from(source: Target, target: Target) -> trio.socket.SocketType:
    """A TCP connection to ``target`` from our listen address and port (the listener
    holds the port too: SO_REUSEADDR and SO_REUSEPORT let both bind it)."""
    family = socket.AF_INET6 if target.family == 6 else socket.AF_INET
    sock = trio.socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        await sock.bind((source.ip, source.port))
        await sock.connect((target.ip, target.port))
    except BaseException:
        sock.close()
        raise
    return sock


# --- reading the swarm ------------------------------------------------------------------


def _live(host: Host, peer: ID) -> list[INetConn]:
    return [c for c in host.libp2p_host.get_network().get_connections(peer) if not c.is_closed]


def _is_relayed(conn: INetConn) -> bool:
    return any(relay.is_circuit(str(a)) for a in conn.get_transport_addresses())


def _conn_of(host: Host, stream: INetStream) -> INetConn | None:
    for conn in _live(host, stream.muxed_conn.peer_id):
        if conn.muxed_conn is stream.muxed_conn:
            return conn
    return None


def _relayed_since(host: Host, peer: ID) -> float | None:
    """When the oldest relayed connection to ``peer`` opened (unix seconds)."""
    times = [getattr(c, "_created_at", None) for c in _live(host, peer) if _is_relayed(c)]
    known = [t for t in times if isinstance(t, (int, float))]
    return min(known) if known else None


def _relay_ips(host: Host, peer: ID) -> list[str]:
    """The IPs of the relays our relayed connections to ``peer`` run through: a CONNECT
    that names one would make us dial the relay."""
    relays = set()
    for conn in _live(host, peer):
        for addr in (str(a) for a in conn.get_transport_addresses()):
            if relay.is_circuit(addr) and "/p2p/" in addr:
                relays.add(addr.split("/p2p/")[1].split("/")[0])
    ips = []
    for relay_id in relays:
        try:
            for conn in _live(host, ID.from_base58(relay_id)):
                for addr in (str(a) for a in conn.get_transport_addresses()):
                    target = tcp_target(addr)
                    if target is not None:
                        ips.append(target.ip)
        except Exception:
            continue
    return ips


def _observed_ips(host: Host) -> list[str]:
    """Public IPs our peers' identify saw us at (``Host.observed_addrs``, observed.py),
    the latest first. One observer is enough: a punch usually has one relay to go by.
    libp2p does not report observations made over relayed connections
    (basic_host.py:1288-1320); loopback ones say nothing about NAT and are left out."""
    latest = sorted(host.observed_addrs().values(), key=lambda seen: -seen[1])
    out = []
    for addr, _ in latest:
        target = tcp_target(addr)
        if target is not None and not ipaddress.ip_address(target.ip).is_loopback:
            out.append(target.ip)
    return list(dict.fromkeys(out))
