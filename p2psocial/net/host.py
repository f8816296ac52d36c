"""A libp2p host whose identity is a p2psocial device key: TCP, Noise only, yamux only.

    async with open_host(device.seed, port=0) as host:
        host.set_handler("/p2psocial/sync/1.0.0", serve)
        stream = await host.open_stream(peer_id, addrs, "/p2psocial/sync/1.0.0")

What this wrapper fixes about py-libp2p 0.8.1's defaults (details and source
references in docs/libp2p-notes.md):

* security: Noise only. ``new_host``/``new_swarm`` default to offering Noise, TLS,
  SECIO *and plaintext* (libp2p/__init__.py:653-665);
* muxer: yamux only (the default also offers mplex);
* a dial waits for the connection instead of a fixed 250 ms "happy eyeballs" delay
  (``max_connections_per_peer=1``, libp2p/network/swarm.py:903-937);
* ``connect`` tries every address given, Happy-Eyeballs style (dial_order.py,
  eyeballs.py): same-LAN first, then global IPv6, global IPv4, other private ones,
  circuits last; staggered by 250 ms, in parallel, the first to finish Noise wins.
  py-libp2p dials only the first TCP address it knows for a peer, one at a time,
  and remembers dead ones;
* IPv4 and IPv6: ``open_host(ip=DUAL_STACK)`` listens on both (``::`` IPv6 only,
  not dual-stack), and IPv6 connections know their remote address (ipv6_compat.py);
* no hidden redial policy: no dial retries (the default is 3 with backoff), the
  auto-connector that redials every peer in the peerstore is stopped, and an
  explicit dial bypasses libp2p's 60-second negative cache (``connect``). Whom to
  dial, when and how often is decided above this module;
* a stream handler that raises no longer tears down the whole host: the stream is
  reset and the error logged. A handler's stream is closed when it returns;
* listening that fails, or a fixed port another host already holds (libp2p sets
  SO_REUSEPORT), raises ``ListenFailed`` (libp2p only returns False);
* an exception raised in the ``async with`` block comes out as itself, not wrapped
  in an ExceptionGroup by libp2p's nurseries;
* a stream's yamux receive window grows to ``RECEIVE_WINDOW`` (2 MiB), not 16 MiB:
  a fast sender fills the window of a busy receiver, so that is memory per stream;
  at 16 MiB it was 50 MB of a syncing node's peak RSS, at 1–2 MiB loopback sync is
  no slower (``make bench B=sync``);
* shutdown closes connections down to their sockets (all at once, each takes
  0.2 s) before libp2p's tasks are cancelled, also when the block is cancelled,
  so no socket is leaked and peers see the disconnect;
* inbound connections go through our admission (admission.py, inbound_gate.py)
  instead of the swarm's own path, which held a place per connection until the host
  stopped; a handshake has a deadline (4 s, not 10 s).

Circuit relay v2 (relay.py does the work): every host accepts relayed connections
from relays where it holds a slot (``reserve``, ``circuit_addrs``), ``connect``
dials circuit addresses (``.../p2p/<relay>/p2p-circuit``) through the relay, and
``offer_relay`` makes the host a relay under limits and a reservation policy.
``open_host(port=None)`` opens a host that does not listen at all.

Importing this module imports libp2p, which takes most of a second: import it
lazily, after the first window is shown.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import trio
from libp2p import new_swarm
from libp2p.abc import IMuxedConn, INetConn, INetStream
from libp2p.crypto.x25519 import create_new_key_pair as _x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.host.basic_host import BasicHost
from libp2p.host.exceptions import StreamFailure
from libp2p.network.config import ConnectionConfig, RetryConfig
from libp2p.network.exceptions import SwarmException
from libp2p.network.swarm import Swarm
from libp2p.peer.id import ID
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.yamux import yamux as _yamux
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.transport.tcp.tcp import TCP
from multiaddr import Multiaddr

from . import addresses, dial_order, eyeballs, ipv6_compat, observed, relay
from .admission import ADMISSION, Admission, AdmissionLimits
from .connmgr import Link
from .inbound_gate import Divert, InboundGate
from .ip_parse import public_ranges
from .listening import deepen_backlog, free_at, listen_ips, listen_more, port_of
from .net_errors import DialFailed, ListenFailed, NetError, StreamOpenFailed
from .peer_ids import (
    device_id_from_peer_id,
    keypair_from_seed,
    peer_id_from_device_id,
    remote_peer_id,
)
from .streams import serve_guarded

__all__ = [
    "DUAL_STACK",
    "DialFailed",
    "Host",
    "ListenFailed",
    "Multiaddr",
    "NetError",
    "StreamHandler",
    "StreamOpenFailed",
    "attach_log_handler",
    "device_id_from_peer_id",
    "keypair_from_seed",
    "listen_ips",
    "open_host",
    "peer_id_from_device_id",
    "remote_peer_id",
]

log = logging.getLogger(__name__)

StreamHandler = Callable[[INetStream], Awaitable[None]]

RECEIVE_WINDOW = 2 * 1024 * 1024
_yamux.MAX_WINDOW_SIZE = RECEIVE_WINDOW  # read at run time: yamux.py:394 and :1265
ipv6_compat.install()  # IPv6 remote addresses and IPv6-only listeners (ipv6_compat.py)
DUAL_STACK = ("0.0.0.0", "::")
"""Listen on every interface, both families (what ``serve`` and the app do)."""
DIAL_TIMEOUT = 10.0
"""Seconds one address may take to connect and finish Noise (libp2p's dial_timeout)."""
DIAL_MAX = 16
"""Addresses one ``connect`` tries at most (the address book keeps 8 per peer)."""
LAN_REFRESH = 10.0
"""Seconds our own on-link networks (for the dial order) are cached."""
SHUTDOWN_TIMEOUT = 5.0

# --- logging ------------------------------------------------------------------------


def attach_log_handler(handler: logging.Handler, level: int = logging.WARNING, *,
                       drop_expected: bool = True) -> None:
    """Send py-libp2p's log records to ``handler`` from ``level`` up; ``drop_expected``:
    without the failures of normal operation below DEBUG (``_EXPECTED_FAILURES``; the
    app's log file keeps them, the terminal does not).

    ``import libp2p`` runs ``setup_logging()`` (libp2p/__init__.py:141,
    libp2p/utils/logging.py:74-123): it clears the ``libp2p`` logger's handlers, sets
    it to WARNING and ``propagate = False``, so the root logger's handlers never see
    libp2p records, and a handler added before the import is removed. This module
    has imported libp2p already, so the handler attached here stays. Without any
    handler, libp2p's warnings and errors go to stderr through ``logging.lastResort``.

    Some libp2p modules set their own logger's level (auto_connector.py:137 sets
    INFO), which would let their INFO records through to ``handler`` whatever the
    ``libp2p`` logger's level; unless ``LIBP2P_DEBUG`` asks for module levels, those
    are reset here so that ``level`` applies to every libp2p logger.
    """
    logger = logging.getLogger("libp2p")
    if handler not in logger.handlers:
        logger.addHandler(handler)
        if level > logging.DEBUG and drop_expected:
            handler.addFilter(_expected_failures)
    logger.setLevel(level)
    if not os.environ.get("LIBP2P_DEBUG"):
        for name, child in list(logging.Logger.manager.loggerDict.items()):
            if name.startswith("libp2p.") and isinstance(child, logging.Logger):
                child.setLevel(logging.NOTSET)


# py-libp2p logs, at WARNING or ERROR, failures that are part of normal operation here:
# a dial to one of several addresses of a peer that fails (the service logs dial
# outcomes itself, with its backoff), a connection arriving while the host shuts
# down, a peer without gossip refusing its stream. People running ``serve`` read
# those as faults; they stay visible at DEBUG.
# A peer that refuses our identify or gossip stream, or hangs up in the middle, makes
# libp2p log ERRORs too; a stranger can do it on every connection it opens, so those
# would let it fill the log.
_EXPECTED_FAILURES = ("Failed to open TCP stream", "[ADDCONN_FAIL]",
                      "Failed to open stream", "MultiselectClient handshake",
                      "Error in handle_incoming")


def _expected_failures(record: logging.LogRecord) -> bool:
    if not record.name.startswith("libp2p"):
        return True
    message = record.getMessage()
    return not any(message.startswith(prefix) for prefix in _EXPECTED_FAILURES)


# --- the host -----------------------------------------------------------------------


class Host:
    """A running host. Get one from ``open_host``; it is valid inside that block."""

    def __init__(self, basic: BasicHost, swarm: Swarm, gate: InboundGate) -> None:
        self._host = basic
        self._swarm = swarm
        self._gate = gate
        self._relay = relay.RelayClient(basic, self.connect)
        self._punched: weakref.WeakSet[IMuxedConn] = weakref.WeakSet()
        self._finish_locks: dict[ID, trio.Lock] = {}
        self.stagger, self.circuit_delay = dial_order.STAGGER, dial_order.CIRCUIT_DELAY
        self._lan: tuple[float, list[dial_order.Network]] = (-math.inf, [])
        self._observed = observed.install(basic)

    @property
    def admission(self) -> Admission:
        """The places of inbound connections still handshaking (admission.py)."""
        return self._gate.admission

    @property
    def peer_id(self) -> ID:
        return self._host.get_id()

    @property
    def device_id(self) -> bytes:
        return device_id_from_peer_id(self.peer_id)

    @property
    def listen_addrs(self) -> list[Multiaddr]:
        """Where the host actually listens (real port when 0 was asked), without
        the ``/p2p/<peer id>`` suffix: what another host passes to ``open_stream``."""
        return list(self._host.get_transport_addrs())

    @property
    def libp2p_host(self) -> BasicHost:
        """The underlying py-libp2p host, for what this wrapper does not cover yet."""
        return self._host

    def set_handler(self, protocol: str, handler: StreamHandler) -> None:
        """Serve ``protocol``: ``handler(stream)`` runs once per inbound stream.

        The stream is closed (our write side) when the handler returns, and reset if
        it raises; an exception is logged and never reaches py-libp2p, where it
        would tear down the connection's tasks and the whole host.
        """

        async def guarded(stream: INetStream) -> None:
            await serve_guarded(handler, stream, f"{protocol} from {remote_peer_id(stream)}")

        self._host.set_stream_handler(TProtocol(protocol), guarded)

    def remove_handler(self, protocol: str) -> None:
        self._host.remove_stream_handler(TProtocol(protocol))

    def is_connected(self, peer_id: ID) -> bool:
        return any(not c.is_closed for c in self._swarm.get_connections(peer_id))

    def connected_peers(self) -> list[ID]:
        return [p for p in self._host.get_connected_peers() if self.is_connected(p)]

    def connections(self) -> list[Link]:
        """Every open connection, as plain values for the connection manager
        (connmgr.py): the peer (its device id), the remote address and port, the relay
        of a relayed connection, how long it has been open, and whether hole punching
        made it (``mark_punched``)."""
        now = time.time()
        links = []
        for conn in self._swarm.get_connections():
            if conn.is_closed:
                continue
            peer = conn.muxed_conn.peer_id
            try:
                device = device_id_from_peer_id(peer)
            except ValueError:
                device = peer.to_bytes()
            ip, via, port = None, None, None
            for addr in (str(a) for a in conn.get_transport_addresses()):
                if relay.is_circuit(addr):
                    via = addr.split("/p2p/")[1].split("/")[0] if "/p2p/" in addr else "?"
                elif addr.startswith(("/ip4/", "/ip6/")):
                    parts = addr.split("/")
                    ip = parts[2]
                    if len(parts) > 4 and parts[3] == "tcp" and parts[4].isdigit():
                        port = int(parts[4])
            opened = getattr(conn, "_created_at", None)
            age = now - opened if isinstance(opened, (int, float)) else 0.0
            links.append(Link(device, ip, via, max(0.0, age),
                              punched=conn.muxed_conn in self._punched, port=port))
        return links

    def mark_punched(self, muxed: IMuxedConn) -> None:
        """Remember that hole punching made this connection (puncher.py)."""
        self._punched.add(muxed)

    def divert_inbound(self, divert: Divert | None) -> None:
        """Let ``divert(ip, port)`` claim accepted sockets before admission: a hole
        punch expects its peer's dial from that address (puncher.py)."""
        self._gate.divert = divert

    def observed_addrs(self) -> dict[bytes, tuple[str, float]]:
        """What each peer's identify said our address is (observed.py): raw peer id
        bytes -> (multiaddr, ``time.monotonic()`` when it came). Direct connections only."""
        return dict(self._observed.seen)

    async def connect(self, peer_id: ID, addrs: Sequence[Multiaddr]) -> None:
        """Make sure there is a connection to ``peer_id``, dialing ``addrs`` if not.

        ``addrs`` are TCP multiaddrs (IPv4 or IPv6) without ``/p2p/``, or circuit
        addresses (``<relay addr>/p2p/<relay id>/p2p-circuit``, see relay.py). They
        are tried in ``dial_order``'s order (same LAN, global IPv6, global IPv4, other
        private, circuits), Happy-Eyeballs style (eyeballs.py): the next one 250 ms
        after the previous one started or as soon as one failed, circuits only after
        every direct one failed or after 2 s. The first to finish the Noise
        handshake wins; the others are cancelled and their sockets closed. Returns
        at once if already connected. Raises ``DialFailed`` (with every address's
        error) if none connects.

        py-libp2p's own ``connect`` dials one address at a time, at most one per
        transport (swarm.py:863-890), keeps every address it was given for 120 s
        (basic_host.py:1131) and bans a peer for 60 s after a failed dial
        (swarm.py:109-155). So the swarm's dial path is not used: each attempt dials
        the TCP transport and runs Noise itself, and the winner alone goes on to
        yamux and ``add_conn`` (``_dial_direct``), one attempt at a time under a lock
        per peer (``_finishing``), so that two attempts never leave two connections.
        At most ``DIAL_MAX`` addresses are tried (the best, in that order): one dial
        holds at most that many sockets.
        """
        if peer_id == self.peer_id:
            raise ValueError("a host cannot dial itself")
        if self.is_connected(peer_id):
            return
        if not addrs:
            raise DialFailed(f"no address to dial {peer_id}")
        by_text = {str(a): a for a in addrs}
        attempts = []
        lan, public = self._networks()
        ordered = dial_order.order(list(by_text), lan=lan, public=public)
        for text in ordered[:DIAL_MAX]:
            if relay.is_circuit(text):
                attempts.append(eyeballs.Attempt(
                    text, functools.partial(self._dial_circuit, peer_id, text), late=True))
            else:
                attempts.append(eyeballs.Attempt(
                    text, functools.partial(self._dial_direct, peer_id, by_text[text])))
        try:
            await eyeballs.first_to_connect(attempts, stagger=self.stagger,
                                            late_delay=self.circuit_delay)
        except eyeballs.AllFailed as exc:
            left = (f"; {len(ordered) - DIAL_MAX} more addresses not tried"
                    if len(ordered) > DIAL_MAX else "")
            raise DialFailed(f"cannot connect to {peer_id}: {exc}{left}") from None

    async def _dial_direct(self, peer_id: ID, addr: Multiaddr) -> None:
        """One direct attempt: TCP, then Noise (both may run beside other attempts),
        then ``_finish``."""
        transport = self._swarm.transport_manager.transport_for_dialing(addr)
        if transport is None:
            raise DialFailed("no transport for this address")
        raw = secured = None
        try:
            with trio.fail_after(DIAL_TIMEOUT):
                raw = await transport.dial(Multiaddr(f"{addr}/p2p/{peer_id}"))
                secured = await self._swarm.upgrader.upgrade_security(raw, True, peer_id)
            async with self._finishing(peer_id):
                if self.is_connected(peer_id):  # another attempt, or the peer, was first
                    await _close_quietly(secured)
                    return
                # as Swarm.upgrade_outbound_raw_conn does after Noise (swarm.py:1296-1390)
                with trio.fail_after(self._swarm.connection_config.outbound_upgrade_timeout):
                    muxed = await self._swarm.upgrader.upgrade_connection(secured, peer_id)
                with trio.CancelScope(shield=True):  # registered: not half-way
                    conn = await self._swarm.add_conn(muxed, direction="outbound")
                    await conn.event_started.wait()
        except trio.TooSlowError:
            await _close_quietly(secured or raw)
            raise DialFailed(f"no answer within {DIAL_TIMEOUT:g} s") from None
        except BaseException:
            await _close_quietly(secured or raw)
            raise

    async def _dial_circuit(self, peer_id: ID, addr: str) -> None:
        """One attempt through a relay: reach the relay, then ask it for a circuit,
        under the same lock as ``_dial_direct``'s finish."""
        relay_addr, relay_id = relay.parse_circuit(addr, peer_id)
        await self.connect(relay_id, [Multiaddr(relay_addr)])
        async with self._finishing(peer_id):
            if not self.is_connected(peer_id):
                await self._relay.dial(relay_id, [Multiaddr(relay_addr)], peer_id)

    @asynccontextmanager
    async def _finishing(self, peer_id: ID) -> AsyncIterator[None]:
        """One attempt at a time turns its connection into the peer's connection."""
        lock = self._finish_locks.setdefault(peer_id, trio.Lock())
        try:
            async with lock:
                yield
        finally:
            if (not lock.locked() and not lock.statistics().tasks_waiting
                    and self._finish_locks.get(peer_id) is lock):
                del self._finish_locks[peer_id]

    def _networks(self) -> tuple[list[dial_order.Network], list[dial_order.Network]]:
        """Our on-link networks (addresses.local_networks), read at most every
        ``LAN_REFRESH`` seconds, and the ranges tests ask to count as global
        (``ip_parse.PUBLIC_RANGES_ENV``)."""
        read_at, networks = self._lan
        now = trio.current_time()
        if now - read_at > LAN_REFRESH:
            networks = addresses.local_networks(addresses.local_interfaces())
            self._lan = (now, networks)
        return networks, public_ranges()

    async def open_stream(self, peer_id: ID, addrs: Sequence[Multiaddr],
                          protocol: str | Sequence[str]) -> INetStream:
        """A new stream to ``peer_id`` speaking ``protocol`` (or the first of several
        that the peer speaks: ``stream.get_protocol()`` tells which), connecting first
        if needed.

        The caller owns the stream: ``close()`` it when done (half-close: our write
        side; reading stays possible), or ``reset()`` it on error.
        Raises ``DialFailed`` or ``StreamOpenFailed``.
        """
        await self.connect(peer_id, addrs)
        try:
            offered = [protocol] if isinstance(protocol, str) else list(protocol)
            return await self._host.new_stream(peer_id, [TProtocol(p) for p in offered])
        except StreamFailure as exc:
            raise StreamOpenFailed(f"{peer_id} refused {protocol}: {exc}") from exc
        except SwarmException as exc:
            raise DialFailed(f"cannot open a stream to {peer_id}: {exc}") from exc

    async def disconnect(self, peer_id: ID) -> None:
        await self._host.disconnect(peer_id)

    # --- circuit relay (relay.py) ---------------------------------------------------

    def offer_relay(self, limits: relay.RelayLimits | None = None, *,
                    may_reserve: relay.MayReserve | None = None,
                    may_connect: relay.MayConnect | None = None,
                    is_friend: relay.IsFriend | None = None,
                    on_bad_peer: relay.OnBadPeer | None = None,
                    advertise: Callable[[], Sequence[str]] | None = None,
                    ) -> relay.RelayServer:
        """Relay for others: give slots to peers ``may_reserve`` accepts (default:
        any; it returns the account a slot counts against) and carry circuits to
        them, within ``limits``; ``is_friend`` tells the relay's friends from
        strangers (default: no strangers). ``advertise()``: our direct addresses,
        told to those who reserve (default: ``listen_addrs``)."""
        server = relay.RelayServer(
            self._host, limits or relay.RelayLimits(), may_reserve or relay.anyone,
            may_connect, on_bad_peer,
            advertise or (lambda: [str(a) for a in self.listen_addrs]),
            is_friend=is_friend)
        self.set_handler(relay.HOP_PROTOCOL, server.handle_hop)
        return server

    async def reserve(self, relay_peer: ID, addrs: Sequence[Multiaddr]
                      ) -> relay.HeldReservation:
        """Get or renew a slot at ``relay_peer`` (connecting at ``addrs`` if needed),
        so that others can reach us through it at ``circuit_addrs()``. Raises
        ``relay.RelayRefused``, ``relay.CircuitFailed`` or ``DialFailed``."""
        return await self._relay.reserve(relay_peer, addrs)

    def reservations(self) -> list[relay.HeldReservation]:
        return list(self._relay.reservations.values())

    def forget_reservation(self, relay_peer: ID) -> None:
        self._relay.forget(relay_peer)

    def circuit_addrs(self) -> list[str]:
        """Addresses others can reach us at through relays where we hold a live slot
        (``<relay addr>/p2p/<relay id>/p2p-circuit``, without our own ``/p2p/``)."""
        return self._relay.circuit_addrs()


@asynccontextmanager
async def open_host(seed: bytes, port: int | None = 0, *,
                    ip: str | Sequence[str] = "127.0.0.1",
                    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
                    admission: AdmissionLimits = ADMISSION) -> AsyncIterator[Host]:
    """Run a host for the device with ``seed``, listening on ``ip``:``port`` (TCP).

    ``ip``: one address or several, IPv4 or IPv6 (``DUAL_STACK`` = every interface
    of both families), all on the same port. ``port=0`` takes any free port (the
    first address's; the others get the same one where it is free);
    ``host.listen_addrs`` tells which. An unspecified address (``0.0.0.0``, ``::``)
    after the first is best effort: on a machine without IPv6, or with the port taken
    there, the host listens on the first alone, with a log line. ``port=None`` does
    not listen at all: the host only dials out (and can still be reached through a
    relay where it holds a slot).
    ``admission``: limits on inbound connections still handshaking (admission.py).
    On exit, connections and listeners are closed (within ``shutdown_timeout``,
    shielded from cancellation) before the host's tasks are cancelled.
    """
    key_pair = keypair_from_seed(seed)
    ips = listen_ips(ip)
    listen = Multiaddr(addresses.multiaddr(ips[0], port or 0))
    if port:
        ips = free_at(ips, port)
    network = new_swarm(
        key_pair=key_pair,
        sec_opt={NOISE_PROTOCOL_ID: NoiseTransport(
            key_pair, noise_privkey=_x25519_key_pair().private_key)},
        muxer_opt={TProtocol(YAMUX_PROTOCOL_ID): Yamux},
        transports=[TCP()],
        retry_config=RetryConfig(max_retries=0),
        # the deadline also holds for connections relayed to us (relay.py's stop
        # handler upgrades them through the swarm, not through the gate)
        connection_config=ConnectionConfig(max_connections_per_peer=1,
                                           inbound_upgrade_timeout=admission.deadline),
    )
    if not isinstance(network, Swarm):  # pragma: no cover - new_swarm builds a Swarm
        raise TypeError(f"unexpected network service {type(network).__name__}")
    # Every bound on what a peer can make us hold is ours (docs/network.md). libp2p's
    # resource manager, which new_swarm adds, counted each inbound upgrade that was
    # cancelled (our deadline, or a newcomer taking its place) for good: its cleanup
    # awaits under the cancellation and never releases the count (swarm.py:2136-2156).
    # After ~1,000 of them it refused every new peer (docs/libp2p-notes.md).
    network.set_resource_manager(None)
    gate = InboundGate(network, admission)
    # the TCP listener looks the handler up on the swarm for every socket it accepts
    network._handle_inbound_connection = gate.handle  # type: ignore[method-assign,assignment]
    basic = BasicHost(network=network)
    # BasicHost.run() wraps its body in two nurseries (basic_host.py:587-613), so an
    # exception raised in the caller's block would come out wrapped in an
    # ExceptionGroup. Catch it inside and raise it again outside, as it was.
    failure: Exception | None = None
    async with basic.run([] if port is None else [listen]):
        try:
            # Swarm.run started the auto-connector before listen() returned
            # (swarm.py:373-396); it would redial every peer in the peerstore.
            await network.auto_connector.stop()
            if port is not None and not basic.get_transport_addrs():
                raise ListenFailed(f"cannot listen on {listen}")
            if port is not None:
                await listen_more(network, ips[1:], port or port_of(basic), fixed=bool(port))
                deepen_backlog(network)
            host = Host(basic, network, gate)
            host.set_handler(relay.STOP_PROTOCOL, host._relay.handle_stop)
            yield host
        except Exception as exc:
            failure = exc
        finally:
            with trio.move_on_after(shutdown_timeout) as scope:
                scope.shield = True
                # Identify runs in the background after each connect; cancelled
                # only later by BasicHost.close(), it would log ERRORs about the
                # connections closed under it (basic_host.py:1165-1181).
                for identify in list(getattr(basic, "_identify_tasks", ())):
                    identify.cancel()
                # Closing one connection sleeps 0.2 s (swarm_connection.py:218,
                # yamux.py:823) and Swarm.close() closes them one after another.
                async with trio.open_nursery() as nursery:
                    for conns in list(network.connections.values()):
                        for conn in list(conns):
                            nursery.start_soon(_close_connection, conn)
                await basic.close()
            if scope.cancelled_caught:
                log.warning("libp2p host did not close within %s s", shutdown_timeout)
    if failure is not None:
        raise failure


async def _close_quietly(conn: Any) -> None:
    """Close a raw or secured connection that lost a race, even when cancelled."""
    if conn is None:
        return
    with trio.CancelScope(shield=True):
        try:
            await conn.close()
        except Exception as exc:
            log.debug("closing a dial that lost: %r", exc)


async def _close_connection(conn: INetConn) -> None:
    """Close a connection down to its socket, even when cancelled libp2p tasks
    have already marked it closed.

    When the block around ``open_host`` is cancelled, py-libp2p's own tasks are
    cancelled too; one of them marks the connection closed (``event_closed``,
    swarm_connection.py:145-149) and is cancelled before it closes the socket, so
    ``SwarmConn.close()`` returns at once and the socket leaks. Closing the
    muxed connection itself (yamux.py:786-823) reaches the socket.
    """
    try:
        await conn.close()
        if not conn.muxed_conn.is_closed:
            await conn.muxed_conn.close()
    except Exception as exc:
        log.debug("closing a connection: %r", exc)
