"""The network service with LAN discovery (mDNS on loopback) and the blob protocol,
between real services on 127.0.0.1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from p2psocial.home import Home
from p2psocial.net import blobs
from p2psocial.net.framing import write_frame
from p2psocial.net.host import Multiaddr, open_host
from p2psocial.node import Node
from p2psocial.store.store import blob_hash
from tests.netkit import device, holds, lan_type, run, service, until

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, format="PNG")
    return buf.getvalue()


def test_two_services_find_each_other_on_the_lan_and_replicate(tmp_path: Path) -> None:
    async def scenario() -> None:
        kind = lan_type()
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(bob.account_id)
            await bob.posts.follow(alice.account_id)
            first = await alice.posts.post("hello, LAN")
            assert await alice.replication.peers() == [] and await bob.replication.peers() == []
            async with service(alice, lan=True, lan_service_type=kind) as sa, \
                    service(bob, lan=True, lan_service_type=kind) as sb:
                await sa.wait_until(lambda: device(bob) in sa.nearby())
                await sb.wait_until(lambda: device(alice) in sb.nearby())
                await until(bob, lambda: holds(bob, first.id))
                await sb.wait_until(lambda: device(alice) in sb.connected())
                await sa.wait_until(lambda: device(bob) in sa.connected())
                seen_a, seen_b = sb.peer(device(alice)), sa.peer(device(bob))
                assert seen_a is not None and seen_b is not None
                assert seen_a.nearby and seen_b.nearby
                assert [p.nearby for p in sb.peers()] == [True]
                # whoever dialed knew the other from mDNS (the other may have heard
                # the inbound session first: an existing peer keeps its source)
                assert "mdns" in (seen_a.source, seen_b.source)
            for node, other in ((alice, bob), (bob, alice)):
                record = await node.replication.peer(device(other))
                assert record is not None and record.addrs

    run(scenario)


def test_a_blob_is_fetched_from_a_connected_peer(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            post = await alice.posts.post("a picture", images_data=[png()])
            [digest] = await alice._run(alice.store.blob_hashes)
            original = await alice.replication.blob(digest)
            assert original is not None and blob_hash(original) == digest
            # on demand only: bob's background fetcher (blob_fetcher.py) would race it
            async with service(alice) as sa, service(bob, fetch_blobs=False) as sb:
                await sb.connect(device(alice), sa.listen_addrs)
                await until(bob, lambda: holds(bob, post.id))
                assert await bob.replication.blob(digest) is None
                assert await sb.fetch_blob(digest) == original
                assert await bob.replication.blob(digest) == original  # stored with the node
                with pytest.raises(blobs.BlobUnavailable):
                    await sb.fetch_blob(blob_hash(b"nobody has this"))
                assert sb.peer(device(alice)).standing >= 0  # type: ignore[union-attr]

    run(scenario)


def test_a_bad_blob_request_lowers_standing(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "m"), "Mallory") as mallory:
            assert mallory.identity is not None
            async with service(alice) as sa, open_host(mallory.identity.device.seed) as hm:
                assert sa._host is not None
                stream = await hm.open_stream(sa._host.peer_id,
                                              [Multiaddr(sa.listen_addrs[0])],
                                              blobs.PROTOCOL_ID)
                await write_frame(stream, b"\xc1 not a request")

                def standing() -> int:
                    state = sa.peer(device(mallory))
                    return 0 if state is None else state.standing

                await sa.wait_until(lambda: standing() < 0)
                await stream.reset()

    run(scenario)
