"""Open LAN communities through the node: real homes and stores, entries copied by hand
between them as sync would, the key handed over as the community protocol does
(net/community.py; the network is tested in test_net_community.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trio

from p2psocial import content as c
from p2psocial import private
from p2psocial.errors import InvalidContent, UserError
from p2psocial.events import Event, RosterChanged
from p2psocial.home import Home
from p2psocial.node import Node
from tests.helpers import queued, sync


def rosters(events: trio.MemoryReceiveChannel[Event]) -> list[bytes]:
    return [e.community for e in queued(events, RosterChanged)]


def test_posts_travel_among_members_who_follow_nobody(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.create_community("Village hall")
            [info] = await alice.communities()
            assert (info.id, info.name, info.creator) == (cid, "Village hall", alice.account_id)
            assert info.members == (alice.account_id,)
            assert await alice.wanted_accounts(0) == {alice.account_id}

            # Bob asks Alice on the LAN: the key and her roster; he is a member now
            events = bob.subscribe()
            await bob.join_community(info.value, info.members)
            assert rosters(events) == [cid]  # what Bob replicates changed
            [mine] = await bob.communities()
            assert mine.key == info.key and set(mine.members) == {alice.account_id,
                                                                   bob.account_id}
            assert alice.account_id in await bob.wanted_accounts(0)
            [group] = await bob.groups()
            assert group.community and group.name == "Village hall" and group.member

            # Alice learns Bob from the roster exchange: she now replicates him
            assert await alice.merge_roster(cid, [bob.account_id]) == [bob.account_id]
            assert await alice.merge_roster(cid, [bob.account_id]) == []
            assert bob.account_id in await alice.wanted_accounts(0)

            await bob.group_post(cid, "Bread on Saturday?")
            await sync(bob, alice)
            assert await alice.scan_private() == 1
            page = await alice.group_messages(cid)
            assert [m.text for m in page.items] == ["Bread on Saturday?"]

            # Carol holds both logs (a carrier) but no key: she reads nothing
            await sync(alice, carol)
            await carol.scan_private()
            assert await carol.groups() == [] and await carol.communities() == []

    trio.run(scenario)


def test_a_poster_joins_the_roster_and_anyone_may_write(tmp_path: Path) -> None:
    """Carol got the key from Bob while Alice was away: her post reaches Alice through
    Bob, and the scan puts her on Alice's roster (so Alice replicates her)."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.create_community("Allotments")
            [info] = await alice.communities()
            await bob.join_community(info.value, info.members)
            [from_bob] = await bob.communities()
            await carol.join_community(from_bob.value, from_bob.members)
            await carol.group_post(cid, "Spare tomato plants")
            events = alice.subscribe()
            await sync(carol, alice)
            await alice.scan_private()
            assert rosters(events) == [cid]
            assert carol.account_id in (await alice.communities())[0].members
            assert carol.account_id in await alice.wanted_accounts(0)
            assert [m.text for m in (await alice.group_messages(cid)).items] == [
                "Spare tomato plants"]

    trio.run(scenario)


def test_every_device_learns_the_key_and_leaving_stops_replication(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid = await alice.create_community("Choir")
            [info] = await alice.communities()
            await bob.join_community(info.value, info.members)
            assert alice.account_id in await bob.wanted_accounts(0)

            assert alice.identity is not None
            with Node.restore(Home(tmp_path / "laptop"), alice.identity.account.root_seed,
                              "Alice") as laptop:  # another device of Alice's
                await sync(alice, laptop)
                await laptop.scan_private()
                assert [c.id for c in await laptop.communities()] == [cid]
                assert bob.account_id not in await laptop.wanted_accounts(0)  # told later

            await bob.leave_group(cid)
            assert await bob.communities() == []
            assert alice.account_id not in await bob.wanted_accounts(0)
            [group] = await bob.groups()
            assert not group.member
            with pytest.raises(UserError, match="no longer a member"):
                await bob.group_post(cid, "hello?")
            # joining again works, with no second key entry
            await bob.join_community(info.value)
            assert [c.id for c in await bob.communities()] == [cid]
            assert alice.account_id in await bob.wanted_accounts(0)
            # the creator may leave too, and nobody adds or removes members
            with pytest.raises(UserError, match="nobody adds or removes"):
                await alice.add_member(cid, bob.account_id)
            await alice.leave_group(cid)
            assert await alice.communities() == []

    trio.run(scenario)


def test_keys_and_rosters_are_checked(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.create_community("Book club")
            [info] = await alice.communities()
            forged = private.CommunityKey(info.id, info.salt, bob.account_id, info.key,
                                          info.name)
            with pytest.raises(InvalidContent, match="does not match its creator"):
                await bob.join_community(forged)
            with pytest.raises(InvalidContent, match="needs a name"):
                await alice.create_community("  ")
            # a private group's id is never turned into an open community
            await sync(bob, alice)
            gid = await alice.create_group("Family", [bob.account_id])
            state = await alice._group(gid)
            hijack = private.CommunityKey(gid, state[4], alice.account_id, b"k" * 32, "Open")
            with pytest.raises(UserError, match="private groups"):
                await alice.join_community(hijack)
            # a roster for a community we are not in changes nothing
            assert await bob.merge_roster(info.id, [alice.account_id]) == []
            # the roster is capped
            many = [bytes([i // 256, i % 256]) + bytes(30) for i in range(400)]
            added = await alice.merge_roster(info.id, many)
            assert len(added) == private.MAX_COMMUNITY_MEMBERS - 1
            assert len((await alice.communities())[0].members) == private.MAX_COMMUNITY_MEMBERS

    trio.run(scenario)


def test_a_key_sealed_to_us_by_someone_else_is_ignored(tmp_path: Path) -> None:
    """A community key sealed to us by someone else is ignored: joining is always
    the local account's own act."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.create_community("Spam corner")
            [info] = await bob.communities()
            await sync(alice, bob)
            key = await bob._run(bob.store.enc_key, alice.account_id)
            body = private.seal(info.value, [key], bob.account_id, os.urandom)
            await bob.publish(c.Sealed(c.Kind.PRIVATE, body))
            await sync(bob, alice)
            await alice.scan_private()
            assert await alice.communities() == [] and await alice.groups() == []

    trio.run(scenario)
