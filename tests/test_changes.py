"""Domain events (events.py) of stored entries: the pure derivation (changes.py), and
what a node emits for its own entries, a peer's, and followers-only posts it opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from p2psocial import content as c
from p2psocial.changes import domain_events
from p2psocial.content import Kind
from p2psocial.events import (
    EntryAdded,
    FollowsChanged,
    PostAdded,
    PostChanged,
    ProfileChanged,
    ReactionChanged,
)
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store.views import Erased
from tests.helpers import Author, everyone_syncs, queued

DOMAIN = (PostAdded, PostChanged, ReactionChanged, ProfileChanged, FollowsChanged)


def domain(events: Any) -> list[Any]:
    """The domain events queued on a subscription, in order (the others left out)."""
    return [e for e in queued(events, object) if isinstance(e, DOMAIN)]


def test_every_kind_of_entry_and_what_it_means() -> None:
    alice, bob = Author(1), Author(2)
    root = alice.add(c.Post("root"))
    reply = bob.add(c.Post("reply", reply_parent=root.id, thread_root=root.id))
    like = bob.add(c.Reaction(root.id, "👍"))
    unlike = bob.add(c.Reaction(root.id, "👍", undo=True))
    edit = bob.add(c.Edit(reply.id, "reply, better"))
    gone_reply = bob.add(c.Delete(reply.id))
    gone_like = bob.add(c.Delete(like.id))
    gone_far = bob.add(c.Delete(b"\7" * 32))  # nothing held here: nothing to show
    profile = bob.add(c.Profile(name="Bob"))
    follows = [bob.add(v(alice.id)) for v in (c.Follow, c.Unfollow, c.Block, c.Unblock)]
    added = [*alice.log, *bob.log]
    accounts = {alice.ident.device_id: alice.id, bob.ident.device_id: bob.id}
    targets = {reply.id: root.id, like.id: root.id, unlike.id: root.id, edit.id: reply.id,
               gone_reply.id: reply.id, gone_like.id: like.id, gone_far.id: b"\7" * 32}
    erased = {gone_reply.id: Erased(Kind.POST, reply.id, root.id),
              gone_like.id: Erased(Kind.REACTION, root.id, None)}
    assert profile.kind == Kind.PROFILE
    assert domain_events(added, accounts, alice.id, targets, erased) == [
        ProfileChanged(alice.id),  # a device: the profile's device count
        PostAdded(root.id, alice.id, root.timestamp, True, None),
        ProfileChanged(bob.id),
        PostAdded(reply.id, bob.id, reply.timestamp, False, root.id),
        ReactionChanged(root.id, bob.id),
        ReactionChanged(root.id, bob.id),  # the undo
        PostChanged(reply.id, bob.id),
        PostChanged(reply.id, bob.id, root.id),  # a reply deleted: its parent counts one less
        ReactionChanged(root.id, bob.id),  # a reaction deleted
        ProfileChanged(bob.id),
        FollowsChanged(bob.id, False, False), FollowsChanged(bob.id, False, False),
        FollowsChanged(bob.id, True, False), FollowsChanged(bob.id, True, False)]
    assert domain_events(follows, accounts, bob.id, {}, {}) == [
        FollowsChanged(bob.id, False, True), FollowsChanged(bob.id, False, True),
        FollowsChanged(bob.id, True, True), FollowsChanged(bob.id, True, True)]
    # a reaction or an edit whose body did not decode names nothing, and says nothing
    assert domain_events([like, edit], accounts, None, {}, {}) == []


def test_a_node_emits_them_for_its_own_entries_and_a_peers(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            me, them = alice.account_id, bob.account_id
            mine, theirs = alice.subscribe(), bob.subscribe()

            async def carry() -> list[Any]:
                """Alice's news reaches Bob in one batch: what Bob hears of it."""
                assert alice.identity is not None
                news = await alice.replication.log_entries(alice.identity.device_id, 0, 99)
                got = await bob.replication.ingest(news)
                heard = queued(theirs, object)
                n = len(got.added)
                assert [e.id for e in heard[:n] if isinstance(e, EntryAdded)] == \
                    [e.id for e in got.added]  # the batch's EntryAdded events come first
                return [e for e in heard[n:] if isinstance(e, DOMAIN)]

            def as_peer(events: list[Any]) -> list[Any]:
                """What Alice heard of her own entries, as Bob hears them: not his own."""
                return [e._replace(own=False) if isinstance(e, (PostAdded, FollowsChanged))
                        else e for e in events]

            root = await alice.posts.post("root")
            reply = await alice.posts.post("reply", reply_to=root.id)
            await alice.posts.react(root.id, "🎉")
            like = await alice.posts.react(root.id, "👍")
            await alice.posts.react(root.id, "🎉", undo=True)
            await alice.posts.edit(reply.id, "reply, better")
            said = domain(mine)
            assert said == [
                PostAdded(root.id, me, root.timestamp, True, None),
                PostAdded(reply.id, me, reply.timestamp, True, root.id),
                ReactionChanged(root.id, me), ReactionChanged(root.id, me),
                ReactionChanged(root.id, me), PostChanged(reply.id, me)]
            assert await carry() == [ProfileChanged(me), ProfileChanged(me),  # device, name
                                     *as_peer(said)]
            await alice.posts.delete(like.id)
            await alice.posts.delete(reply.id)
            await alice.posts.set_profile(name="Alicia")
            await alice.posts.follow(them)
            await alice.posts.block(them)
            said = domain(mine)
            assert said == [
                ReactionChanged(root.id, me), PostChanged(reply.id, me, root.id),
                ProfileChanged(me), FollowsChanged(me, False, True),
                FollowsChanged(me, True, True)]
            assert await carry() == as_peer(said)

    trio.run(scenario)


def test_an_opened_followers_only_post_is_a_post_added(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await bob.posts.follow(alice.account_id)
            asked = await bob.posts.post("what shall we cook?")
            await everyone_syncs([alice, bob])
            await alice.circles.approve(bob.account_id)
            events = bob.subscribe()
            soup = await alice.circles.post("soup!", reply_to=asked.id)
            await everyone_syncs([alice, bob])
            opened = [e for e in domain(events) if isinstance(e, PostAdded)]
            assert [(e.id, e.account, e.own, e.parent) for e in opened] == [
                (soup.id, alice.account_id, False, asked.id)]

    trio.run(scenario)

