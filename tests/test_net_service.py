"""The network service between real nodes on 127.0.0.1: the address book, one session
per peer, bans, and store-and-forward through a third node."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import trio
from netkit import device, has_seq, holds, run, service, until

from p2psocial.home import Home
from p2psocial.net.addressbook import Backoff, PeerState, StandingPolicy, keeps_new_session
from p2psocial.net.framing import read_frame, write_frame
from p2psocial.net.host import open_host
from p2psocial.net.messages import MAX_FRAME, PROTOCOL_ID, VERSION, Hello, decode, encode
from p2psocial.net.service import NetworkService
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py

# --- the pure rules -------------------------------------------------------------------


def test_backoff_doubles_to_a_cap_with_jitter() -> None:
    rng = random.Random(1)
    b = Backoff(base=1.0, cap=300.0)
    delays = [b.delay(n, rng) for n in range(1, 12)]
    assert all(0.5 * min(300, 2 ** (n - 1)) <= d < min(300, 2 ** (n - 1))
               for n, d in zip(range(1, 12), delays, strict=True))
    assert b.delay(10_000, rng) < 300


def test_two_offences_ban_and_probation_after() -> None:
    policy = StandingPolicy()
    peer = PeerState(b"x" * 32)
    assert "banned_until" not in peer.misbehaved(1000, policy)
    fields = peer.misbehaved(2000, policy)
    assert fields["banned_until"] == 2000 + policy.ban_ms and peer.banned(2001)
    assert peer.state(2001) == "banned"
    assert peer.lift_expired_ban(2000 + policy.ban_ms, policy)["standing"] == policy.after_ban
    assert not peer.banned(2000 + policy.ban_ms)
    assert "banned_until" in peer.misbehaved(3000 + policy.ban_ms, policy)  # one more: banned


def test_both_sides_keep_the_session_opened_by_the_lower_id() -> None:
    low, high = b"\x01" * 32, b"\x02" * 32
    # on either side, whichever stream shows up second: the same one survives
    assert keeps_new_session(high, low) and not keeps_new_session(low, high)
    assert keeps_new_session(low, low)


# --- real services ----------------------------------------------------------------------


def test_two_services_connect_through_the_address_book_and_replicate(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            first = await alice.posts.post("before bob came")
            await bob.posts.follow(alice.account_id)
            await alice.posts.follow(bob.account_id)
            async with service(alice) as sa:
                await bob.replication.add_peer(device(alice), sa.listen_addrs, "invite")
                async with service(bob) as sb:  # dials alice from the address book
                    await until(bob, lambda: holds(bob, first.id))
                    live = await alice.posts.post("live")
                    await until(bob, lambda: holds(bob, live.id))
                    reply = await bob.posts.post("hi alice")
                    await until(alice, lambda: holds(alice, reply.id))
                    seen_by_b = sb.peer(device(alice))
                    assert seen_by_b is not None and seen_by_b.connected
                    assert seen_by_b.state(bob.clock()) == "connected"
                    await sa.wait_until(lambda: device(bob) in sa.connected())
                    assert sa.peer(device(bob)).source == "peer"  # type: ignore[union-attr]
                # bob went away: alice notices, and the address book says when
                await sa.wait_until(lambda: not sa.connected())
            record = await bob.replication.peer(device(alice))
            assert record is not None and record.last_ok and record.failures == 0
            assert record.source == "invite"
            for node in (alice, bob):
                assert await node.feeds.verify(full=True) == []

    run(scenario)


def test_a_peer_met_twice_at_once_has_one_state(tmp_path: Path) -> None:
    """mDNS announces a device while its inbound session starts: both learn of it at
    once, and both must end up with the same state, or the session's "connected"
    lands on a state nobody reads any more."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            sa = service(alice)
            other = bytes(range(32))
            async with trio.open_nursery() as nursery:
                got: list[object] = []

                async def know(addrs: tuple[str, ...], source: str) -> None:
                    got.append(await sa.known.know(other, addrs, source))

                nursery.start_soon(know, ("/ip4/192.0.2.9/tcp/4001",), "mdns")
                nursery.start_soon(know, (), "peer")
            assert got[0] is got[1] is sa.known.states[other]

    run(scenario)


def test_simultaneous_dials_end_in_one_session(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            await alice.posts.follow(bob.account_id)
            async with service(alice) as sa, service(bob) as sb:
                await sa.connect(device(bob), sb.listen_addrs)
                await sb.connect(device(alice), sa.listen_addrs)
                await sa.wait_until(lambda: sa.connected() == [device(bob)])
                await sb.wait_until(lambda: sb.connected() == [device(alice)])
                # live pushes need the session's event subscription, which run_sync takes
                # only after reading its clock: wait for the first exchange
                await until(bob, lambda: has_seq(bob, device(alice), 3))
                await until(alice, lambda: has_seq(alice, device(bob), 3))
                for _ in range(3):  # live both ways over whichever session survived
                    a_post = await alice.posts.post("from alice")
                    await until(bob, lambda: holds(bob, a_post.id))  # noqa: B023
                    b_post = await bob.posts.post("from bob")
                    await until(alice, lambda: holds(alice, b_post.id))  # noqa: B023
                assert sa.connected() == [device(bob)] and sb.connected() == [device(alice)]

    run(scenario)


def test_a_misbehaving_peer_is_banned_and_honest_peers_keep_syncing(tmp_path: Path) -> None:
    async def scenario() -> None:
        now = [1_000_000]
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "m"), "Mallory") as mallory:
            assert mallory.identity is not None
            await bob.posts.follow(alice.account_id)
            mallory_id = device(mallory)
            async with service(alice, clock=lambda: now[0]) as sa, service(bob) as sb, \
                    open_host(mallory.identity.device.seed) as hm:
                await sb.connect(device(alice), sa.listen_addrs)
                await until(bob, lambda: has_seq(bob, device(alice), 2))  # session is up

                async def garbage() -> None:
                    await hm.disconnect(sa._host.peer_id)  # type: ignore[union-attr]
                    stream = await hm.open_stream(sa._host.peer_id,  # type: ignore[union-attr]
                                                  [hm_addr(sa)], PROTOCOL_ID)
                    await write_frame(stream, b"\xc1 this is not msgpack")

                def standing() -> int:
                    state = sa.peer(mallory_id)
                    return 0 if state is None else state.standing

                await garbage()
                await sa.wait_until(lambda: standing() == -30)
                assert not sa.peer(mallory_id).banned(now[0])  # type: ignore[union-attr]
                await garbage()
                await sa.wait_until(lambda: sa.peer(mallory_id).banned(now[0]))  # type: ignore[union-attr]
                # banned: its streams are refused without a word of the protocol
                assert await refused(hm, sa)
                # honest bob is still served, live
                post = await alice.posts.post("after the ban")
                await until(bob, lambda: holds(bob, post.id))
                state = sa.peer(mallory_id)
                assert state is not None and state.banned_until == now[0] + 10 * 60 * 1000
                assert state.standing == -60
                # a stranger (it dialed us, we hold no address for it) is not written
                # down, ban or not: identities are free, rows on disk are not
                assert await alice.replication.peer(mallory_id) is None
                # ten minutes later (by the clock given to the service) it is heard again
                now[0] += 10 * 60 * 1000
                assert not await refused(hm, sa)
                assert sa.peer(mallory_id).standing == -30  # type: ignore[union-attr]
            # nothing of mallory's
            assert [d for d, _, _ in await alice.replication.logs()] == [device(alice)]

    run(scenario)


def hm_addr(sa: NetworkService) -> object:
    from p2psocial.net.host import Multiaddr

    return Multiaddr(sa.listen_addrs[0])


async def refused(hm: object, sa: NetworkService) -> bool:
    """Whether the service refuses a well-behaved session from ``hm``'s peer."""
    await hm.disconnect(sa._host.peer_id)  # type: ignore[attr-defined, union-attr]
    try:
        stream = await hm.open_stream(sa._host.peer_id, [hm_addr(sa)],  # type: ignore[attr-defined, union-attr]
                                      PROTOCOL_ID)
        await write_frame(stream, encode(Hello(VERSION)))
        frame = await read_frame(stream, MAX_FRAME)
    except Exception:  # reset, or the connection closed under us
        return True
    if frame is None:
        return True
    assert decode(frame) == Hello(VERSION)
    await stream.reset()
    return False


def test_store_and_forward_through_a_third_node(tmp_path: Path) -> None:
    """A and C never connect. B follows C, C follows A, so with two hops B carries A."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            await c.posts.follow(a.account_id)
            await b.posts.follow(c.account_id)
            async with service(b, hops=2) as sb:
                async with service(c, hops=2) as sc:  # B learns that C follows A
                    await sc.connect(device(b), sb.listen_addrs)
                    c_follow = (await c.replication.logs())[0][2]
                    await until(b, lambda: has_seq(b, device(c), c_follow))
                assert a.account_id in await b.replication.wanted_accounts(2)
                posts = [await a.posts.post(f"from alice {i}") for i in range(5)]
                async with service(a) as sa:
                    await sa.connect(device(b), sb.listen_addrs)
                    await until(b, lambda: holds(b, posts[-1].id))
                # A is gone; C comes back (a new port) and catches up from B alone
                await sb.wait_until(lambda: not sb.connected())
                assert await c._run(c.store.get_entry, posts[0].id) is None
                async with service(c, hops=2) as sc:
                    await sc.connect(device(b), sb.listen_addrs)
                    await until(c, lambda: holds(c, posts[-1].id))
                    assert device(a) not in [p.device for p in sc.peers()]
            texts = [p.text for p in (await c.feeds.home_timeline()).items]
            assert texts == [f"from alice {i}" for i in reversed(range(5))]
            assert await c.feeds.verify(full=True) == []

    run(scenario, timeout=45)
