"""Open LAN communities between real network services on 127.0.0.1, found by mDNS on
loopback (a DNS-SD type per test), and the community protocol's frames alone."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from p2psocial import codec, invite
from p2psocial.home import Home
from p2psocial.net import community
from p2psocial.net.community import CommunityProtocolError
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Multiaddr, open_host, peer_id_from_device_id
from p2psocial.net.neighbourhood import NearbyCommunity
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from p2psocial.runtime import join
from p2psocial.store.communities import CommunityInfo
from tests.netkit import device, run, service, until
from tests.test_net_service_lan import lan_type


async def texts(node: Node, cid: bytes) -> list[str]:
    await node.scan_private()
    try:
        page = await node.group_messages(cid)
    except Exception:
        return []
    return [m.text for m in reversed(page.items)]


async def offered_on_lan(service: NetworkService, cid: bytes) -> NearbyCommunity:
    """Ask the LAN until a neighbour offers ``cid``. Neighbours are strangers (their
    announcements name nobody: lan_identity.py) until asked, and one lists its
    communities only once it heard our own announcement: mDNS has its own pace."""
    while True:
        found = [c for c in await service.nearby_communities(max_age=0) if c.id == cid]
        if found:
            return found[0]
        await trio.sleep(0.1)


async def roster(node: Node, cid: bytes) -> set[bytes]:
    return {m for i in await node.communities() if i.id == cid for m in i.members}


def test_join_a_community_on_the_lan_and_talk_without_following(tmp_path: Path) -> None:
    async def scenario() -> None:
        kind = lan_type()
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid = await alice.create_community("Village hall")
            await alice.group_post(cid, "Welcome, neighbours")
            async with service(alice, lan=True, lan_service_type=kind) as sa, \
                    service(bob, lan=True, lan_service_type=kind) as sb:
                offered = await offered_on_lan(sb, cid)
                assert device(alice) in sb.nearby() and device(bob) in sa.nearby()
                assert (offered.id, offered.name, offered.creator) == (
                    cid, "Village hall", alice.account_id)
                assert offered.members == 1 and not offered.joined
                assert offered.devices == (device(alice),)

                info = await sb.join_community(cid)
                assert info.name == "Village hall"
                # the member Bob asked learns of him at once: each replicates the other
                assert bob.account_id in await roster(alice, cid)
                await until(bob, lambda: _has(texts(bob, cid), "Welcome, neighbours"))
                await bob.group_post(cid, "Thanks! Bread on Saturday?")
                await until(alice, lambda: _has(texts(alice, cid), "Thanks! Bread on Saturday?"))
                assert await alice.following() == [] and await bob.following() == []
                [again] = await sb.nearby_communities(max_age=0)
                assert again.joined and again.members == 2

    run(scenario, timeout=60)


def test_an_always_on_member_carries_posts_while_the_author_is_away(tmp_path: Path) -> None:
    """Alice, Bob and a headless member (Hub) are in one community. Alice posts and
    closes her laptop; Bob comes online later and reads it from Hub."""
    async def scenario() -> None:
        kind = lan_type()
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "h"), "Hub") as hub:
            cid = await hub.create_community("Allotments")
            async with service(hub, lan=True, lan_service_type=kind):
                for node in (alice, bob):
                    async with service(node, lan=True, lan_service_type=kind) as sn:
                        await offered_on_lan(sn, cid)
                        await sn.join_community(cid)
                assert {alice.account_id, bob.account_id} <= await roster(hub, cid)
                async with service(alice, lan=True, lan_service_type=kind) as sa:
                    await sa.wait_until(lambda: device(hub) in sa.connected())
                    post = await alice.group_post(cid, "Spare tomato plants at plot 4")
                    await until(hub, lambda: _holds(hub, post.id))
                # Alice is gone; Bob never met her, but Hub told him she is a member
                assert alice.account_id in await roster(bob, cid)
                async with service(bob, lan=True, lan_service_type=kind) as sb:
                    await sb.wait_until(lambda: device(hub) in sb.connected())
                    await until(bob, lambda: _has(texts(bob, cid),
                                                  "Spare tomato plants at plot 4"))
                    assert device(alice) not in sb.connected()

    run(scenario, timeout=90)


def test_an_invite_carries_a_community_beyond_the_lan(tmp_path: Path) -> None:
    """No mDNS at all: Alice's invite holds her community; Bob joins it with the code,
    and his first session tells her he is a member, so she replicates him."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid = await alice.create_community("Reading group")
            [info] = await alice.communities()
            async with service(alice) as sa, service(bob) as sb:
                code = invite.encode(invite.make(device(alice), alice.account_id,
                                                 sa.listen_addrs, info.value))
                joined = await join(bob, sb, code)
                assert (joined.community, joined.community_name) == (cid, "Reading group")
                await bob.group_post(cid, "Chapter three tonight?")
                await until(alice, lambda: _has(texts(alice, cid), "Chapter three tonight?"))
                assert await alice.following() == []  # she learnt of him from the roster

    run(scenario)


def test_only_lan_neighbours_get_a_listing_or_a_key(tmp_path: Path) -> None:
    """A peer that reached us otherwise (an invite, a relay) is not on the LAN: it gets
    an empty listing and no key. A broken frame costs standing."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.create_community("Book club")
            assert carol.identity is not None
            async with service(alice) as sa, \
                    open_host(carol.identity.device.seed, 0) as hc:
                async def ask() -> community.Stream:
                    return await hc.open_stream(peer_id_from_device_id(device(alice)),
                                                [Multiaddr(sa.listen_addrs[0])],
                                                community.PROTOCOL_ID)

                assert await community.ask_listing(await ask()) == []
                assert await community.ask_key(await ask(), cid) is None
                stream = await ask()
                await write_frame(stream, codec.encode(("nonsense", 1)))
                assert await read_frame(stream, 1024) is None
                await sa.wait_until(lambda: (p := sa.peer(device(carol))) is not None
                                    and p.standing < 0)

    run(scenario)


def _holds(node: Node, entry_id: bytes):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return await node._run(node.store.get_entry, entry_id) is not None
    return check()


async def _has(found, text: str) -> bool:  # type: ignore[no-untyped-def]
    return text in await found


# --- frames alone -------------------------------------------------------------------------


def info(cid: bytes = b"c" * 32, key: bytes = b"k" * 32) -> CommunityInfo:
    return CommunityInfo(cid, b"s" * 32, b"a" * 32, "Choir", key, (b"a" * 32, b"b" * 32))


def test_a_roster_box_opens_only_for_its_community_and_its_two_devices() -> None:
    me, peer, other = b"1" * 32, b"2" * 32, b"3" * 32
    box = community.seal_roster(info(), me, peer)
    assert community.open_rosters([box], [info()], me, peer) == {b"c" * 32: info().members}
    # a member of another community learns nothing, and is not offended
    assert community.open_rosters([box], [info(b"d" * 32, b"j" * 32)], me, peer) == {}
    with pytest.raises(CommunityProtocolError, match="other devices"):
        community.open_rosters([box], [info()], me, other)  # replayed to someone else
    flipped = bytearray(box)
    flipped[-1] ^= 1
    assert community.open_rosters([bytes(flipped)], [info()], me, peer) == {}


def test_frames_are_checked() -> None:
    assert community.decode_listing(community.encode_listing([info()])) == [
        community.Listed(b"c" * 32, "Choir", b"a" * 32, 2)]
    for bad in (codec.encode(("listed", ((b"x", "Choir", b"a" * 32, 2),))),
                codec.encode(("listed", ((b"c" * 32, "", b"a" * 32, 2),))),
                codec.encode(("listed", ((b"c" * 32, "Choir", b"a" * 32, -1),))),
                codec.encode(("key",)), b"\xc1", codec.encode(("rosters", (1,)))):
        with pytest.raises(CommunityProtocolError):
            community.decode_listing(bad)
    # a key whose id is not the hash of its creator and salt is refused
    with pytest.raises(CommunityProtocolError, match="does not check"):
        community.decode_key(community.encode_key(info()), b"c" * 32)
    assert community.decode_key(community.encode_key(None), b"c" * 32) is None


@pytest.fixture(autouse=True)
def _quiet_libp2p_logs() -> None:
    logging.getLogger("libp2p").setLevel(logging.CRITICAL)
