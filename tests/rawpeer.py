"""A peer made of py-libp2p's parts, for attack tests: a TCP socket from any loopback
address, then Noise and yamux as a real host would do them, with any identity.

A whole host per identity (``open_host``) costs a swarm, a peerstore and their tasks;
an attacker with free identities does not need them. ``handshake`` gives a muxed
connection that answers at the yamux level (pings, window updates) and refuses
every stream the victim opens on it; it speaks no protocol of its own unless the
caller opens streams. Hold it open inside ``connected(...)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio
from libp2p.abc import IMuxedConn, IMuxedStream, IRawConnection
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.io.trio import TrioTCPStream
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect_client import MultiselectClient
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage
from libp2p.relay.circuit_v2.pb.circuit_pb2 import PeerId as PbPeer
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.transport.upgrader import TransportUpgrader

from p2psocial.net import relay
from p2psocial.net.host import keypair_from_seed


async def tcp_from(source: str, ip: str, port: int) -> trio.SocketStream:
    """A TCP connection to ``ip:port`` whose local address is ``source``."""
    sock = trio.socket.socket(trio.socket.AF_INET, trio.socket.SOCK_STREAM)
    try:
        await sock.bind((source, 0))
        await sock.connect((ip, port))
    except BaseException:
        sock.close()
        raise
    return trio.SocketStream(sock)


async def handshake(stream: trio.SocketStream, seed: bytes, victim: ID) -> IMuxedConn:
    """Noise (as the device with ``seed``) and yamux over ``stream``, as a dialer."""
    return await handshake_over(RawConnection(TrioTCPStream(stream), True), seed, victim)


async def handshake_over(raw: IRawConnection, seed: bytes, victim: ID) -> IMuxedConn:
    """Noise and yamux over any raw connection (a relayed stream, say), as a dialer.
    The muxer is not started: ``start()`` it in a task to use it."""
    keys = keypair_from_seed(seed)
    upgrader = TransportUpgrader(
        {TProtocol(NOISE): NoiseTransport(keys, noise_privkey=x25519_key_pair().private_key)},
        {TProtocol(YAMUX): Yamux})
    secured = await upgrader.upgrade_security(raw, True, victim)
    return await upgrader.upgrade_connection(secured, victim)


@asynccontextmanager
async def connected(source: str, ip: str, port: int, seed: bytes, victim: ID
                    ) -> AsyncIterator[IMuxedConn]:
    """A handshaken connection from ``source`` to the victim, run until the block ends
    (or the victim closes it: then ``conn.is_closed``)."""
    stream = await tcp_from(source, ip, port)
    try:
        conn = await handshake(stream, seed, victim)
    except BaseException:
        await trio.aclose_forcefully(stream)
        raise
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(conn.start)
            nursery.start_soon(_refuse_streams, conn)
            try:
                yield conn
            finally:  # no await in here: it would run cancelled and eat the exception
                nursery.cancel_scope.cancel()
    finally:  # hang up as an attacker does: no yamux GoAway, the socket closed
        await trio.aclose_forcefully(stream)


async def _refuse_streams(conn: IMuxedConn) -> None:
    try:
        while True:
            stream = await conn.accept_stream()
            await stream.reset()
    except Exception:  # the connection ended
        return


async def open_protocol(conn: IMuxedConn, protocol: str) -> IMuxedStream:
    """A stream on ``conn`` that speaks ``protocol`` (multistream-select done)."""
    stream = await conn.open_stream()
    await MultiselectClient().select_one_of([TProtocol(protocol)],
                                            MultiselectCommunicator(stream))
    return stream


async def hop(conn: IMuxedConn, request: HopMessage) -> tuple[HopMessage, IMuxedStream]:
    """One circuit relay request on a new hop stream: the relay's answer, and the
    stream (a circuit's bytes follow on it when the answer is OK)."""
    stream = await open_protocol(conn, relay.HOP_PROTOCOL)
    await relay._write_message(stream, request)  # type: ignore[arg-type]
    return await relay._read_message(stream, HopMessage), stream  # type: ignore[arg-type]


def connect_to(target: ID) -> HopMessage:
    return HopMessage(type=HopMessage.CONNECT, peer=PbPeer(id=target.to_bytes()))


RESERVE = HopMessage(type=HopMessage.RESERVE)
