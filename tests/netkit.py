"""What the network tests share: services with fast backoff, waiting for what a node
stores (re-checked on each of its events, never polled), echo hosts, two linked
services, in-memory streams and a LAN of loopback with a DNS-SD type of the test's own.
The bounded Trio run is tests/waitkit.py's ``run``, taken from here by the net tests."""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
import trio.testing
from zeroconf import DNSQuestionType, IPVersion, ServiceInfo, Zeroconf

from p2psocial.net.addressbook import Backoff
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.gossip_rules import topic_of
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from tests.waitkit import run

__all__ = ["run"]  # the bounded run, where the net tests have always found it

FAST = Backoff(base=0.05, cap=0.5)


def service(node: Node, **kw: object) -> NetworkService:
    return NetworkService(node.replication, backoff=FAST, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def device(node: Node) -> bytes:
    assert node.identity is not None
    return node.identity.device_id


async def until(node: Node, condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``condition()`` holds, re-checking whenever the node stores entries."""
    with node.subscribe() as events:
        while not await condition():
            await events.receive()


async def carry(src: Node, dst: Node) -> None:
    """What ``src`` wrote (its own device's log) reaches ``dst``, through the verified
    ingest, as if they had met before the test's story."""
    await dst.replication.ingest(await src.replication.log_entries(device(src), 0, 10_000))


async def holds(node: Node, entry_id: bytes) -> bool:
    return await node._run(node.store.get_entry, entry_id) is not None


async def has_seq(node: Node, log_device: bytes, seq: int) -> bool:
    """Whether ``node`` holds ``log_device``'s log up to ``seq`` at least."""
    return any(d == log_device and s >= seq for d, _, s in await node.replication.logs())


async def head(node: Node, log_device: bytes) -> int:
    return dict((d, s) for d, _, s in await node.replication.logs()).get(log_device, 0)


async def head_is(node: Node, log_device: bytes, seq: int) -> bool:
    return await head(node, log_device) >= seq


# --- two services with a session, and gossip between them ------------------------------


async def meshed(sa: NetworkService, sb: NetworkService, account: bytes) -> None:
    """Both gossip routers have the other in their mesh for ``account``'s topic."""
    assert sa.gossip is not None and sb.gossip is not None
    await sa.gossip.wait_for_mesh(sb.device_id, topic_of(account))
    await sb.gossip.wait_for_mesh(sa.device_id, topic_of(account))


@asynccontextmanager
async def linked(a: Node, b: Node, **kw: object) -> AsyncIterator[tuple[NetworkService,
                                                                       NetworkService]]:
    """Services of ``a`` and ``b`` (b dials a), with a session between them."""
    async with service(a, **kw) as sa, service(b, **kw) as sb:
        await sb.connect(device(a), sa.listen_addrs)
        await sb.wait_until(lambda: device(a) in sb.connected())
        await sa.wait_until(lambda: device(b) in sa.connected())
        if b.account_id in await a.replication.wanted_accounts(1):  # the opening exchange is over
            held = await head(b, device(b))
            await until(a, lambda: head_is(a, device(b), held))
        if a.account_id in await b.replication.wanted_accounts(1):
            held = await head(a, device(a))
            await until(b, lambda: head_is(b, device(a), held))
        yield sa, sb


# --- bare hosts: an echo protocol ------------------------------------------------------

PROTO = "/p2psocial/test/1.0.0"
ECHO = "/p2psocial/test-echo/1.0.0"
CAP = 1 << 20


def seed(n: int) -> bytes:
    return bytes([n]) * 32


async def echo(stream: Any) -> None:
    """Send every frame back, until the other end closes."""
    while (frame := await read_frame(stream, CAP)) is not None:
        await write_frame(stream, frame)


async def round_trip(a: Any, b: Any, addrs: list[str], payload: bytes) -> bytes | None:
    """``payload`` from host ``a`` to host ``b``'s ``ECHO`` at ``addrs`` and back."""
    from p2psocial.net.host import Multiaddr

    stream = await a.open_stream(b.peer_id, [Multiaddr(x) for x in addrs], ECHO)
    await write_frame(stream, payload)
    reply = await read_frame(stream, CAP)
    await stream.close()
    return reply


class Pipe:
    """One end of an in-memory byte stream, with a libp2p stream's methods."""

    def __init__(self, stream: trio.StapledStream) -> None:
        self.stream = stream

    async def read(self, n: int | None = None) -> bytes:
        return await self.stream.receive_some(n)

    async def write(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def close(self) -> None:
        await self.stream.send_stream.aclose()

    async def reset(self) -> None:
        await self.stream.aclose()


def pipe_pair() -> tuple[Pipe, Pipe]:
    a, b = trio.testing.memory_stream_pair()
    return Pipe(a), Pipe(b)


# --- the LAN: loopback, under a DNS-SD type of the test's own ------------------------------

LOOPBACK = ["127.0.0.1"]


def lan_type() -> str:
    """A DNS-SD type of this test's own: parallel runs must not meet each other."""
    return f"_p2pt-{secrets.token_hex(4)}._udp.local."


def as_stranger(kind: str, name: str) -> ServiceInfo:
    """Resolve ``name`` with a zeroconf of our own on loopback."""
    zc = Zeroconf(interfaces=LOOPBACK, ip_version=IPVersion.V4Only)
    try:
        info = ServiceInfo(kind, name)
        assert info.request(zc, 3000, question_type=DNSQuestionType.QM), name
        return info
    finally:
        zc.close()


def everything(info: ServiceInfo) -> bytes:
    """All a record says: its names and every TXT entry."""
    props = info.properties or {}
    return b" ".join([info.name.encode(), (info.server or "").encode(),
                      *(k + b"=" + (v or b"") for k, v in props.items())])
