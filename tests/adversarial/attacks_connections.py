"""Attacks on a node's connections (issue 12, finding 3): sockets that never
handshake, and handshaken connections from fresh identities, idle or holding a
sync session open; and on the relay it offers (finding 6): strangers asking for
slots again and again, and circuits opened by fresh identities to fill the relay.

On loopback every honest peer is 127.0.0.1. The attackers here connect *from*
other loopback addresses (127.0.0.0/8 is all loopback on Linux: a socket bound to
127.1.2.3 before it connects arrives from 127.1.2.3), so the victim sees them in
subnets of their own, as it would see strangers on the internet.

Each attack is an object whose call is an ``Attack`` (arena.py): it runs until it is
cancelled and counts in ``stats`` what the victim sent it; its own attributes say
what it holds right now, so a test can wait until the attack is in full swing.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trio
from arena import Arena, AttackStats
from libp2p.abc import IMuxedConn
from libp2p.connection_types import ConnectionType
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from netkit import device, service
from rawpeer import RESERVE, connect_to, connected, handshake_over, hop, open_protocol

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.net import messages, relay
from p2psocial.net.framing import write_frame
from p2psocial.net.host import peer_id_from_device_id
from p2psocial.net.opening import explicit
from p2psocial.node import Node

PAUSE = 0.01  # seconds before a socket the victim closed is opened again


def sources(subnets: int, per_subnet: int, *, first: int = 1) -> list[str]:
    """Loopback addresses outside 127.0.0.0/24: ``subnets`` /24s of
    ``per_subnet`` addresses each (127.{first}.0.1, 127.{first}.0.2, ...)."""
    return [f"127.{first + n // 256}.{n % 256}.{host}"
            for n in range(subnets) for host in range(1, per_subnet + 1)]


def victim_port(place: Arena) -> int:
    return int(place.victim.addrs[0].rsplit("/", 1)[1])


async def open_from(source: str, port: int, target: str = "127.0.0.1") -> trio.socket.SocketType:
    """A TCP connection to ``target:port`` from the loopback address ``source``."""
    sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
    try:
        await sock.bind((source, 0))
        await sock.connect((target, port))
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class NeverHandshake:
    """Keep ``sockets`` TCP connections open to the victim, spread over ``addresses``,
    and never say a word on them: each waits for the victim to close it and is then
    opened again (what an attacker does to hold every slot for connections still
    handshaking). ``open_now``: sockets connected and not closed by the victim yet;
    ``closed``: how many the victim closed so far."""

    addresses: Sequence[str]
    sockets: int
    open_now: int = 0
    closed: int = 0

    async def __call__(self, place: Arena, stats: AttackStats) -> None:
        port = victim_port(place)
        async with trio.open_nursery() as nursery:
            for n in range(self.sockets):
                nursery.start_soon(self._hold, self.addresses[n % len(self.addresses)],
                                   port, stats)
                if n % 32 == 31:
                    await trio.lowlevel.checkpoint()

    async def _hold(self, source: str, port: int, stats: AttackStats) -> None:
        while True:
            try:
                sock = await open_from(source, port)
            except OSError:
                await trio.sleep(PAUSE)
                continue
            self.open_now += 1
            try:
                while data := await sock.recv(4096):  # the victim may speak first
                    stats.received += len(data)
            except OSError:
                pass
            finally:
                self.open_now -= 1
                self.closed += 1
                sock.close()
            await trio.sleep(PAUSE)


_seeds = itertools.count(1 << 40)


@dataclass
class FreshIdentities:
    """Keep ``connections`` handshaken connections open to the victim, each from a
    new identity (a fresh seed: identities are free), spread over ``addresses``; with
    ``sync``, each also opens a sync session that asks for the victim's followed
    accounts and never says it caught up (so the victim pushes it every new entry).
    With ``refresh``, a connection the victim closes is replaced by a new identity.
    ``open_now``: connections open; ``opened`` / ``closed``: so far."""

    addresses: Sequence[str]
    connections: int
    sync: bool = False
    refresh: bool = True
    open_now: int = 0
    opened: int = 0
    closed: int = 0

    async def __call__(self, place: Arena, stats: AttackStats) -> None:
        port = victim_port(place)
        wants = (place.writer.account_id,)
        async with trio.open_nursery() as nursery:
            for n in range(self.connections):
                nursery.start_soon(self._hold, self.addresses[n % len(self.addresses)],
                                   port, place, wants, stats)
                await trio.lowlevel.checkpoint()

    async def _hold(self, source: str, port: int, place: Arena, wants: tuple[bytes, ...],
                    stats: AttackStats) -> None:
        held = False
        while self.refresh or not held:
            seed = next(_seeds).to_bytes(32, "big")
            try:
                async with connected(source, "127.0.0.1", port, seed,
                                     place.victim.peer_id) as conn:
                    held = True
                    stats.identities += 1
                    self.opened += 1
                    self.open_now += 1
                    try:
                        if self.sync:
                            await _sync_forever(conn, wants, stats)
                        else:
                            await _until_closed(conn)
                    finally:
                        self.open_now -= 1
                        self.closed += 1
            except Exception:  # refused (the victim's limits), reset, closed by the victim
                pass
            await trio.sleep(PAUSE)


async def _until_closed(conn: IMuxedConn) -> None:
    while not conn.is_closed:  # noqa: ASYNC110 - yamux has an event, not public
        await trio.sleep(0.2)


async def _sync_forever(conn: IMuxedConn, wants: tuple[bytes, ...], stats: AttackStats) -> None:
    """Open a sync session, ask for ``wants``, read what comes, never catch up."""
    stream = await open_protocol(conn, messages.PROTOCOL_ID)
    for frame in (messages.encode(messages.Hello(messages.VERSION)), *explicit(wants=wants)):
        await write_frame(stream, frame)
        stats.sent += len(frame) + 4
    while True:
        data = await stream.read(65536)
        if not data:
            return
        stats.received += len(data)


@dataclass
class AskForSlots:
    """Strangers (fresh identities, one per address) asking the victim's relay for a
    slot again and again on one connection each, until the victim hangs up; then a
    new identity takes over. ``answers``: refusals each identity got before it was
    cut off; ``cut_off``: identities the victim hung up on."""

    addresses: Sequence[str]
    answers: list[int] = field(default_factory=list)
    cut_off: int = 0

    async def __call__(self, place: Arena, stats: AttackStats) -> None:
        port = victim_port(place)
        async with trio.open_nursery() as nursery:
            for source in self.addresses:
                nursery.start_soon(self._ask, source, port, place, stats)

    async def _ask(self, source: str, port: int, place: Arena, stats: AttackStats) -> None:
        while True:
            seed = next(_seeds).to_bytes(32, "big")
            asked = 0
            try:
                async with connected(source, "127.0.0.1", port, seed,
                                     place.victim.peer_id) as conn:
                    stats.identities += 1
                    while True:
                        answer, stream = await hop(conn, RESERVE)
                        await stream.close()
                        stats.received += answer.ByteSize()
                        asked += 1
            except Exception:  # the victim hung up (or refused the connection)
                pass
            if asked:
                self.answers.append(asked)
                self.cut_off += 1
            await trio.sleep(PAUSE)


@dataclass
class FillCircuits:
    """Fresh identities, one per address, opening circuits through the victim's
    relay to a device that holds a slot there, doing Noise with it and holding
    them; a circuit that ends is opened again, an identity the victim cuts off is
    replaced. Without ``target`` it sets one up: a new account that the victim
    follows, which does not listen and holds a slot at the victim.
    ``ready`` is set once the target holds its slot; ``held``: circuits held now;
    ``statuses``: the relay's answers so far."""

    addresses: Sequence[str]
    target: ID | None = None
    circuit_addr: str = ""
    ready: trio.Event = field(default_factory=trio.Event)
    held: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    async def __call__(self, place: Arena, stats: AttackStats) -> None:
        if self.target is not None:
            return await self._flood(place, stats)
        with tempfile.TemporaryDirectory() as tmp, \
                Node.init(Home(Path(tmp) / "target"), "Target") as target:
            await place.victim.cli("follow", ids.encode(ids.ACCOUNT, target.account_id))
            await target.replication.add_peer(place.victim.device, place.victim.addrs, "invite")
            async with service(target, port=None) as net:
                await net.wait_until(lambda: any(map(relay.is_circuit, net.listen_addrs)))
                self.target = peer_id_from_device_id(device(target))
                self.circuit_addr = next(a for a in net.listen_addrs if relay.is_circuit(a))
                await self._flood(place, stats)

    async def _flood(self, place: Arena, stats: AttackStats) -> None:
        self.ready.set()
        port = victim_port(place)
        async with trio.open_nursery() as nursery:
            for source in self.addresses:
                nursery.start_soon(self._open, source, port, place, stats)

    async def _open(self, source: str, port: int, place: Arena, stats: AttackStats) -> None:
        assert self.target is not None
        while True:
            seed = next(_seeds).to_bytes(32, "big")
            try:
                async with connected(source, "127.0.0.1", port, seed,
                                     place.victim.peer_id) as conn:
                    stats.identities += 1
                    while not conn.is_closed:
                        await self._hold_one(conn, seed)
            except Exception:  # cut off by the victim, or refused
                pass
            await trio.sleep(PAUSE)

    async def _hold_one(self, conn: IMuxedConn, seed: bytes) -> None:
        assert self.target is not None
        answer, stream = await hop(conn, connect_to(self.target))
        self.statuses[answer.status] += 1
        if answer.status != relay.StatusCode.OK:
            await stream.reset()
            await trio.sleep(0.1)
            return
        raw = RawConnection(stream, initiator=True,  # type: ignore[arg-type]
                            connection_type=ConnectionType.RELAYED)
        try:
            muxed = await handshake_over(raw, seed, self.target)
        except Exception:
            await stream.reset()
            return
        self.held += 1
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(muxed.start)
                await _until_closed(muxed)
                nursery.cancel_scope.cancel()
        finally:
            self.held -= 1


ONE_ADDRESS = ["127.1.0.1"]  # a single address nobody else uses
MANY_SUBNETS = sources(40, 8, first=2)  # 320 addresses in 40 /24s

FEW_SUBNETS = sources(8, 16, first=60)  # 128 addresses in 8 /24s
TWO_SUBNETS = sources(2, 6, first=90)  # 12 addresses in 2 /24s

ATTACKS = {
    "sockets-one-address": NeverHandshake(ONE_ADDRESS, 300),
    "sockets-many-subnets": NeverHandshake(MANY_SUBNETS, 300),
    "fresh-identities": FreshIdentities(FEW_SUBNETS, 120),
    "fresh-identities-syncing": FreshIdentities(FEW_SUBNETS, 120, sync=True),
    "relay-slots": AskForSlots(TWO_SUBNETS),
    "relay-circuits": FillCircuits(TWO_SUBNETS),
}

__all__ = ["ATTACKS", "AskForSlots", "FillCircuits", "FreshIdentities", "NeverHandshake",
           "open_from", "sources", "victim_port"]
