"""Live gossip between real services on 127.0.0.1: entries arrive by gossip, forgeries
stop at the first honest node, gaps are filled by sync, bursts arrive whole, and
replication works with gossip off. Sync sessions run with ``live_sync=False`` where a
test must see what gossip alone delivers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from helpers import make_entry, make_identity, make_log
from libp2p.pubsub.pubsub import Pubsub
from libp2p.tools.anyio_service import background_trio_service

from p2psocial import codec
from p2psocial import content as c
from p2psocial.entry import Entry
from p2psocial.home import Home
from p2psocial.net.gossip import PROTOCOL_ID, make_pubsub
from p2psocial.net.gossip_rules import encode_run, topic_of
from p2psocial.net.host import (
    Multiaddr,
    device_id_from_peer_id,
    open_host,
    peer_id_from_device_id,
)
from p2psocial.net.service import NetworkService
from p2psocial.node import Node
from tests.netkit import device, head, head_is, holds, linked, meshed, run, until
from tests.waitkit import eventually


def test_an_entry_arrives_by_gossip(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                post = await alice.posts.post("by gossip")
                await until(bob, lambda: holds(bob, post.id))
                assert sb.gossip is not None and sa.gossip is not None
                assert sb.gossip.stats.added == 1 and sa.gossip.stats.published == 1
                assert sb.gossip.stats.rejected == 0

    run(scenario)


def test_a_burst_of_200_posts_arrives_whole_in_a_few_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                before = await head(alice, device(alice))
                for n in range(200):
                    await alice.posts.post(f"burst {n}")
                last = before + 200
                await until(bob, lambda: head_is(bob, device(alice), last))
                assert sa.gossip is not None and sb.gossip is not None
                assert sb.gossip.stats.added == 200 and sb.gossip.stats.gaps == 0
                assert sb.gossip.stats.dropped == 0
                assert sa.gossip.stats.published_entries == 200
                assert sa.gossip.stats.published < 100  # runs, not one message per post
            assert await bob.feeds.verify(full=True) == []

    run(scenario)


def test_a_gap_is_filled_by_the_sync_session(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                # stored without an event: neither gossip nor sync hears of it...
                silent, _ = await alice._run(alice.publish_now, c.Post("silent"))
                loud = await alice.posts.post("loud")  # ...so gossip carries only this one
                await until(bob, lambda: holds(bob, loud.id))
                assert await holds(bob, silent.id)
                assert sb.gossip is not None and sb.gossip.stats.gaps == 1
            assert await bob.feeds.verify(full=True) == []

    run(scenario)


def test_gossip_off_still_replicates(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with linked(alice, bob, gossip=False) as (sa, sb):
                assert sa.gossip is None and sb.gossip is None
                post = await alice.posts.post("by sync")
                await until(bob, lambda: holds(bob, post.id))

    run(scenario)


def test_a_follow_mid_session_brings_that_account_without_reconnecting(
        tmp_path: Path) -> None:
    carol = make_identity(3)
    carol_log = make_log(carol, 20)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.posts.follow(carol.account_id)  # alice replicates carol, so she
            await alice.replication.ingest(carol_log)  # carries carol's log for others
            async with linked(alice, bob) as (_, sb):
                session = sb.sessions.by_device[device(alice)]  # the very session, later too
                await bob.posts.follow(carol.account_id)
                await until(bob, lambda: holds(bob, carol_log[-1].id))
                assert sb.sessions.by_device[device(alice)] is session
                gossip = sb.gossip
                assert gossip is not None
                # the subscription follows the follow on its own task: sync may be first
                await eventually(lambda: topic_of(carol.account_id) in gossip.subscribed())
                await bob.posts.unfollow(carol.account_id)
                await eventually(lambda: topic_of(carol.account_id) not in gossip.subscribed())

    run(scenario)


# --- a node that speaks pubsub and lies ----------------------------------------------


@asynccontextmanager
async def liar(target: NetworkService) -> AsyncIterator[Pubsub]:
    """A bare libp2p host with our pubsub and no validator, connected to ``target``."""
    async with open_host(os.urandom(32), 0) as host:
        pubsub, router = make_pubsub(host)
        async with background_trio_service(pubsub), background_trio_service(router):
            await pubsub.wait_until_ready()
            await host.connect(peer_id_from_device_id(target.device_id),
                               [Multiaddr(a) for a in target.listen_addrs])
            yield pubsub


def forged(item: Entry) -> bytes:
    header = item.header._replace(signature=bytes(64))
    return codec.encode((1, ((header.to_bytes(), item.body),)))


def test_a_forgery_is_rejected_not_stored_not_forwarded_and_costs_standing(
        tmp_path: Path) -> None:
    author = make_identity(4)
    log = make_log(author, 5)
    real = make_entry(author, log[-1], c.Post("real"), log[-1].timestamp + 1)
    fake = make_entry(author, log[-1], c.Post("fake"), log[-1].timestamp + 1)
    topic = topic_of(author.account_id)

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            for node in (bob, carol):
                await node.replication.ingest(log)
                await node.posts.follow(author.account_id)
            async with linked(bob, carol, live_sync=False) as (sb, sc):
                await meshed(sb, sc, author.account_id)
                async with liar(sb) as pubsub:
                    mallory = device_id_from_peer_id(pubsub.host.get_id())
                    await pubsub.subscribe(topic)
                    await pubsub.wait_for_mesh(peer_id_from_device_id(sb.device_id), topic,
                                               timeout=20)
                    await pubsub.publish(topic, forged(fake))
                    await pubsub.publish(topic, encode_run([(real.raw, real.body)])[0])
                    await until(carol, lambda: holds(carol, real.id))
                    assert sb.gossip is not None and sc.gossip is not None
                    assert sb.gossip.stats.rejected == 1 and sc.gossip.stats.rejected == 0
                    assert sc.gossip.stats.accepted == 1  # the real one, from bob
                    standing = sb.peer(mallory)
                    assert standing is not None and standing.standing < 0
                for node in (bob, carol):
                    assert not await holds(node, fake.id)

    run(scenario)


def test_garbage_on_the_pubsub_protocol_costs_standing_and_harms_nobody(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            async with linked(alice, bob, live_sync=False) as (sa, sb):
                await meshed(sa, sb, alice.account_id)
                seed = os.urandom(32)
                async with open_host(seed, 0) as host:
                    stream = await host.open_stream(
                        peer_id_from_device_id(sb.device_id),
                        [Multiaddr(x) for x in sb.listen_addrs], PROTOCOL_ID)
                    await stream.write(b"\x05\xff\xff\xff\xff\xff")  # not a protobuf RPC
                    await sb.wait_until(lambda: standing(sb, host.device_id) < 0)
                post = await alice.posts.post("still served")
                await until(bob, lambda: holds(bob, post.id))

    def standing(svc: NetworkService, who: bytes) -> int:
        state = svc.peer(who)
        return 0 if state is None else state.standing

    run(scenario)
