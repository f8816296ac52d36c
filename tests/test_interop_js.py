"""p2psocial against js-libp2p, an independent libp2p implementation, on 127.0.0.1.

The js peer is interop/peer.mjs (exact versions pinned in interop/package-lock.json),
driven over JSON lines. In both directions: the connection (Noise, yamux), identify,
ping, and GossipSub: what a p2psocial node publishes is accepted by js-libp2p in its
StrictSign mode, and what js-libp2p publishes (a run of real entries) is accepted and
stored by p2psocial.

``make interop`` installs the js side (npm ci) and runs this file; without node or
without interop/node_modules the tests skip (``make test`` never downloads from npm).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from helpers import make_entry, make_identity, make_log
from libp2p.host.ping import PingService
from libp2p.peer.id import ID
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pubsub import Pubsub
from libp2p.tools.anyio_service import background_trio_service
from netkit import holds, run, service, until

from p2psocial import content as c
from p2psocial.home import Home
from p2psocial.net.gossip import PROTOCOL_ID
from p2psocial.net.gossip_rules import decode_run, encode_run, topic_of
from p2psocial.net.gossip_sign import signed_message
from p2psocial.net.host import (
    Host,
    Multiaddr,
    device_id_from_peer_id,
    open_host,
    peer_id_from_device_id,
)
from p2psocial.node import Node
from tests.waitkit import eventually

INTEROP = Path(__file__).resolve().parents[1] / "interop"
NODE = shutil.which("node")
READY = (INTEROP / "node_modules" / "libp2p").is_dir()
REQUIRED = os.environ.get("P2PSOCIAL_INTEROP") == "required"  # set by `make interop`
if REQUIRED and (NODE is None or not READY):
    raise RuntimeError("make interop: node or interop/node_modules is missing")
pytestmark = pytest.mark.skipif(
    NODE is None or not READY,
    reason="js-libp2p interop needs node and `make interop` (npm ci in interop/)")
PING = "/ipfs/ping/1.0.0"
IDENTIFY = "/ipfs/id/1.0.0"
TIMEOUT = 60  # the js peer starts in ~1 s; a run takes a few seconds


class JsPeer:
    """The js-libp2p process: ``command`` sends one and returns its reply; ``event``
    returns the first event of a kind whose fields match (events that arrive while
    waiting for something else are kept)."""

    def __init__(self, process: trio.Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        self._stdin = process.stdin
        self._stdout = process.stdout
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        self.peer = ""
        self.addrs: list[str] = []

    async def start(self) -> None:
        hello = await self.event("listening")
        self.peer, self.addrs = hello["peer"], hello["addrs"]

    @property
    def peer_id(self) -> ID:
        return ID.from_base58(self.peer)

    async def command(self, cmd: str, **args: Any) -> dict[str, Any]:
        self._next_id += 1
        request = {"id": self._next_id, "cmd": cmd, **args}
        await self._stdin.send_all(json.dumps(request).encode() + b"\n")
        while True:
            line = await self._line()
            if line.get("id") == self._next_id:
                if "error" in line:
                    raise AssertionError(f"js peer: {cmd} failed: {line['error']}")
                return line
            self._events.append(line)

    async def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        def matches(e: dict[str, Any]) -> bool:
            return e.get("event") == kind and all(e.get(k) == v for k, v in fields.items())

        for e in self._events:
            if matches(e):
                self._events.remove(e)
                return e
        while True:
            line = await self._line()
            if matches(line):
                return line
            self._events.append(line)

    async def _line(self) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            chunk = await self._stdout.receive_some(65536)
            if not chunk:
                raise AssertionError("the js peer exited (its stderr is in the test log)")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        parsed: dict[str, Any] = json.loads(line)
        return parsed


@asynccontextmanager
async def js_peer() -> AsyncIterator[JsPeer]:
    assert NODE is not None
    process = await trio.lowlevel.open_process(
        [NODE, "peer.mjs"], cwd=INTEROP, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "NODE_NO_WARNINGS": "1"})
    try:
        peer = JsPeer(process)
        await peer.start()
        yield peer
    finally:
        with trio.move_on_after(5) as stopping:
            stopping.shield = True
            assert process.stdin is not None
            await process.stdin.aclose()  # the peer stops itself on end of input
            await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()


def protocols_of(host: Host, peer: ID) -> list[str]:
    try:
        return [str(p) for p in host.libp2p_host.get_peerstore().get_protocols(peer)]
    except Exception:  # not identified yet: py-libp2p raises PeerStoreError
        return []


async def identified_and_pinged(host: Host, js: JsPeer, ours: str) -> None:
    """Each side identified the other and pings it."""
    seen = await js.event("identify", peer=ours)  # js identified us
    assert {PING, IDENTIFY, PROTOCOL_ID} <= set(seen["protocols"]), seen
    assert seen["agentVersion"].startswith("py-libp2p"), seen
    assert (await js.command("ping", peer=ours))["rtt"] >= 0
    await eventually(lambda: PING in protocols_of(host, js.peer_id))  # we identified js
    assert "/meshsub/1.1.0" in protocols_of(host, js.peer_id)
    rtts = await PingService(host.libp2p_host).ping(js.peer_id, ping_amt=2)
    assert len(rtts) == 2


def test_connect_identify_and_ping_in_both_directions(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            async with service(alice) as sa:
                host = sa._host
                assert host is not None
                ours = peer_id_from_device_id(sa.device_id).to_base58()
                async with js_peer() as js:  # js dials us
                    dialed = await js.command("dial", addr=f"{sa.listen_addrs[0]}/p2p/{ours}")
                    assert dialed["peer"] == ours
                    assert (dialed["encryption"], dialed["multiplexer"]) == (
                        "/noise", "/yamux/1.0.0")
                    await identified_and_pinged(host, js, ours)
                async with js_peer() as js:  # we dial js
                    await host.connect(js.peer_id, [Multiaddr(a) for a in js.addrs])
                    await js.event("connect", peer=ours)
                    conn = await js.command("connection", peer=ours)
                    assert (conn["encryption"], conn["multiplexer"], conn["direction"]) == (
                        "/noise", "/yamux/1.0.0", "inbound")
                    await identified_and_pinged(host, js, ours)

    run(scenario, timeout=TIMEOUT)


def test_gossipsub_messages_are_accepted_in_both_directions(tmp_path: Path) -> None:
    author = make_identity(4)  # someone Bob follows, whose next entry js will publish
    log = make_log(author, 5)
    later = make_entry(author, log[-1], c.Post("carried by js-libp2p"), log[-1].timestamp + 1)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.replication.ingest(log)
            await bob.posts.follow(author.account_id)
            async with service(bob, live_sync=False) as sb, js_peer() as js:
                assert sb.gossip is not None
                gossip = sb.gossip
                ours = peer_id_from_device_id(sb.device_id).to_base58()
                own_topic, author_topic = topic_of(bob.account_id), topic_of(author.account_id)
                for topic in (own_topic, author_topic):
                    await js.command("subscribe", topic=topic)
                await js.command("dial", addr=f"{sb.listen_addrs[0]}/p2p/{ours}")
                js_device = device_id_from_peer_id(js.peer_id)

                # p2psocial -> js: a post, signed by Bob's device key, accepted by js
                await gossip.wait_for_mesh(js_device, own_topic)
                post = await bob.posts.post("hello js-libp2p")
                got = await js.event("message", topic=own_topic)
                assert got["signed"] and got["from"] == ours and got["via"] == ours
                entries = decode_run(bytes.fromhex(got["data"]))
                assert [e.id for e in entries] == [post.id]
                assert gossip.stats.published == 1
                # both sides name it `from + seqno`: the ids our IHAVEs announce
                # (py-libp2p's message cache) are the ones js-libp2p dedups by
                msg_id = base64.b64decode(got["msgId"] + "=" * (-len(got["msgId"]) % 4))
                from_id = peer_id_from_device_id(sb.device_id).to_bytes()
                assert msg_id == from_id + int(got["seqno"]).to_bytes(8, "big")
                assert gossip._router is not None
                assert gossip._router.mcache.get(msg_id) is not None

                # js -> p2psocial: a run of real entries, signed by the js peer's key
                await js.command("subscribed", topic=author_topic, peer=ours)
                data, _ = encode_run([(later.raw, later.body)])
                sent = await js.command("publish", topic=author_topic, data=data.hex())
                assert ours in sent["recipients"]
                await until(bob, lambda: holds(bob, later.id))
                assert (gossip.stats.accepted, gossip.stats.added) == (1, 1)
                assert (gossip.stats.rejected, gossip.stats.unsigned) == (0, 0)
                standing = sb.peer(js_device)
                assert standing is None or standing.standing >= 0
                assert (await js.command("score", peer=ours))["score"] >= 0  # no penalty

    run(scenario, timeout=TIMEOUT)


def test_js_libp2p_drops_the_unsigned_messages_of_older_nodes() -> None:
    """Why the wire format changed: the unsigned `from + seqno` form p2psocial sent
    before issue 13 is refused by js-libp2p; a signed message right behind it on the
    same stream arrives."""
    async def scenario() -> None:
        async with js_peer() as js, open_host(os.urandom(32), 0) as host:
            router = GossipSub(protocols=[PROTOCOL_ID], degree=6, degree_low=4,
                               degree_high=12, heartbeat_interval=5)
            old = Pubsub(host.libp2p_host, router, strict_signing=False)  # as before
            async with background_trio_service(old), background_trio_service(router):
                await old.wait_until_ready()
                await js.command("subscribe", topic="t")
                await host.connect(js.peer_id, [Multiaddr(a) for a in js.addrs])
                await old.subscribe("t")
                await old.wait_for_mesh(js.peer_id, "t", timeout=20)
                await old.publish("t", b"unsigned")
                signed = signed_message(host.libp2p_host.get_private_key().sign,
                                        host.peer_id.to_bytes(), 1, "t", b"signed")
                await Pubsub.push_msg(old, old.my_id, signed)  # goes out unchecked
                got = await js.event("message", topic="t")
                assert bytes.fromhex(got["data"]) == b"signed"
                assert not [e for e in js._events if e.get("event") == "message"]

    run(scenario, timeout=TIMEOUT)
