"""Refusing an account mid-session, between real services on 127.0.0.1 (issue 17):
Bob privately blocks Carol while his session with Alice runs. His gossip leaves
Carol's topic, what he held of her is cut to her certificate, the entries of hers
that Alice still pushes are refused without costing Alice anything, and when Bob
lets Carol back, the same session asks Alice for her log again and gets it."""

from __future__ import annotations

from pathlib import Path

from helpers import make_entry, make_identity, make_log

from p2psocial import content as c
from p2psocial.home import Home
from p2psocial.net.gossip_rules import topic_of
from p2psocial.node import Node
from tests.netkit import device, head_is, linked, run, until
from tests.waitkit import eventually


async def held(node: Node, log_device: bytes) -> int:
    """How far ``node``'s store holds the log (what it offers leaves refused logs out)."""
    got = await node._run(node.store.head, log_device)
    return 0 if got is None else got[0]


def test_a_private_block_mid_session_stops_carrying_and_an_unblock_fetches_again(
        tmp_path: Path) -> None:
    carol = make_identity(3)
    log = make_log(carol, 20)
    more = [log[-1]]
    for n in range(5):
        more.append(make_entry(carol, more[-1], c.Post(f"more {n}"), more[-1].timestamp + 1))
    more = more[1:]

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            for node in (alice, bob):
                await node.posts.follow(carol.account_id)
            await alice.replication.ingest(log)
            async with linked(alice, bob) as (_, sb):
                session = sb.sessions.by_device[device(alice)]
                await until(bob, lambda: head_is(bob, carol.device_id, 20))
                gossip = sb.gossip
                assert gossip is not None
                await eventually(lambda: topic_of(carol.account_id) in gossip.subscribed())
                standing = (await bob.replication.peer(device(alice))).standing  # type: ignore[union-attr]

                assert await bob.blocklists.block_privately(carol.account_id)
                assert await held(bob, carol.device_id) == 1  # cut to her certificate
                await eventually(lambda: topic_of(carol.account_id) not in gossip.subscribed())
                await alice.replication.ingest(more)  # Alice pushes them on: Bob refuses
                await until(alice, lambda: head_is(alice, carol.device_id, 25))
                await eventually(lambda: session.control.stats.refused >= 5)  # pushed, refused
                assert await held(bob, carol.device_id) == 1

                assert await bob.blocklists.unblock_privately(carol.account_id)
                await until(bob, lambda: head_is(bob, carol.device_id, 25))
                assert sb.sessions.by_device[device(alice)] is session  # the same session
                after = (await bob.replication.peer(device(alice))).standing  # type: ignore[union-attr]
                assert after >= standing  # refusing cost Alice nothing

    run(scenario, timeout=60)
