"""Open LAN communities between real network services on 127.0.0.1, found by mDNS on
loopback (a DNS-SD type per test), and the community protocol's frames alone."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from pathlib import Path

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st
from libp2p.network.stream.exceptions import StreamError

from p2psocial import codec, invite, private, roster
from p2psocial.home import Home
from p2psocial.net import community, neighbourhood
from p2psocial.net.community import CommunityProtocolError
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import Multiaddr, StreamOpenFailed, open_host, peer_id_from_device_id
from p2psocial.net.neighbourhood import NearbyCommunity
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from p2psocial.roster import Join
from p2psocial.runtime import join
from p2psocial.store.communities import CommunityInfo
from tests.helpers import make_joins, shared_community
from tests.netkit import Pipe, device, lan_type, pipe_pair, run, service, until

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py


async def texts(node: Node, cid: bytes) -> list[str]:
    await node.messages.scan()
    try:
        page = await node.groups.messages(cid)
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


async def members_of(node: Node, cid: bytes) -> set[bytes]:
    return {m for i in await node.communities.list() if i.id == cid for m in i.members}


def test_join_a_community_on_the_lan_and_talk_without_following(tmp_path: Path) -> None:
    async def scenario() -> None:
        kind = lan_type()
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid = await alice.communities.create("Village hall")
            await alice.groups.post(cid, "Welcome, neighbours")
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
                assert bob.account_id in await members_of(alice, cid)
                await until(bob, lambda: _has(texts(bob, cid), "Welcome, neighbours"))
                await bob.groups.post(cid, "Thanks! Bread on Saturday?")
                await until(alice, lambda: _has(texts(alice, cid), "Thanks! Bread on Saturday?"))
                assert await alice.feeds.following() == [] and await bob.feeds.following() == []
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
            cid = await hub.communities.create("Allotments")
            async with service(hub, lan=True, lan_service_type=kind):
                for node in (alice, bob):
                    async with service(node, lan=True, lan_service_type=kind) as sn:
                        await offered_on_lan(sn, cid)
                        await sn.join_community(cid)
                assert {alice.account_id, bob.account_id} <= await members_of(hub, cid)
                async with service(alice, lan=True, lan_service_type=kind) as sa:
                    await sa.wait_until(lambda: device(hub) in sa.connected())
                    post = await alice.groups.post(cid, "Spare tomato plants at plot 4")
                    await until(hub, lambda: _holds(hub, post.id))
                # Alice is gone; Bob never met her, but Hub told him she is a member
                assert alice.account_id in await members_of(bob, cid)
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
            cid = await alice.communities.create("Reading group")
            [info] = await alice.communities.list()
            async with service(alice) as sa, service(bob) as sb:
                code = invite.encode(invite.make(device(alice), alice.account_id,
                                                 sa.listen_addrs, info.value))
                joined = await join(bob, sb, code)
                assert (joined.community, joined.community_name) == (cid, "Reading group")
                await bob.groups.post(cid, "Chapter three tonight?")
                await until(alice, lambda: _has(texts(alice, cid), "Chapter three tonight?"))
                assert await alice.feeds.following() == []  # she learnt of him from the roster

    run(scenario)


def test_only_lan_neighbours_get_a_listing_or_a_key(tmp_path: Path) -> None:
    """A peer that reached us otherwise (an invite, a relay) is not on the LAN: it gets
    an empty listing and no key. A broken frame costs standing."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.communities.create("Book club")
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


def info(cid: bytes = b"c" * 32, key: bytes = b"k" * 32, lines: int = 2) -> CommunityInfo:
    return CommunityInfo(cid, b"s" * 32, b"a" * 32, "Choir", key,
                         tuple(sorted(make_joins(cid, lines), key=lambda j: j.account)))


def test_a_roster_box_opens_only_for_its_community_and_its_two_devices() -> None:
    me, peer, other = b"1" * 32, b"2" * 32, b"3" * 32
    box = community.seal_roster(info(), me, peer)
    assert community.open_rosters([box], [info()], me, peer) == {b"c" * 32: info().lines}
    # a member of another community learns nothing, and is not offended
    assert community.open_rosters([box], [info(b"d" * 32, b"j" * 32)], me, peer) == {}
    with pytest.raises(CommunityProtocolError, match="other devices"):
        community.open_rosters([box], [info()], me, other)  # replayed to someone else
    with pytest.raises(CommunityProtocolError, match="two rosters"):
        community.open_rosters([box, box], [info()], me, peer)
    flipped = bytearray(box)
    flipped[-1] ^= 1
    assert community.open_rosters([bytes(flipped)], [info()], me, peer) == {}


def test_a_full_roster_fits_every_frame_and_one_line_more_is_refused() -> None:
    """Finding 2: a roster of 256 signed lines seals, travels in a request of
    ``MAX_BOXES`` of them and in a key answer, and opens at the receiver; one of 257
    is refused cleanly, as a protocol error."""
    me, peer = b"1" * 32, b"2" * 32
    full = info(private.group_id_of(b"a" * 32, b"s" * 32), lines=roster.MAX_MEMBERS)
    box = community.seal_roster(full, me, peer)
    assert len(box) <= community.BOX_MAX
    request = community.encode_rosters([box] * community.MAX_BOXES)
    assert len(request) <= community.REQUEST_MAX
    boxes = community.decode_rosters(request)
    assert community.open_rosters(boxes[:1], [full], me, peer) == {full.id: full.lines}
    answer = community.encode_key(full)
    assert len(answer) <= community.ANSWER_MAX
    value, lines = community.decode_key(answer, full.id) or (None, ())
    assert value == full.value and lines == full.lines
    listing = community.encode_listing([full] * community.MAX_LISTED)
    assert community.decode_listing(listing)[0].members == roster.MAX_MEMBERS

    over = CommunityInfo(full.id, full.salt, full.creator, full.name, full.key,
                         full.lines + tuple(make_joins(full.id, 1, first=999)))
    with pytest.raises(CommunityProtocolError, match="malformed roster"):
        community.open_rosters([community.seal_roster(over, me, peer)], [full], me, peer)
    with pytest.raises(CommunityProtocolError):
        community.decode_key(community.encode_key(over), full.id)
    with pytest.raises(ValueError):
        community.encode_rosters([box] * (community.MAX_BOXES + 1))
    with pytest.raises(CommunityProtocolError):
        community.decode_rosters(codec.encode(("rosters", (box,) * (community.MAX_BOXES + 1))))


def test_frames_are_checked() -> None:
    assert community.decode_listing(community.encode_listing([info()])) == [
        community.Listed(b"c" * 32, "Choir", b"a" * 32, 2)]
    for bad in (codec.encode(("listed", ((b"x", "Choir", b"a" * 32, 2),))),
                codec.encode(("listed", ((b"c" * 32, "", b"a" * 32, 2),))),
                codec.encode(("listed", ((b"c" * 32, "Choir", b"a" * 32, -1),))),
                codec.encode(("listed", ((b"c" * 32, "Choir", b"a" * 32, 257),))),
                codec.encode(("key",)), b"\xc1", codec.encode(("rosters", (1,)))):
        with pytest.raises(CommunityProtocolError):
            community.decode_listing(bad)
    # a key whose id is not the hash of its creator and salt is refused
    with pytest.raises(CommunityProtocolError, match="does not check"):
        community.decode_key(community.encode_key(info()), b"c" * 32)
    assert community.decode_key(community.encode_key(None), b"c" * 32) is None


_SEEDS = [community.encode_listing([info()]), community.encode_key(info()),
          community.encode_rosters([community.seal_roster(info(), b"1" * 32, b"2" * 32)]),
          codec.encode(("nearby",)), codec.encode(("join", b"c" * 32))]


def _decoders(frame: bytes) -> None:
    """Every decoder of the protocol on ``frame``: a value, or CommunityProtocolError."""
    for decode in (community.decode_listing, community.decode_rosters,
                   lambda f: community.decode_key(f, b"c" * 32)):
        with contextlib.suppress(CommunityProtocolError):
            decode(frame)
    try:
        boxes = community.decode_rosters(frame)
    except CommunityProtocolError:
        return
    try:
        for lines in community.open_rosters(boxes, [info()], b"1" * 32, b"2" * 32).values():
            roster.checked(lines)
    except CommunityProtocolError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_are_a_frame_or_a_protocol_error(data: bytes) -> None:
    _decoders(data)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_SEEDS), st.data())
def test_a_mutated_frame_is_a_frame_or_a_protocol_error(seed: bytes, data: st.DataObject,
                                                       ) -> None:
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.integers(0, 255))
    _decoders(bytes(raw[:data.draw(st.integers(1, len(raw)))]))


# --- full rosters and forged lines between real services -----------------------------------


def test_members_whose_full_rosters_differ_exchange_them_without_blame(
        tmp_path: Path) -> None:
    """Finding 2: Alice and Bob are in one community, and each has since filled the
    roster with other members (256 each, 254 of them different). They exchange rosters
    on every session: neither takes lines it has no room for, neither charges the
    other, and Bob's posts still reach Alice (she replicates him: he was on first)."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Village hall")
            await alice.communities.merge_roster(cid, (await bob.communities.list())[0].lines)
            await alice.communities.merge_roster(cid, make_joins(cid, roster.MAX_MEMBERS - 2))
            await bob.communities.merge_roster(
                cid, make_joins(cid, roster.MAX_MEMBERS - 2, first=1000))
            before = {n: (await n.communities.list())[0].lines for n in (alice, bob)}
            assert all(len(lines) == roster.MAX_MEMBERS for lines in before.values())
            async with service(alice) as sa, service(bob) as sb:
                await sb.connect(device(alice), sa.listen_addrs)
                await sb.wait_until(lambda: device(alice) in sb.connected())
                for _ in range(2):  # both ways, twice
                    await sb.neighbourhood.share([device(alice)])
                    await sa.neighbourhood.share([device(bob)])
                post = await bob.groups.post(cid, "Still here")
                await until(alice, lambda: _has(texts(alice, cid), "Still here"))
                for net, other in ((sa, bob), (sb, alice)):
                    seen = net.peer(device(other))
                    assert seen is not None and seen.standing >= 0, seen
            assert {n: (await n.communities.list())[0].lines for n in (alice, bob)} == before
            assert post.id

    run(scenario, timeout=60)


def test_a_neighbour_that_hands_out_forged_lines_loses_standing(tmp_path: Path) -> None:
    """A member answers a roster exchange with lines it made up for others: they are
    dropped and it loses standing, as a peer sending them in a request does."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "m"), "Mallory") as mallory:
            cid = await alice.communities.create("Book club")
            [info] = await alice.communities.list()
            await mallory.communities.join(info.value, info.lines)
            [theirs] = await mallory.communities.list()
            forged = tuple(Join(cid, 0, bytes(64), j.cert) for j in make_joins(cid, 20))
            lying = dataclasses.replace(theirs, lines=tuple(sorted(
                theirs.lines + forged, key=lambda j: j.account)))

            async def lies() -> list[CommunityInfo]:
                return [lying]

            async with service(alice) as sa, service(mallory) as sm:
                sm.neighbourhood.replica.communities = lies  # type: ignore[method-assign]
                await sa.connect(device(mallory), sm.listen_addrs)
                await sa.wait_until(lambda: device(mallory) in sa.connected())
                await sa.neighbourhood.share([device(mallory)])
                await sa.wait_until(lambda: (p := sa.peer(device(mallory))) is not None
                                    and p.standing < 0)
            members = (await alice.communities.list())[0].members
            assert not {j.account for j in forged} & set(members)

    run(scenario, timeout=60)


def test_one_peer_is_served_two_requests_at_once_and_others_still_are(
        tmp_path: Path) -> None:
    """A peer that opens a third community stream while two of its requests are still
    coming in has it reset, without blame; an honest member is served meanwhile."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Choir")
            async with service(alice) as sa, service(bob) as sb, \
                    open_host(bytes(range(32)), 0) as slow:
                async def half_a_request() -> community.Stream:
                    stream = await slow.open_stream(peer_id_from_device_id(device(alice)),
                                                    [Multiaddr(sa.listen_addrs[0])],
                                                    community.PROTOCOL_ID)
                    await stream.write(b"\x00\x00\x10\x00" + b"x" * 10)  # 4 KiB promised
                    return stream

                held = [await half_a_request(), await half_a_request()]
                with trio.fail_after(10):
                    while len(sa.neighbourhood.serving) < 2:  # noqa: ASYNC110 (no event)
                        await trio.sleep(0.01)
                answer = b"?"
                with trio.fail_after(5):  # reset at once, not after the 10 s timeout
                    try:  # reset while it opens, or when it reads
                        answer = await (await half_a_request()).read(100)
                    except (StreamOpenFailed, StreamError):
                        answer = b""
                assert answer == b"" and len(sa.neighbourhood.serving) == 2
                await sb.connect(device(alice), sa.listen_addrs)  # Bob shares his roster
                await until(alice, lambda: _has_member(alice, cid, bob.account_id))
                peer = sa.peer(slow.device_id)
                assert peer is not None and peer.standing == 0
                for stream in held:
                    await stream.reset()

    run(scenario, timeout=60)


async def _has_member(node: Node, cid: bytes, account: bytes) -> bool:
    return account in await members_of(node, cid)


# --- answering, over an in-memory pipe ----------------------------------------------------


def test_an_answer_holds_only_what_the_asker_lacks_and_only_within_the_budget() -> None:
    """A roster answer carries the lines the asker's own roster lacked; and none at all
    when the answer budget says no (a key holder sending one-line rosters must not draw
    65 KB each time)."""
    me, peer = b"1" * 32, b"2" * 32
    full = info(private.group_id_of(b"a" * 32, b"s" * 32), lines=roster.MAX_MEMBERS)
    asks = dataclasses.replace(full, lines=full.lines[:1])  # one line: theirs
    sizes: list[int] = []

    async def ask(allow: bool) -> dict[bytes, tuple[Join, ...]]:
        ours, theirs = pipe_pair()

        async def mine() -> list[CommunityInfo]:
            return [full]

        async def merge(cid: bytes, lines: tuple[Join, ...]) -> roster.Merged:
            return roster.Merged()

        def budget(size: int) -> bool:
            sizes.append(size)
            return allow

        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(
                community.serve, theirs, me=me, peer=peer, on_lan=False, communities=mine,
                merge=merge, may_answer=budget))
            return await community.exchange_rosters(ours, me=peer, peer=me, mine=[asks])

    answer = trio.run(ask, True)
    assert answer == {full.id: full.lines[1:]}
    assert sizes[-1] < community.BOX_MAX
    assert trio.run(ask, False) == {}

    async def join(allow: bool) -> object:  # a key and its roster: the same budget
        ours, theirs = pipe_pair()

        async def mine() -> list[CommunityInfo]:
            return [full]

        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(
                community.serve, theirs, me=me, peer=peer, on_lan=True, communities=mine,
                merge=None, may_answer=lambda size: allow))  # type: ignore[arg-type]
            return await community.ask_key(ours, full.id)

    assert trio.run(join, True) == (full.value, full.lines)
    assert trio.run(join, False) is None


def test_an_asker_that_does_not_read_the_answer_holds_nothing_for_long() -> None:
    """The answer is written within ``TIMEOUT`` or given up (TooSlowError, which the
    service takes as nobody's fault): a peer that asks and never reads does not hold
    the handler, its slot and the answer for ever."""
    async def mine() -> list[CommunityInfo]:
        return [info()]

    async def scenario() -> None:
        a, b = trio.testing.lockstep_stream_pair()  # a write waits for its reader
        ours, theirs = Pipe(a), Pipe(b)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(write_frame, ours, codec.encode(("nearby",)))
            with trio.move_on_after(60) as waited, pytest.raises(trio.TooSlowError):
                await community.serve(theirs, me=b"1" * 32, peer=b"2" * 32, on_lan=True,
                                      communities=mine, merge=None)  # type: ignore[arg-type]
            assert not waited.cancelled_caught

    trio.run(scenario, clock=trio.testing.MockClock(autojump_threshold=0))


def test_a_peer_that_asks_too_often_is_answered_at_a_rate(tmp_path: Path) -> None:
    """Requests from one peer: a burst of 16 answered, then 2 a second; the rest are
    reset at once, without blame, while another member is served."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Choir")
            async with service(alice) as sa, service(bob) as sb, \
                    open_host(bytes(range(32)), 0) as eager:
                async def ask() -> bool:
                    try:
                        stream = await eager.open_stream(
                            peer_id_from_device_id(device(alice)),
                            [Multiaddr(sa.listen_addrs[0])], community.PROTOCOL_ID)
                        return await community.ask_listing(stream) == []
                    except (StreamOpenFailed, StreamError, EOFError):
                        return False

                started = trio.current_time()
                answered = [await ask() for _ in range(40)]
                elapsed = trio.current_time() - started
                allowed = neighbourhood.REQUEST_BURST + neighbourhood.REQUEST_RATE * elapsed
                assert all(answered[:neighbourhood.REQUEST_BURST])
                assert neighbourhood.REQUEST_BURST <= sum(answered) <= allowed + 1, (
                    sum(answered), elapsed)
                await sb.connect(device(alice), sa.listen_addrs)  # Bob shares his roster
                await until(alice, lambda: _has_member(alice, cid, bob.account_id))
                peer = sa.peer(eager.device_id)
                assert peer is not None and peer.standing == 0

    run(scenario, timeout=60)
