"""Open LAN communities through the node: real homes and stores, entries copied by hand
between them as sync would, the key handed over as the community protocol does
(net/community.py; the network is tested in test_net_community.py)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import trio

from p2psocial import content as c
from p2psocial import private, roster
from p2psocial.errors import InvalidContent, UserError
from p2psocial.events import Event, RosterChanged
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.roster import Join, Merged
from p2psocial.store.members import pack_members
from tests.helpers import make_joins, queued, shared_community, sync
from tests.netkit import device


def rosters(events: trio.MemoryReceiveChannel[Event]) -> list[bytes]:
    return [e.community for e in queued(events, RosterChanged)]


def test_posts_travel_among_members_who_follow_nobody(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid = await alice.communities.create("Village hall")
            [info] = await alice.communities.list()
            assert (info.id, info.name, info.creator) == (cid, "Village hall", alice.account_id)
            assert info.members == (alice.account_id,)
            assert await alice.replication.wanted_accounts(0) == {alice.account_id}

            # Bob asks Alice on the LAN: the key and her roster; he is a member now, and
            # his device signed his line
            events = bob.subscribe()
            joined = await bob.communities.join(info.value, info.lines)
            assert joined == Merged((alice.account_id,))
            assert cid in rosters(events)  # what Bob replicates changed
            [mine] = await bob.communities.list()
            assert mine.key == info.key and set(mine.members) == {alice.account_id,
                                                                   bob.account_id}
            [own] = [j for j in mine.lines if j.account == bob.account_id]
            assert own.device == device(bob) and own.valid()
            assert alice.account_id in await bob.replication.wanted_accounts(0)
            [group] = await bob.groups.list()
            assert group.community and group.name == "Village hall" and group.member

            # Alice learns Bob from the roster exchange: she now replicates him
            merged = await alice.communities.merge_roster(cid, mine.lines)
            assert merged == Merged((bob.account_id,))
            assert await alice.communities.merge_roster(cid, mine.lines) == Merged()
            assert bob.account_id in await alice.replication.wanted_accounts(0)

            await bob.groups.post(cid, "Bread on Saturday?")
            await sync(bob, alice)
            assert await alice.messages.scan() == 1
            page = await alice.groups.messages(cid)
            assert [m.text for m in page.items] == ["Bread on Saturday?"]

            # Carol holds both logs (a carrier) but no key: she reads nothing
            await sync(alice, carol)
            await carol.messages.scan()
            assert await carol.groups.list() == [] and await carol.communities.list() == []

    trio.run(scenario)


def test_a_member_passes_on_others_lines_and_a_post_alone_adds_nobody(
        tmp_path: Path) -> None:
    """Carol got the key from Bob while Alice was away. Her post, which Alice holds by
    other ways, reads, but names nobody for the roster; Bob's roster carries Carol's
    own line to Alice, which puts her on (so Alice replicates her)."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            cid, _ = await shared_community(alice, bob, "Allotments")
            [from_bob] = await bob.communities.list()
            await carol.communities.join(from_bob.value, from_bob.lines)
            await carol.groups.post(cid, "Spare tomato plants")
            await sync(carol, alice)
            await alice.messages.scan()
            assert [m.text for m in (await alice.groups.messages(cid)).items] == [
                "Spare tomato plants"]  # anyone holding the key may write
            assert carol.account_id not in (await alice.communities.list())[0].members

            await bob.communities.merge_roster(cid, (await carol.communities.list())[0].lines)
            events = alice.subscribe()
            lines = (await bob.communities.list())[0].lines
            merged = await alice.communities.merge_roster(cid, lines)
            assert set(merged.added) == {bob.account_id, carol.account_id}
            assert rosters(events) == [cid]
            assert carol.account_id in await alice.replication.wanted_accounts(0)

    trio.run(scenario)


def test_every_device_learns_the_key_and_leaving_stops_replication(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, info = await shared_community(alice, bob, "Choir")
            assert alice.account_id in await bob.replication.wanted_accounts(0)

            assert alice.identity is not None
            with Node.restore(Home(tmp_path / "laptop"), alice.identity.require_root().root_seed,
                              "Alice") as laptop:  # another device of Alice's
                await sync(alice, laptop)
                await laptop.messages.scan()
                [on_laptop] = await laptop.communities.list()
                assert on_laptop.id == cid
                # the laptop signs the account's line itself (it may meet members first)
                assert [j.device for j in on_laptop.lines] == [device(laptop)]
                # told later
                assert bob.account_id not in await laptop.replication.wanted_accounts(0)

            await bob.groups.leave(cid)
            assert await bob.communities.list() == []
            assert alice.account_id not in await bob.replication.wanted_accounts(0)
            [group] = await bob.groups.list()
            assert not group.member
            with pytest.raises(UserError, match="no longer a member"):
                await bob.groups.post(cid, "hello?")
            # joining again works, with no second key entry
            await bob.communities.join(info.value)
            assert [c.id for c in await bob.communities.list()] == [cid]
            assert alice.account_id in await bob.replication.wanted_accounts(0)
            # the creator may leave too, and nobody adds or removes members
            with pytest.raises(UserError, match="nobody adds or removes"):
                await alice.groups.add_member(cid, bob.account_id)
            await alice.groups.leave(cid)
            assert await alice.communities.list() == []

    trio.run(scenario)


def test_keys_and_rosters_are_checked(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await alice.communities.create("Book club")
            [info] = await alice.communities.list()
            forged = private.CommunityKey(info.id, info.salt, bob.account_id, info.key,
                                          info.name)
            with pytest.raises(InvalidContent, match="does not match its creator"):
                await bob.communities.join(forged)
            with pytest.raises(InvalidContent, match="needs a name"):
                await alice.communities.create("  ")
            # a private group's id is never turned into an open community
            await sync(bob, alice)
            gid = await alice.groups.create("Family", [bob.account_id])
            state = await alice.groups.state(gid)
            hijack = private.CommunityKey(gid, state.salt, alice.account_id, b"k" * 32, "Open")
            with pytest.raises(UserError, match="private groups"):
                await alice.communities.join(hijack)
            # a roster for a community we are not in changes nothing
            assert await bob.communities.merge_roster(info.id, make_joins(info.id, 3)) == Merged()

    trio.run(scenario)


def test_only_lines_that_verify_go_on_a_roster(tmp_path: Path) -> None:
    """Finding 2: a roster line is its own account's signed join. Lines naming accounts
    their sender holds no keys of (forged), or signed for another community, are
    dropped and counted (the service holds them against the sender); checking stops
    at the first."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            cid = await alice.communities.create("Book club")
            honest = make_joins(cid, 3)
            forged = [Join(cid, j.joined, bytes(64), j.cert) for j in make_joins(cid, 254,
                                                                                first=10)]
            merged = await alice.communities.merge_roster(cid, sorted(honest + forged,
                                                                      key=lambda j: j.account))
            assert merged.forged == 1 and set(merged.added) <= {j.account for j in honest}
            elsewhere = make_joins(b"x" * 32, 2, first=300)
            moved = [Join(cid, j.joined, j.signature, j.cert) for j in elsewhere]
            assert (await alice.communities.merge_roster(cid, moved)).forged == 1
            [info] = await alice.communities.list()
            assert not {j.account for j in forged + moved} & set(info.members)
            assert all(j.valid() for j in info.lines)
            # honest lines that came after the forged one arrive with the next roster
            merged = await alice.communities.merge_roster(cid, honest)
            assert len(info.members) + len(merged.added) == 4

    trio.run(scenario)


def test_a_full_roster_refuses_joiners_and_never_drops_a_member(tmp_path: Path) -> None:
    """Finding 2: 256 accounts fill a roster. A join is refused with a clear message;
    lines beyond the cap are left out without blame, and a line dated before everyone
    else's does not push a member off."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid = await alice.communities.create("Village hall")
            others = make_joins(cid, roster.MAX_MEMBERS - 1)
            merged = await alice.communities.merge_roster(cid, others)
            assert len(merged.added) == roster.MAX_MEMBERS - 1 and not merged.forged
            [info] = await alice.communities.list()
            assert info.full and len(info.members) == roster.MAX_MEMBERS

            with pytest.raises(roster.RosterFull, match="Village hall is full: 256 people"):
                await bob.communities.join(info.value, info.lines)
            assert await bob.communities.list() == [] and await bob.groups.list() == []

            early = make_joins(cid, 5, first=1000, joined=0)
            assert await alice.communities.merge_roster(cid, early) == Merged(refused=5)
            [again] = await alice.communities.list()
            assert again.lines == info.lines

    trio.run(scenario)


def test_rosters_that_fit_together_converge(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Choir")
            await alice.communities.merge_roster(cid, make_joins(cid, 100))
            await bob.communities.merge_roster(cid, make_joins(cid, 100, first=500))
            for _ in range(2):
                await alice.communities.merge_roster(cid, (await bob.communities.list())[0].lines)
                await bob.communities.merge_roster(cid, (await alice.communities.list())[0].lines)
            [a], [b] = await alice.communities.list(), await bob.communities.list()
            assert a.members == b.members and len(a.members) == 202

    trio.run(scenario)


def test_a_store_from_before_signed_rosters_keeps_only_what_proves_itself(
        tmp_path: Path) -> None:
    """Migration 8: accounts put on a roster before lines were signed are dropped (they
    proved nothing); opening the home signs our own line again."""
    async def scenario() -> None:
        home = Home(tmp_path / "a")
        with Node.init(home, "Alice") as alice:
            cid = await alice.communities.create("Choir")
            me = alice.account_id
        conn = sqlite3.connect(home.store_path)  # as migration 7 left it
        conn.execute("DROP TABLE roster_lines")
        conn.execute("UPDATE conversations SET members = ? WHERE id = ?",
                     (pack_members([me, b"z" * 32, b"y" * 32]), cid))
        conn.execute("PRAGMA user_version = 7")
        conn.commit()
        conn.close()
        with Node.open(home) as alice:
            [info] = await alice.communities.list()
            assert info.members == (me,) and info.lines[0].valid()
            [group] = await alice.groups.list()
            assert group.members == (me,)
            assert await alice.replication.wanted_accounts(0) == {me}

    trio.run(scenario)


def test_a_key_sealed_to_us_by_someone_else_is_ignored(tmp_path: Path) -> None:
    """A community key sealed to us by someone else is ignored: joining is always
    the local account's own act."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.communities.create("Spam corner")
            [info] = await bob.communities.list()
            await sync(alice, bob)
            key = await bob._run(bob.store.enc_key, alice.account_id)
            body = private.seal(info.value, [key], bob.account_id, os.urandom)
            await bob.publish(c.Sealed(c.Kind.PRIVATE, body))
            await sync(bob, alice)
            await alice.messages.scan()
            assert await alice.communities.list() == [] and await alice.groups.list() == []

    trio.run(scenario)
