"""Followers-only posts (circles): the node's API on real homes with entries copied by
hand as sync would, and the store's checks on hand-built logs (real SQLite both)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio

from p2psocial import codec, envelope, ids, private
from p2psocial import content as c
from p2psocial.errors import InvalidEntry, NotFound, UserError
from p2psocial.events import Notified
from p2psocial.home import Home
from p2psocial.identity import Identity
from p2psocial.node import Node
from p2psocial.store import Store
from tests.helpers import Author, everyone_syncs, queued

SECRET = "the cabin key is under the blue pot"


async def home_texts(node: Node) -> list[tuple[str, str]]:
    return [(p.text, p.audience) for p in (await node.feeds.home_timeline()).items]


def run_with(tmp_path: Path, names: tuple[str, ...],
             scenario: Callable[..., Awaitable[None]]) -> None:
    """Run ``scenario(*nodes)`` with fresh homes in which everyone follows the first
    name (the author) and the author holds everyone's keys."""
    async def main() -> None:
        nodes = [Node.init(Home(tmp_path / n), n) for n in names]
        try:
            for n in nodes[1:]:
                await n.posts.follow(nodes[0].account_id)
            await everyone_syncs(nodes)
            await scenario(*nodes)
        finally:
            for n in nodes:
                n.close()

    trio.run(main)


def test_approved_follower_reads_and_others_see_nothing(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node, carol: Node) -> None:
        assert await alice.circles.members() == []
        await alice.circles.approve(bob.account_id)
        await alice.circles.approve(bob.account_id)  # already approved: nothing new
        assert await alice.circles.members() == [bob.account_id]
        await alice.posts.post("hello everyone")
        text = f"{SECRET} #cabin @{ids.account_text(carol.account_id)}"
        sealed = await alice.circles.post(text, content_warning="plans")
        assert await home_texts(alice) == [(text, "circle"), ("hello everyone", "public")]
        await everyone_syncs([alice, bob, carol])

        [mine, public] = (await bob.feeds.home_timeline()).items
        assert (mine.id, mine.audience, mine.content_warning, mine.author_name) == (
            sealed.id, "circle", "plans", "Alice")
        assert mine.tags == ("cabin",) and mine.mentions == (carol.account_id,)
        assert public.audience == "public"
        assert [p.id for p in (await bob.feeds.account_posts(alice.account_id)).items] == [
            sealed.id, public.id]
        assert [p.id for p in (await bob.feeds.search("cabin key")).items] == [sealed.id]
        assert (await bob.feeds.post_view(sealed.id)).audience == "circle"
        assert await bob.groups.list() == []  # a circle is not a chat

        # Carol follows Alice and carries the entry, but is not approved: not a trace
        assert await home_texts(carol) == [("hello everyone", "public")]
        assert len((await carol.feeds.account_posts(alice.account_id)).items) == 1
        assert (await carol.feeds.search("cabin")).items == []
        with pytest.raises(NotFound):
            await carol.feeds.post_view(sealed.id)
        assert await carol.groups.list() == [] and (await carol.feeds.mentions()).items == []

        # replies in the circle thread stay in the circle; edits would be public
        reply = await alice.circles.post("bring boots", reply_to=sealed.id)
        await everyone_syncs([alice, bob, carol])
        assert [p.id for p in await bob.feeds.thread(sealed.id)] == [sealed.id, reply.id]
        with pytest.raises(UserError, match="cannot be edited"):
            await alice.posts.edit(sealed.id, "changed")
        with pytest.raises(UserError, match="not a chat"):
            await alice.groups.post(private.circle_id(alice.account_id), "hi")

    run_with(tmp_path, ("Alice", "Bob", "Carol"), scenario)


def test_revoked_follower_cannot_read_new_posts(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node, carol: Node) -> None:
        await alice.circles.approve(bob.account_id)
        await alice.circles.approve(carol.account_id)
        await alice.circles.post("before")
        await alice.circles.revoke(carol.account_id)
        await alice.circles.revoke(carol.account_id)  # not approved: nothing new
        assert await alice.circles.members() == [bob.account_id]
        await alice.circles.post("after")
        await everyone_syncs([alice, bob, carol])
        assert await home_texts(bob) == [("after", "circle"), ("before", "circle")]
        assert await home_texts(carol) == [("before", "circle")]  # read before: kept
        # Bob's own view of the circle moved on to the new epoch, Carol's did not
        gid = private.circle_id(alice.account_id)
        assert (await bob.groups.state(gid)).epoch == 2
        assert (await carol.groups.state(gid)).epoch == 1

    run_with(tmp_path, ("Alice", "Bob", "Carol"), scenario)


def test_the_authors_other_device_reads_and_posts(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        await alice.circles.approve(bob.account_id)
        first = await alice.circles.post("from the desk")
        assert alice.identity is not None
        with Node.restore(Home(tmp_path / "laptop"), alice.identity.require_root().root_seed,
                          "Alice") as laptop:
            await everyone_syncs([alice, bob, laptop])
            assert await home_texts(laptop) == [("from the desk", "circle")]
            assert await laptop.circles.members() == [bob.account_id]
            second = await laptop.circles.post("from the laptop")  # the same circle
            await everyone_syncs([alice, bob, laptop])
            assert [p.id for p in (await bob.feeds.home_timeline()).items] == [second.id, first.id]
            timeline = (await alice.feeds.home_timeline()).items
            assert [p.id for p in timeline] == [second.id, first.id]

    run_with(tmp_path, ("Alice", "Bob"), scenario)


def test_a_deleted_circle_post_leaves_the_timeline(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        await alice.circles.approve(bob.account_id)
        gone = await alice.circles.post(SECRET)
        await everyone_syncs([alice, bob])
        await alice.posts.delete(gone.id)
        await everyone_syncs([alice, bob])
        assert await home_texts(bob) == []
        assert (await bob.feeds.search("cabin")).items == []
        [placeholder] = await bob.feeds.thread(gone.id)
        assert placeholder.deleted and placeholder.text == "" \
            and placeholder.audience == "circle"

    run_with(tmp_path, ("Alice", "Bob"), scenario)


def test_unapproved_before_the_key_is_here(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        with pytest.raises(UserError, match="cannot approve yourself"):
            await alice.circles.approve(alice.account_id)
        stranger = Author(9).id
        with pytest.raises(UserError, match="no encryption key here yet"):
            await alice.circles.approve(stranger)
        assert await alice.circles.members() == []

    run_with(tmp_path, ("Alice", "Bob"), scenario)


# --- the store's checks, on hand-built logs ---------------------------------------------


def opener(who: Identity) -> private.Opener:
    return private.opener(envelope.SealedReader(who.enc_private))


def circle_key(admin: Author, readers: list[Author], salt: bytes = private.CIRCLE_SALT,
               epoch: int = 0) -> bytes:
    """Append the admin's key of a group (a circle by default) sealed to ``readers``."""
    key = os.urandom(envelope.KEY_LEN)
    members = tuple(sorted({admin.id, *(r.id for r in readers)}))
    value = private.GroupKey(private.group_id_of(admin.id, salt), salt, epoch, key,
                             private.CIRCLE_NAME, members)
    admin.add(c.Sealed(c.Kind.PRIVATE, private.seal(
        value, [admin.ident.enc_public, *(r.ident.enc_public for r in readers)],
        admin.id, os.urandom)))
    return key


def circle_body(author: Author, group_id: bytes, key: bytes, text: str = SECRET) -> bytes:
    return private.seal_group(private.CirclePost(c.Post(text)), group_id, 0, key, author.id,
                              os.urandom)


def scanned_posts(path: Path, who: Author, *authors: Author) -> list[str]:
    store = Store(path)
    store.set_local_account(who.id)
    with store:
        for author in authors:
            store.ingest(author.log)
        scan = store.scan_private(opener(who.ident))
        assert scan.done
        texts = [p.text for p in store.account_posts(authors[0].id).items]
        assert len(scan.posts) == len(texts)
        return texts


def test_flipped_bits_fail_closed(tmp_path: Path) -> None:
    """A circle post signed by its author but altered anywhere: no post, no crash;
    the unaltered one, after them all, still opens."""
    alice, bob = Author(1), Author(2)
    key = circle_key(alice, [bob])
    body = circle_body(alice, private.circle_id(alice.id), key)
    for bit in range(0, len(body) * 8, 3):
        flipped = bytearray(body)
        flipped[bit // 8] ^= 1 << (bit % 8)
        alice.add(c.Sealed(c.Kind.GROUP, bytes(flipped)))
    alice.add(c.Sealed(c.Kind.GROUP, body))
    assert scanned_posts(tmp_path / "bob.sqlite", bob, alice, bob) == [SECRET]


def test_only_the_circles_owner_posts_to_it(tmp_path: Path) -> None:
    """A member's CirclePost in Alice's circle, and a CirclePost in a chat group (even
    its admin's), are dropped: neither is anyone's followers-only post."""
    alice, bob, carol = Author(1), Author(2), Author(3)
    circle = circle_key(alice, [bob, carol])
    chat_salt = os.urandom(private.ID_LEN)
    chat = circle_key(alice, [bob, carol], salt=chat_salt)
    bob.add(c.Sealed(c.Kind.GROUP, circle_body(bob, private.circle_id(alice.id), circle)))
    alice.add(c.Sealed(c.Kind.GROUP, circle_body(
        alice, private.group_id_of(alice.id, chat_salt), chat)))
    assert scanned_posts(tmp_path / "carol.sqlite", carol, bob, alice, carol) == []
    assert scanned_posts(tmp_path / "carol2.sqlite", carol, alice, bob, carol) == []


def test_a_circle_post_with_an_image_in_the_clear_is_refused_both_ways() -> None:
    """An image of a followers-only post is a sealed blob with its key inside (issue
    14); one without a key would be fetched in the clear, and is refused."""
    with_image = c.Post("look", attachments=(c.Attachment(b"\1" * 32, "image/png", 10, 1, 1,
                                                          ""),))
    with pytest.raises(UserError, match="sealed with a key"):
        private.CirclePost(with_image).validate()
    forged = codec.encode((private.VERSION, int(private.Inner.CIRCLE_POST),
                           (c.encode_body(with_image)[1],)))
    with pytest.raises(InvalidEntry):
        private.decode(forged)
    assert private.decode(private.encode(private.CirclePost(c.Post("ok")))) == \
        private.CirclePost(c.Post("ok"))


def test_a_circle_post_that_mentions_or_answers_me_notifies(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        await alice.posts.follow(bob.account_id)
        await alice.circles.approve(bob.account_id)
        asked = await bob.posts.post("what shall we cook?")
        await everyone_syncs([alice, bob])
        events = bob.subscribe()
        await alice.circles.post(f"@{ids.account_text(bob.account_id)} come at six")
        await alice.circles.post("soup!", reply_to=asked.id)
        await alice.circles.post("nothing for Bob here")
        await everyone_syncs([alice, bob])
        page = await bob.feeds.notifications()
        assert [(n.kind, n.post.text if n.post else None) for n in page.items] == [
            ("reply", "soup!"),
            ("mention", f"@{ids.account_text(bob.account_id)} come at six"),
            ("follow", None)]
        assert sum(e.count for e in queued(events, Notified)) == 2
        assert [n.kind for n in (await alice.feeds.notifications()).items] == ["follow"]

    run_with(tmp_path, ("Alice", "Bob"), scenario)
