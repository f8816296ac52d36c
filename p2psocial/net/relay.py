"""Circuit relay v2: friends with a reachable address carry connections for friends
that cannot accept any.

    relay R:   host.offer_relay(RelayLimits(), may_reserve=is_friend)
    node B:    await host.reserve(R, R_addrs)           # B cannot be dialed
               host.circuit_addrs()  ->  ["/ip4/R/tcp/P/p2p/<R>/p2p-circuit"]
    node A:    await host.connect(B, ["/ip4/R/tcp/P/p2p/<R>/p2p-circuit"])

Theory of operation (the libp2p circuit v2 spec, wire-compatible with other
implementations: varint-prefixed protobuf messages from py-libp2p's ``circuit_pb2``):

* **Reserve.** B, connected to R, opens a *hop* stream and sends RESERVE. R answers
  STATUS OK with an expiry (unix seconds) if its policy (``may_reserve``: in
  p2psocial, B's account is one R replicates) and its limits allow. The slot lasts
  while B stays connected to R and until the expiry; B renews it before then.
* **Connect.** A opens a hop stream to R and sends CONNECT(B). R checks that B holds
  a live slot and that the circuit limits allow, opens a *stop* stream to B over
  B's own connection, sends CONNECT(A) there, waits for B's STATUS OK, answers A
  with STATUS OK and from then on copies bytes both ways between the two streams.
* **Upgrade.** Each end wraps its stream in a ``RawConnection`` and upgrades it like
  a TCP socket: Noise (so R sees only ciphertext, and each end authenticates the
  other's device key), then yamux. The result is an ordinary libp2p connection in
  the swarm: ``new_stream`` and our sync protocol run over it unchanged.
* **Limits** (``RelayLimits``, relay_quota.py): few slots (and few per account),
  few circuits (in all, per reserved peer, and smaller budgets for strangers), and
  per circuit a byte budget for both directions together and a duration. A circuit
  over its limit is reset; the sync session on it ends and is redialed under the
  service's usual backoff, resuming from both stores. A stranger's refusals beyond
  a free few are charged to its standing (``on_bad_peer``).

Why not py-libp2p's ``CircuitV2Protocol`` / ``CircuitV2Transport`` (0.8.1): no hook
for a reservation policy (any peer may reserve), ERROR log lines and fixed sleeps on
every reservation and every circuit end, circuits keyed by peer so two from one
source clobber each other, and the transport pulls in the DHT and makes a
reservation at every relay it dials through. See docs/libp2p-notes.md, "Circuit
relay v2". What we take from it: the protobuf messages and the status codes.

Addresses: a circuit address is ``<relay's address>/p2p/<relay id>/p2p-circuit``,
optionally followed by ``/p2p/<target id>``. Without the suffix it is an address
*of* the device it is stored for (in the address book and in invites, like direct
addresses, which carry no ``/p2p/`` either).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import trio
from google.protobuf.message import DecodeError
from libp2p.abc import IHost, INetStream
from libp2p.connection_types import ConnectionType
from libp2p.custom_types import TProtocol
from libp2p.exceptions import BaseLibp2pError
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage, Limit, Reservation, StopMessage
from libp2p.relay.circuit_v2.pb.circuit_pb2 import PeerId as PbPeer
from libp2p.relay.circuit_v2.protocol_buffer import StatusCode, to_proto_status
from libp2p.utils.varint import encode_uvarint
from multiaddr import Multiaddr

from ..errors import P2PSocialError
from .admission import netgroup
from .framing import FrameError, FrameTooLarge, VarintTooLong, read_varint_message
from .relay_quota import Circuit, Quota, RelayLimits
from .streams import close_quietly, reset_quietly

log = logging.getLogger(__name__)

HOP_PROTOCOL = "/libp2p/circuit/relay/0.2.0/hop"
STOP_PROTOCOL = "/libp2p/circuit/relay/0.2.0/stop"
CIRCUIT = "/p2p-circuit"
MAX_MESSAGE = 4096  # our messages are < 1 KiB; go-libp2p allows 4 KiB
HANDSHAKE_TIMEOUT = 15.0  # seconds for one relay message exchange
_CHUNK = 64 * 1024
_MAX_ADDRS = 4  # relay addresses put in a reservation answer
RENEW_BEFORE = 5 * 60  # seconds before its expiry a slot is renewed
_Msg = TypeVar("_Msg", HopMessage, StopMessage)


class RelayError(P2PSocialError):
    """Base of the circuit relay errors."""


class RelayRefused(RelayError):
    """The relay answered with a status other than OK (``status``: a ``StatusCode``)."""

    def __init__(self, what: str, status: int) -> None:
        self.status = status
        try:
            name = StatusCode(status).name
        except ValueError:
            name = str(status)
        super().__init__(f"{what} refused by the relay: {name}")


class CircuitFailed(RelayError):
    """The relayed connection could not be set up (broken stream, failed upgrade...)."""


class RelayProtocolError(RelayError):
    """A peer sent something that is not a valid relay message: its fault."""


@dataclass(frozen=True, slots=True)
class HeldReservation:
    """A slot we hold at a relay: ``expire`` in unix seconds; ``relay_addrs`` the
    relay's direct addresses we can tell others (ours first, then its own)."""

    relay: ID
    expire: int
    relay_addrs: tuple[str, ...]
    renew_at: float = 0.0  # unix seconds: RENEW_BEFORE the expiry, or half-way if sooner
    limit_seconds: int = 0  # 0: the relay did not say
    limit_bytes: int = 0

    def circuit_addrs(self) -> list[str]:
        return [circuit_addr(a, self.relay) for a in self.relay_addrs]


# --- addresses (pure) ---------------------------------------------------------------


def circuit_addr(relay_addr: str, relay: ID) -> str:
    """The address of a device reachable through ``relay`` at ``relay_addr``."""
    return f"{relay_addr}/p2p/{relay.to_base58()}{CIRCUIT}"


def is_circuit(addr: str) -> bool:
    return CIRCUIT in addr


def parse_circuit(addr: str, target: ID | None = None) -> tuple[str, ID]:
    """``(relay's direct address, relay id)`` from a circuit address.

    ``ValueError`` if ``addr`` is not one (no relay id, a relay that is itself a
    circuit, a ``/p2p/`` suffix naming another device than ``target``).
    """
    head, sep, tail = addr.partition(CIRCUIT)
    if not sep:
        raise ValueError(f"not a circuit address: {addr}")
    if tail:
        if not tail.startswith("/p2p/") or "/" in tail[len("/p2p/"):]:
            raise ValueError(f"unexpected text after {CIRCUIT}: {addr}")
        named = _peer_id(tail[len("/p2p/"):], addr)
        if target is not None and named != target:
            raise ValueError(f"{addr} is the address of another device")
    relay_addr, sep, relay_text = head.rpartition("/p2p/")
    if not sep or not relay_addr or "/" in relay_text or "/p2p/" in relay_addr:
        raise ValueError(f"a circuit address needs one relay: .../p2p/<relay id>{CIRCUIT}")
    return relay_addr, _peer_id(relay_text, addr)


def _peer_id(text: str, addr: str) -> ID:
    """A peer id from base58 text: a multihash, identity (0x00) or sha2-256 (0x12)."""
    try:
        peer = ID.from_base58(text)
    except Exception as exc:
        raise ValueError(f"bad peer id in {addr}") from exc
    raw = peer.to_bytes()
    if len(raw) < 3 or raw[0] not in (0x00, 0x12) or raw[1] != len(raw) - 2:
        raise ValueError(f"bad peer id in {addr}")
    return peer


# --- messages -----------------------------------------------------------------------


async def _read_message(stream: INetStream, kind: type[_Msg]) -> _Msg:
    """One varint-prefixed protobuf message, read without reading a byte past it
    (the relayed connection follows on the same stream). Caps before allocating."""
    try:
        data = await read_varint_message(stream, MAX_MESSAGE)
    except (VarintTooLong, FrameTooLarge) as exc:
        raise RelayProtocolError(f"relay message: {exc}") from None
    try:
        return kind.FromString(data)
    except DecodeError as exc:
        raise RelayProtocolError(f"undecodable {kind.__name__}: {exc}") from None


async def _write_message(stream: INetStream, message: HopMessage | StopMessage) -> None:
    data = message.SerializeToString()
    await stream.write(encode_uvarint(len(data)) + data)


def _exchange_failed(what: str, exc: BaseException) -> CircuitFailed:
    return CircuitFailed(f"{what}: {exc or type(exc).__name__}")


def _hop_status(code: StatusCode, limits: RelayLimits | None = None) -> HopMessage:
    message = HopMessage(type=HopMessage.STATUS, status=to_proto_status(code))
    if limits is not None:
        message.limit.CopyFrom(_limit(limits))
    return message


def _stop_status(code: StatusCode) -> StopMessage:
    return StopMessage(type=StopMessage.STATUS, status=to_proto_status(code))


def _limit(limits: RelayLimits) -> Limit:
    return Limit(duration=limits.circuit_seconds, data=limits.circuit_bytes)


def connected_to(host: IHost, peer: ID) -> bool:
    """A live connection to ``peer`` (direct or relayed)."""
    return any(not c.is_closed for c in host.get_network().get_connections(peer))


def _over_relay(stream: INetStream) -> bool:
    """Whether the stream runs over a relayed connection (no relaying over relays)."""
    try:
        addrs = stream.muxed_conn.get_transport_addresses()
    except Exception:
        return False
    return any(CIRCUIT in str(a) for a in addrs)


# --- the relay (hop) ----------------------------------------------------------------


# what a stream that the peer reset or abandoned raises (a peer that left: no fault)
_LEFT = (BaseLibp2pError, OSError, EOFError, trio.BrokenResourceError,
         trio.ClosedResourceError)

MayReserve = Callable[[ID], Awaitable[bytes | None]]
MayConnect = Callable[[ID], bool]
IsFriend = Callable[[ID], Awaitable[bool]]
OnBadPeer = Callable[[ID, str], Awaitable[None]]


async def anyone(peer: ID) -> bytes | None:
    """The default reservation policy: every peer may reserve, each its own account."""
    return peer.to_bytes()


@dataclass(slots=True)
class _Slot:
    expire: int  # unix seconds


@dataclass
class RelayServer:
    """The hop side: reservations and circuits, under ``limits`` (relay_quota.py).

    ``may_reserve(peer)`` decides who gets a slot: the account the slot counts
    against, or None to refuse it; ``may_connect(peer)`` who may open a circuit to a
    reserved device at all (default: anyone; the device behind it authenticates the
    caller with Noise and applies its own rules); ``is_friend(peer)`` whom the
    relay knows (default: everyone): strangers have smaller circuit budgets and pay
    for refusals; ``on_bad_peer(peer, reason)`` hears of malformed messages and of
    refusals charged. ``clock``: unix seconds (reservation expiries are unix times
    on the wire).
    """

    host: IHost
    limits: RelayLimits = field(default_factory=RelayLimits)
    may_reserve: MayReserve = anyone
    may_connect: MayConnect | None = None
    on_bad_peer: OnBadPeer | None = None
    advertise: Callable[[], Sequence[str]] = tuple
    clock: Callable[[], float] = time.time
    is_friend: IsFriend | None = None
    slots: dict[ID, _Slot] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)  # "a slot: <why>"... so far
    carried: int = 0  # bytes copied by circuits so far, both ways (measurements, tests)
    quota: Quota = field(init=False)
    _scopes: dict[Circuit, trio.CancelScope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.quota = Quota(self.limits)

    @property
    def circuits(self) -> int:
        """Circuits open now."""
        return self.quota.circuits

    def in_circuits(self) -> set[ID]:
        """Peers at either end of a circuit open now (the connection manager keeps
        their connections: the circuit runs over them)."""
        return {p for p in self.quota.in_circuits() if isinstance(p, ID)}

    async def handle_hop(self, stream: INetStream) -> None:
        try:
            await self._hop(stream)
        except _LEFT as exc:  # the peer hung up or reset the stream: nobody's fault
            log.debug("hop stream from %s ended: %r", stream.muxed_conn.peer_id, exc)
            await reset_quietly(stream)

    async def _hop(self, stream: INetStream) -> None:
        peer = stream.muxed_conn.peer_id
        if _over_relay(stream):
            await _write_message(stream, _hop_status(StatusCode.PERMISSION_DENIED))
            return
        try:
            with trio.fail_after(HANDSHAKE_TIMEOUT):
                request = await _read_message(stream, HopMessage)
        except RelayProtocolError as exc:
            await self._bad_peer(stream, peer, str(exc))
            return
        except (trio.TooSlowError, FrameError, EOFError):
            return  # a peer that left or stalls: nobody's fault
        if request.type == HopMessage.RESERVE:
            await self._reserve(stream, peer)
        elif request.type == HopMessage.CONNECT and request.HasField("peer"):
            try:
                target = ID(request.peer.id)
            except Exception:
                await self._bad_peer(stream, peer, "CONNECT names no valid peer")
                return
            await self._connect(stream, peer, target)
        else:
            await self._bad_peer(stream, peer, f"unexpected hop message type {request.type}")

    def active(self) -> list[ID]:
        """Devices holding a live slot."""
        self._prune()
        return list(self.slots)

    async def _reserve(self, stream: INetStream, peer: ID) -> None:
        self._prune()
        account = await self.may_reserve(peer)
        if account is None:
            await self._refuse(stream, peer, "a slot", StatusCode.PERMISSION_DENIED,
                               "not a friend", stranger=True)
            return
        full = self.quota.slot_refused(peer, account)
        if full is not None:
            await self._refuse(stream, peer, "a slot", StatusCode.RESOURCE_LIMIT_EXCEEDED,
                               full, stranger=not await self._friend(peer))
            return
        expire = int(self.clock()) + self.limits.reservation_seconds
        self.slots[peer] = _Slot(expire)  # a renewal keeps the open circuits
        self.quota.hold(peer, account)
        answer = _hop_status(StatusCode.OK, self.limits)
        me = self.host.get_id()
        addrs = [a for a in self.advertise() if not is_circuit(a)][:_MAX_ADDRS]
        answer.reservation.CopyFrom(Reservation(
            expire=expire, addrs=[Multiaddr(f"{a}/p2p/{me.to_base58()}").to_bytes()
                                  for a in addrs]))
        await _write_message(stream, answer)
        log.info("relay slot for %s until %d", peer, expire)

    async def _connect(self, stream: INetStream, source: ID, target: ID) -> None:
        self._prune()
        stranger = not await self._friend(source)
        if target not in self.slots or not connected_to(self.host, target):
            await self._refuse(stream, source, "a circuit", StatusCode.NO_RESERVATION,
                               "no slot", stranger=stranger)
            return
        if self.may_connect is not None and not self.may_connect(source):
            await self._refuse(stream, source, "a circuit", StatusCode.PERMISSION_DENIED,
                               "banned", stranger=stranger)
            return
        subnet = _subnet(stream)
        verdict = self.quota.circuit_refused(source, subnet, target, stranger)
        if isinstance(verdict, str):
            await self._refuse(stream, source, "a circuit", StatusCode.RESOURCE_LIMIT_EXCEEDED,
                               verdict, stranger=stranger)
            return
        if verdict is not None:  # a stranger's circuit makes room
            log.info("closing a circuit %s -> %s to make room", verdict.source, verdict.target)
            self.quota.close(verdict)
            self._scopes.pop(verdict).cancel()
        circuit = self.quota.open(source, subnet, target, stranger, self.clock())
        scope = self._scopes[circuit] = trio.CancelScope()
        try:
            await self._open_circuit(stream, source, target, scope)
        finally:
            self.quota.close(circuit)
            self._scopes.pop(circuit, None)

    async def _open_circuit(self, stream: INetStream, source: ID, target: ID,
                            scope: trio.CancelScope) -> None:
        onward: INetStream | None = None
        with scope:
            try:
                with trio.fail_after(HANDSHAKE_TIMEOUT):
                    # an existing connection only: the target reserved over it
                    onward = await self.host.new_stream(target, [TProtocol(STOP_PROTOCOL)])
                    connect = StopMessage(type=StopMessage.CONNECT,
                                          peer=PbPeer(id=source.to_bytes()))
                    connect.limit.CopyFrom(_limit(self.limits))
                    await _write_message(onward, connect)
                    answer = await _read_message(onward, StopMessage)
            except Exception as exc:
                log.info("circuit %s -> %s: the target did not answer: %r", source, target, exc)
                await _write_message(stream, _hop_status(StatusCode.CONNECTION_FAILED))
                return
            if answer.type != StopMessage.STATUS or answer.status != StatusCode.OK:
                await reset_quietly(onward)
                await _write_message(stream, _hop_status(StatusCode.CONNECTION_FAILED))
                return
            await _write_message(stream, _hop_status(StatusCode.OK, self.limits))
            log.info("circuit %s -> %s open", source, target)
            moved = 0

            def count(n: int) -> None:
                nonlocal moved
                moved += n
                self.carried += n

            await splice(stream, onward, self.limits, count)
            log.info("circuit %s -> %s closed after %d bytes", source, target, moved)
        if scope.cancelled_caught:  # made room for another
            await reset_quietly(stream)
            if onward is not None:
                await reset_quietly(onward)

    async def _friend(self, peer: ID) -> bool:
        return self.is_friend is None or await self.is_friend(peer)

    async def _refuse(self, stream: INetStream, peer: ID, what: str, code: StatusCode,
                      why: str, *, stranger: bool) -> None:
        """Say no; a stranger without free refusals left is charged (relay_quota.py)."""
        log.info("refused %s to %s: %s (%s)", what, peer, code.name, why)
        self.refused[f"{what}: {why}"] += 1
        if stranger and self.quota.refused(peer, self.clock()) and self.on_bad_peer is not None:
            # charged before it is told: hanging up first does not make it free
            await self.on_bad_peer(peer, f"kept asking for {what} after "
                                         f"{self.limits.refusal_burst} refusals")
        await _write_message(stream, _hop_status(code))

    def _prune(self) -> None:
        """Drop slots that expired or whose holder is no longer connected."""
        now = self.clock()
        for peer, slot in list(self.slots.items()):
            if self.quota.circuits_of(peer) == 0 and (
                    slot.expire <= now or not connected_to(self.host, peer)):
                del self.slots[peer]
                self.quota.release(peer)

    async def _bad_peer(self, stream: INetStream, peer: ID, reason: str) -> None:
        log.info("bad relay request from %s: %s", peer, reason)
        await reset_quietly(stream)
        if self.on_bad_peer is not None:
            await self.on_bad_peer(peer, reason)


def _subnet(stream: INetStream) -> str:
    """The subnet of the address the stream's connection comes from."""
    try:
        addrs = [str(a) for a in stream.muxed_conn.get_transport_addresses()]
    except Exception:
        addrs = []
    ip = next((a.split("/")[2] for a in addrs if a.startswith(("/ip4/", "/ip6/"))), None)
    return netgroup(ip)


async def splice(a: INetStream, b: INetStream, limits: RelayLimits,
                 count: Callable[[int], None] | None = None) -> None:
    """Copy bytes both ways until both directions end, the circuit's byte budget
    (both directions together) is spent, or its duration is over. An EOF in one
    direction is passed on as a half-close; a limit, or a reset or error on either
    side, resets both streams. ``count(n)`` hears of every ``n`` bytes copied."""
    budget = limits.circuit_bytes
    failed: str | None = None

    async def pump(src: INetStream, dst: INetStream, scope: trio.CancelScope) -> None:
        nonlocal budget, failed
        try:
            while True:
                try:
                    data = await src.read(_CHUNK)
                except EOFError:
                    data = b""
                if not data:
                    await dst.close()
                    return
                budget -= len(data)
                if budget < 0:
                    failed = "over its data limit"
                    break
                await dst.write(data)
                if count is not None:
                    count(len(data))
        except Exception as exc:  # a reset or a broken connection
            failed = f"broken: {exc!r}"
        scope.cancel()

    with trio.move_on_after(limits.circuit_seconds) as deadline:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(pump, a, b, nursery.cancel_scope)
            nursery.start_soon(pump, b, a, nursery.cancel_scope)
    if deadline.cancelled_caught:
        failed = "over its time limit"
    if failed is not None:
        log.info("circuit %s: reset", failed)
        await reset_quietly(a)
        await reset_quietly(b)


# --- the client: reserve, dial through, accept (stop) -------------------------------


Connect = Callable[[ID, Sequence[Multiaddr]], Awaitable[None]]


class RelayClient:
    """The side of a host that uses relays: it holds slots, dials through relays,
    and accepts relayed connections (the stop protocol) from relays where it holds
    a slot. ``connect(peer, addrs)`` makes a direct connection (the host's)."""

    def __init__(self, host: IHost, connect: Connect, clock: Callable[[], float] = time.time
                 ) -> None:
        self.host = host
        self.connect = connect
        self.clock = clock
        self.reservations: dict[ID, HeldReservation] = {}

    def circuit_addrs(self) -> list[str]:
        """Our circuit addresses: one per relay address, for slots still held (live
        connection to the relay, not expired), in the order they were made."""
        now = self.clock()
        return [addr for held in self.reservations.values()
                if held.expire > now and connected_to(self.host, held.relay)
                for addr in held.circuit_addrs()]

    async def reserve(self, relay: ID, addrs: Sequence[Multiaddr]) -> HeldReservation:
        """Get (or renew) a slot at ``relay``, connecting to it at ``addrs`` if needed.
        Raises ``RelayRefused``, ``CircuitFailed``, or the connect's own error."""
        await self.connect(relay, addrs)
        stream = await self._hop_stream(relay)
        try:
            with trio.fail_after(HANDSHAKE_TIMEOUT):
                await _write_message(stream, HopMessage(type=HopMessage.RESERVE))
                answer = await _read_message(stream, HopMessage)
        except (trio.TooSlowError, FrameError, EOFError, OSError) as exc:
            await reset_quietly(stream)
            raise _exchange_failed(f"reserving at {relay}", exc) from None
        except BaseException:
            await reset_quietly(stream)
            raise
        await close_quietly(stream)
        if answer.type != HopMessage.STATUS or answer.status != StatusCode.OK:
            raise RelayRefused("a reservation", int(answer.status))
        told = [_bare_relay_addr(raw, relay) for raw in answer.reservation.addrs]
        relay_addrs = dict.fromkeys([*(str(a) for a in addrs), *(t for t in told if t)])
        now, expire = self.clock(), int(answer.reservation.expire)
        renew_at = max(expire - RENEW_BEFORE, now + (expire - now) / 2)
        held = HeldReservation(relay, expire, tuple(relay_addrs)[:_MAX_ADDRS], renew_at,
                               answer.limit.duration, answer.limit.data)
        self.reservations[relay] = held
        log.info("holding a relay slot at %s until %d", relay, held.expire)
        return held

    def forget(self, relay: ID) -> None:
        self.reservations.pop(relay, None)

    async def dial(self, relay: ID, relay_addrs: Sequence[Multiaddr], target: ID) -> None:
        """Connect to ``target`` through ``relay``: after this the swarm holds a
        relayed, Noise-secured, yamux-muxed connection to it."""
        if relay in (target, self.host.get_id()):
            raise CircuitFailed("a circuit through the target itself, or through us")
        await self.connect(relay, relay_addrs)
        stream = await self._hop_stream(relay)
        try:
            with trio.fail_after(HANDSHAKE_TIMEOUT):
                await _write_message(stream, HopMessage(
                    type=HopMessage.CONNECT, peer=PbPeer(id=target.to_bytes())))
                answer = await _read_message(stream, HopMessage)
            if answer.type != HopMessage.STATUS or answer.status != StatusCode.OK:
                raise RelayRefused(f"a circuit to {target}", int(answer.status))
            address = Multiaddr(f"/p2p/{relay.to_base58()}{CIRCUIT}/p2p/{target.to_base58()}")
            raw = RawConnection(stream, initiator=True, connection_type=ConnectionType.RELAYED,
                                addresses=[address])
            await self.host.upgrade_outbound_connection(raw, target)
        except RelayError:
            await reset_quietly(stream)
            raise
        except (trio.TooSlowError, FrameError, EOFError, OSError) as exc:
            await reset_quietly(stream)
            raise _exchange_failed(f"circuit to {target} via {relay}", exc) from None
        except Exception as exc:  # the upgrade: Noise found another device, yamux failed
            await reset_quietly(stream)
            raise _exchange_failed(f"circuit to {target} via {relay}", exc) from exc

    async def handle_stop(self, stream: INetStream) -> None:
        """A relay brings us a connection: accept it if we hold a slot there, upgrade
        it as an inbound connection, and keep this handler (hence the stream) alive
        until that connection closes."""
        try:
            await self._stop(stream)
        except _LEFT as exc:  # the relay hung up: nobody's fault
            log.debug("stop stream from %s ended: %r", stream.muxed_conn.peer_id, exc)
            await reset_quietly(stream)

    async def _stop(self, stream: INetStream) -> None:
        relay = stream.muxed_conn.peer_id
        try:
            with trio.fail_after(HANDSHAKE_TIMEOUT):
                request = await _read_message(stream, StopMessage)
        except (RelayProtocolError, trio.TooSlowError, FrameError, *_LEFT) as exc:
            log.info("bad stop request from %s: %s", relay, exc)
            await reset_quietly(stream)
            return
        if relay not in self.reservations or _over_relay(stream):
            await _write_message(stream, _stop_status(StatusCode.PERMISSION_DENIED))
            return
        if request.type != StopMessage.CONNECT or not request.HasField("peer"):
            await _write_message(stream, _stop_status(StatusCode.UNEXPECTED_MESSAGE))
            return
        try:
            source = ID(request.peer.id)
        except Exception:
            await _write_message(stream, _stop_status(StatusCode.MALFORMED_MESSAGE))
            return
        await _write_message(stream, _stop_status(StatusCode.OK))
        address = Multiaddr(f"/p2p/{relay.to_base58()}{CIRCUIT}/p2p/{source.to_base58()}")
        raw = RawConnection(stream, initiator=False, connection_type=ConnectionType.RELAYED,
                            addresses=[address])
        try:
            muxed = await self.host.upgrade_inbound_connection(raw, address)
        except Exception as exc:
            log.info("relayed connection from %s via %s failed: %r", source, relay, exc)
            await reset_quietly(stream)
            return
        log.info("relayed connection from %s via %s", muxed.peer_id, relay)
        for conn in list(self.host.get_network().get_connections(muxed.peer_id)):
            if conn.muxed_conn is muxed:
                await conn.event_closed.wait()  # type: ignore[attr-defined]

    async def _hop_stream(self, relay: ID) -> INetStream:
        try:
            return await self.host.new_stream(relay, [TProtocol(HOP_PROTOCOL)])
        except Exception as exc:
            raise CircuitFailed(f"{relay} offers no relay: {exc}") from exc


def _bare_relay_addr(raw: bytes, relay: ID) -> str | None:
    """A relay's address from a reservation answer, without its ``/p2p/<relay>``."""
    try:
        text = str(Multiaddr(raw))
    except Exception:
        return None
    suffix = f"/p2p/{relay.to_base58()}"
    if not text.endswith(suffix) or CIRCUIT in text:
        return None
    return text[:-len(suffix)] or None
