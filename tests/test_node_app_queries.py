"""Node queries the desktop app needs: what reactions, edits and deletes act on, our
own reactions on a post, relations, people by name, keys. Real homes, real SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import nacl.pwhash
import pytest
import trio

from p2psocial import phrase
from p2psocial.errors import WrongPassphrase
from p2psocial.events import EntryAdded, Notified
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import IngestResult, Relation

FAST_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
            "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


def run(tmp_path: Path, scenario: Callable[[Node, Node], Awaitable[None]]) -> None:
    """Run ``scenario(alice, bob)`` on two fresh homes (keys in the clear)."""
    async def main() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await scenario(alice, bob)

    trio.run(main)


async def carry(src: Node, dst: Node) -> IngestResult:
    """Everything ``src`` wrote reaches ``dst``, as a sync session would bring it."""
    device = src.identity.device_id if src.identity else b""
    return await dst.replication.ingest(await src.replication.log_entries(device, 0, 10_000))


def test_targets_of_names_the_posts_acted_on(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        first = await alice.posts.post("first")
        second = await alice.posts.post("second")
        like = await alice.posts.react(first.id, "👍")
        edit = await alice.posts.edit(second.id, "second, edited")
        again = await alice.posts.react(first.id, "🎉")
        unliked = await alice.posts.delete(like.id)  # a deleted reaction: its post
        profile = await alice.posts.set_profile(bio="hi")
        on_profile = await alice.posts.react(profile.id, "👍")  # not a post: left out
        gone = await alice.posts.delete(second.id)
        got = await alice.feeds.targets_of([first.id, like.id, edit.id, again.id, unliked.id,
                                            profile.id, on_profile.id, gone.id, b"\0" * 32])
        # a post itself and the deleted reaction (its body is gone) act on nothing
        assert got == [second.id, first.id]
        assert await alice.feeds.targets_of([unliked.id]) == [first.id]
        # carol holds bob's reaction but not alice's post it is on: nothing she shows
        await carry(alice, bob)
        on_alice = await bob.posts.react(first.id, "👀")
        with Node.init(Home(tmp_path / "c"), "Carol") as carol:
            await carry(bob, carol)
            assert await carol.feeds.targets_of([on_alice.id]) == []
        await carry(bob, alice)
        assert await alice.feeds.targets_of([on_alice.id, edit.id, on_alice.id]) == [first.id,
                                                                                     second.id]

    run(tmp_path, scenario)


def test_targets_of_names_the_parent_whose_reply_count_changed(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        parent = await alice.posts.post("parent")
        reply = await alice.posts.post("reply", reply_to=parent.id)
        deeper = await alice.posts.post("deeper", reply_to=reply.id)
        top = await alice.posts.post("not a reply")
        assert await alice.feeds.targets_of([reply.id, deeper.id, top.id]) == [parent.id, reply.id]
        gone = await alice.posts.delete(deeper.id)  # the post itself, and its parent's count
        assert await alice.feeds.targets_of([gone.id]) == [deeper.id, reply.id]
        assert (await alice.feeds.post_view(reply.id)).reply_author == alice.account_id
        assert (await alice.feeds.post_view(top.id)).reply_author is None

    run(tmp_path, scenario)


def test_a_tag_search_lists_the_tag_not_the_word(tmp_path: Path) -> None:
    """Paged past more posts holding the word than one chunk of Queries.tagged."""
    from p2psocial.store import queries

    async def scenario(alice: Node, bob: Node) -> None:
        tagged = [await alice.posts.post(f"#Garden day {n}") for n in range(5)]
        for n in range(queries._TAG_CHUNK + 20):  # the word, or a longer tag
            await alice.posts.post(f"the garden, again {n}" if n % 2 else f"#gardening {n}")
        tagged.append(await alice.posts.post("first in the list: #garden"))
        seen: list[bytes] = []
        page = await alice.feeds.search("#garden", 2)
        while True:
            seen += [p.id for p in page.items]
            if page.next is None:
                break
            page = await alice.feeds.search("#garden", 2, page.next)
        assert seen == [e.id for e in reversed(tagged)]
        assert (await alice.feeds.search("#nothing")).items == []
        words = await alice.feeds.search("garden", 500)
        assert len(words.items) > len(tagged)  # a word search still finds the word

    run(tmp_path, scenario)


def test_an_undo_in_the_same_millisecond_still_wins(tmp_path: Path) -> None:
    """A stopped clock: the react and its undo would share a timestamp, and "last
    writer wins on (ts, entry)" would pick by hash, so half the time the undo lost (seen
    in CI on a fast machine); with four emojis the old code failed 15 times in 16. Each
    entry of a log is 1 ms after the one before."""
    async def main() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice", clock=lambda: 1_000) as alice:
            post = await alice.posts.post("react to me")
            for emoji in ("👀", "🎉", "👍", "🔥"):
                await alice.posts.react(post.id, emoji)
                await alice.posts.react(post.id, emoji, undo=True)
            assert (await alice.feeds.post_view(post.id)).reactions == ()  # each undo won

    trio.run(main)


def test_reacted_lists_our_active_emojis_only(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        post = await alice.posts.post("react to me")
        await carry(alice, bob)
        await bob.posts.react(post.id, "👍")
        await bob.posts.react(post.id, "🎉")
        await alice.posts.react(post.id, "🎉")
        await alice.posts.react(post.id, "👀")
        await alice.posts.react(post.id, "👀", undo=True)
        await carry(bob, alice)
        view = await alice.feeds.post_view(post.id)
        assert view.reactions == (("🎉", 2), ("👍", 1))
        assert view.reacted == ("🎉",)
        page = await alice.feeds.home_timeline()
        assert page.items[0].reacted == ("🎉",)
        seen_by_bob = await bob.feeds.post_view(post.id)
        assert seen_by_bob.reactions == (("🎉", 1), ("👍", 1))
        assert seen_by_bob.reacted == ("🎉", "👍")  # in the order of the counts

    run(tmp_path, scenario)


def test_an_emoji_with_and_without_its_presentation_selector_is_one_reaction(
        tmp_path: Path) -> None:
    # a keyboard types U+2764, the app's heart button writes U+2764 U+FE0F
    async def scenario(alice: Node, bob: Node) -> None:
        post = await alice.posts.post("react to me")
        await carry(alice, bob)
        await bob.posts.react(post.id, "\u2764")
        await alice.posts.react(post.id, "\u2764\ufe0f")
        await carry(bob, alice)
        view = await alice.feeds.post_view(post.id)
        assert view.reactions == (("\u2764\ufe0f", 2),)
        assert view.reacted == ("\u2764\ufe0f",)

    run(tmp_path, scenario)


def test_notified_follows_the_entries_of_the_batch(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        post = await alice.posts.post("hello")
        await carry(alice, bob)
        await bob.posts.post("nice", reply_to=post.id)
        await bob.posts.react(post.id, "👍")
        await bob.posts.follow(alice.account_id)
        await bob.posts.post("unrelated")
        events = alice.subscribe()
        result = await carry(bob, alice)
        got = [events.receive_nowait() for _ in range(len(result.added) + 1)]
        assert all(isinstance(e, EntryAdded) for e in got[:-1])
        assert got[-1] == Notified(3) and result.notified == 3
        assert await alice.feeds.unread_notifications() == 3
        page = await alice.feeds.notifications()
        assert [n.kind for n in page.items] == ["follow", "reaction", "reply"]
        assert page.items[0].actor_name == "Bob" and page.items[1].emoji == "👍"
        await alice.feeds.mark_notifications_read()
        assert await alice.feeds.unread_notifications() == 0
        assert not any(n.unread for n in (await alice.feeds.notifications()).items)
        await alice.posts.post("more")  # our own entries never notify us
        with pytest.raises(trio.WouldBlock):
            while True:
                assert not isinstance(events.receive_nowait(), Notified)

    run(tmp_path, scenario)


def test_relation_as_the_local_account_sees_it(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        assert await alice.feeds.relation(bob.account_id) == Relation(False, False, False)
        await alice.posts.follow(bob.account_id)
        await bob.posts.follow(alice.account_id)
        await carry(bob, alice)
        assert await alice.feeds.relation(bob.account_id) == Relation(True, True, False)
        await alice.posts.block(bob.account_id)
        await bob.posts.unfollow(alice.account_id)
        await carry(bob, alice)
        assert await alice.feeds.relation(bob.account_id) == Relation(True, False, True)

    run(tmp_path, scenario)


def test_find_accounts_prefix_first_then_substring_any_case(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node) -> None:
        homes = []
        for n, name in enumerate(["Annabel", "Joanna", "ÄNNE", "Hannah", "Zed"]):
            node = Node.init(Home(tmp_path / f"p{n}"), name)
            homes.append(node)
            await carry(node, alice)
        try:
            names = [p.name for p in await alice.feeds.find_accounts("an")]
            assert names == ["Annabel", "Hannah", "Joanna"]
            assert [p.name for p in await alice.feeds.find_accounts("änn")] == ["ÄNNE"]
            assert [p.name for p in await alice.feeds.find_accounts("AN", limit=1)] == ["Annabel"]
            assert await alice.feeds.find_accounts("  ") == []
            await alice.posts.block(homes[0].account_id)
            assert [p.name for p in await alice.feeds.find_accounts("an")] == ["Hannah", "Joanna"]
            found = (await alice.feeds.find_accounts("zed"))[0]
            assert found.account == homes[4].account_id and found.devices == 1
        finally:
            for node in homes:
                node.close()

    run(tmp_path, scenario)


def test_passphrase_check_change_and_recovery_phrase(tmp_path: Path) -> None:
    async def main() -> None:
        home = Home(tmp_path / "a")
        with Node.init(home, "Alice", "old secret", **FAST_KDF) as alice:
            words = phrase.to_phrase(alice.identity.require_root().root_seed if alice.identity
                                     else b"")
            assert await alice.keys.has_passphrase()
            assert await alice.keys.check_passphrase("old secret")
            assert not await alice.keys.check_passphrase("wrong")
            assert not await alice.keys.check_passphrase(None)
            with pytest.raises(WrongPassphrase):
                await alice.keys.recovery_phrase("wrong")
            assert await alice.keys.recovery_phrase("old secret") == words
            with pytest.raises(WrongPassphrase):
                await alice.keys.change_passphrase("wrong", "new secret", **FAST_KDF)
            await alice.keys.change_passphrase("old secret", "new secret", **FAST_KDF)
            assert not await alice.keys.check_passphrase("old secret")
            assert await alice.keys.recovery_phrase("new secret") == words
            await alice.keys.change_passphrase("new secret", None)
            assert not await alice.keys.has_passphrase()
            assert await alice.keys.recovery_phrase(None) == words
        with Node.open(home, None) as again:  # the rewritten file opens as it should
            assert again.account_id == alice.account_id

    trio.run(main)
