"""What a peer that carries private entries can read of them (finding 9 of issue 12).

Alice and Carol write direct messages and group posts; Dave follows both, is in none
of it, and receives their logs over real loopback libp2p, as any carrier does. What
the test reads of Dave's store is what Dave could read: the bodies, decoded as
msgpack, and their lengths.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import device, holds, run, service, until

from p2psocial import codec
from p2psocial.content import Kind
from p2psocial.entry import Entry
from p2psocial.home import Home
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py


async def carried(dave: Node, entries: list[Entry]) -> list[bytes]:
    bodies = []
    for e in entries:
        held = await dave._run(dave.store.get_entry, e.id)
        assert held is not None and held.body is not None
        bodies.append(held.body)
    return bodies


def test_a_carrier_cannot_count_readers_nor_link_a_groups_entries(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol, \
                Node.init(Home(tmp_path / "e"), "Erin") as erin, \
                Node.init(Home(tmp_path / "d"), "Dave") as dave:
            people = (alice, bob, carol, erin)
            for one in people:  # everyone holds everyone's encryption key
                for other in people:
                    if other is not one:
                        log = await other.replication.log_entries(device(other), 0, 100)
                        await one.replication.ingest(log)
            others = [p.account_id for p in people[1:]]
            one_to_one = await alice.messages.send([bob.account_id], "hi")
            to_three = await alice.messages.send(others, "hi")
            group = await alice.groups.create("Choir", others)
            # the key
            await carol.replication.ingest(
                await alice.replication.log_entries(device(alice), 0, 100))
            await carol.messages.scan()
            posts = [await alice.groups.post(group, "Tuesday?"),
                     await carol.groups.post(group, "Tuesday!")]
            for writer in (alice, carol):
                await dave.posts.follow(writer.account_id)
            async with service(dave) as sd, service(alice) as sa, service(carol) as sc:
                await sa.connect(device(dave), sd.listen_addrs)
                await sc.connect(device(dave), sd.listen_addrs)
                for e in (one_to_one, to_three, *posts):
                    await until(dave, lambda e=e: holds(dave, e.id))

            # direct messages: a carrier sees as many slots, and as many bytes, for
            # one reader as for three
            dms = await carried(dave, [one_to_one, to_three])
            slots = [len(codec.decode(body)[2]) for body in dms]
            assert slots[0] == slots[1] >= 4, slots
            assert len(dms[0]) == len(dms[1]), [len(b) for b in dms]

            # group posts: nothing in them names the group or its epoch, and the two
            # authors' posts share no field a carrier could match
            gposts = await carried(dave, posts)
            for body in gposts:
                assert group not in body
            first, second = (codec.decode(b) for b in gposts)
            assert set(first[1:]) & set(second[1:]) == set(), (first[:3], second[:3])
            assert await dave.messages.scan() == 0  # carried, not read
            assert [e.kind for e in (one_to_one, *posts)] == [Kind.PRIVATE, Kind.GROUP,
                                                              Kind.GROUP]

    run(scenario, timeout=60)
