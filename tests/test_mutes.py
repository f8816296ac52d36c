"""Mutes and word filters (issue 17): real homes, real SQLite, the node's own calls.

What is checked: a mute or filter is local (the log head does not move), the lists
leave muted posts out in SQL so keyset pages stay full and exact, a thread keeps them
collapsed, notifications and search follow, and unmuting brings everything back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio

from p2psocial import muting
from p2psocial.errors import NotFound, UserError
from p2psocial.events import MutesChanged
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import Cursor, IngestResult


def run(tmp_path: Path, scenario: Callable[[Node, Node, Node], Awaitable[None]]) -> None:
    """``scenario(alice, bob, carol)``: Alice follows Bob and Carol."""
    async def main() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob, \
                Node.init(Home(tmp_path / "c"), "Carol") as carol:
            await alice.posts.follow(bob.account_id)
            await alice.posts.follow(carol.account_id)
            await scenario(alice, bob, carol)

    trio.run(main)


async def carry(src: Node, dst: Node) -> IngestResult:
    device = src.identity.device_id if src.identity else b""
    head = await dst._run(dst.store.head, device)
    return await dst.replication.ingest(
        await src.replication.log_entries(device, head[0] if head else 0, 10_000))


async def texts(page_of: Callable[..., Awaitable], limit: int = 50) -> list[str]:
    """Every post of a paged list, page by page (``limit`` a page)."""
    out: list[str] = []
    before: Cursor | None = None
    while True:
        page = await page_of(limit=limit, before=before)
        out += [p.text for p in page.items]
        if page.next is None:
            return out
        assert len(page.items) == limit  # a page is never short before the end
        before = page.next


def head(node: Node) -> tuple[int, bytes] | None:
    assert node.identity is not None
    return node.store.head(node.identity.device_id)


def test_a_muted_account_leaves_the_lists_and_keyset_pages_stay_full(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node, carol: Node) -> None:
        for n in range(12):  # interleaved: every page crosses muted rows
            await bob.posts.post(f"bob {n}")
            await carol.posts.post(f"carol {n} #cats" if n % 3 == 0 else f"carol {n}")
        await carry(bob, alice)
        await carry(carol, alice)
        mine = await alice.posts.post("alice writes")
        before = head(alice)
        events = alice.subscribe()
        kept, added = await alice.mutes.mute(muting.ACCOUNT, bob.account_id)
        assert (kept, added) == (bob.account_id, True)
        assert head(alice) == before  # nothing published
        assert isinstance(events.receive_nowait(), MutesChanged)
        home = await texts(alice.feeds.home_timeline, limit=5)
        assert home == ["alice writes"] + [f"carol {n}" + (" #cats" if n % 3 == 0 else "")
                                           for n in reversed(range(12))]
        assert not [t for t in home if t.startswith("bob")]
        # his own page still lists his posts (one goes there to see them)
        assert len((await alice.feeds.account_posts(bob.account_id, 50)).items) == 12
        assert (await alice.feeds.relation(bob.account_id)).muted
        assert await alice.mutes.mute(muting.ACCOUNT, bob.account_id) == (bob.account_id,
                                                                          False)
        # his reply to Alice leaves her notifications and mentions; it is still held
        await carry(alice, bob)
        await bob.posts.post("hi alice", reply_to=mine.id)
        await carry(bob, alice)
        assert [n.actor for n in (await alice.feeds.notifications()).items] == []
        assert await alice.feeds.unread_notifications() == 0
        assert any(p.text == "hi alice" for p in await alice.feeds.thread(mine.id))
        # search and tags follow too
        assert (await alice.feeds.search("bob")).items == []
        assert len((await alice.feeds.search("#cats")).items) == 4
        _, removed = await alice.mutes.unmute(muting.ACCOUNT, bob.account_id)
        assert removed and head(alice) == before
        assert len(await texts(alice.feeds.home_timeline, limit=5)) == 26
        assert [n.kind for n in (await alice.feeds.notifications()).items] == ["reply"]
        with pytest.raises(UserError, match="yourself"):
            await alice.mutes.mute(muting.ACCOUNT, alice.account_id)

    run(tmp_path, scenario)


def test_a_muted_tag_and_thread_leave_timelines_and_notifications(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node, carol: Node) -> None:
        root = await alice.posts.post("what do you think?")
        await carry(alice, bob)
        await carry(alice, carol)
        reply = await bob.posts.post("I think #Politics is tiring", reply_to=root.id)
        await carol.posts.post("#cats are great")
        await carry(bob, alice)
        await carry(carol, alice)
        await carry(bob, carol)
        deep = await carol.posts.post("me too", reply_to=reply.id)
        await carry(carol, alice)
        kept, _ = await alice.mutes.mute(muting.TAG, "#POLITICS")
        assert kept == "politics"
        home = [p.text for p in (await alice.feeds.home_timeline()).items]
        assert "I think #Politics is tiring" not in home and "me too" in home
        assert len((await alice.feeds.search("#politics")).items) == 0
        thread = await alice.feeds.thread(root.id)
        collapsed = [p for p in thread if p.muted]
        assert [p.id for p in collapsed] == [reply.id]  # kept, collapsed: the tree stays
        assert len(thread) == 3
        # a muted thread (named by any post of it) leaves the home and notifications,
        # own root included in notifications (a reaction on it too)
        kept, added = await alice.mutes.mute(muting.THREAD, deep.id)
        assert kept == root.id and added
        await bob.posts.react(root.id, "👍")
        await carry(bob, alice)
        home = [p.text for p in (await alice.feeds.home_timeline()).items]
        assert home == ["#cats are great", "what do you think?"]  # her own post stays
        assert (await alice.feeds.notifications()).items == []
        assert len(await alice.feeds.thread(root.id)) == 3  # opened, it shows whole
        assert sorted((m.kind, m.target) for m in await alice.mutes.list()) == [
            ("tag", "politics"), ("thread", root.id)]
        await alice.mutes.unmute(muting.THREAD, root.id)
        kinds = [n.kind for n in (await alice.feeds.notifications()).items]
        assert kinds == ["reaction"]  # Bob's reply holds the muted tag
        await alice.mutes.unmute(muting.TAG, "politics")
        kinds = sorted(n.kind for n in (await alice.feeds.notifications()).items)
        assert kinds == ["reaction", "reply"]  # Carol's reply answers Bob, not Alice
        with pytest.raises(NotFound):
            await alice.mutes.mute(muting.THREAD, b"\1" * 32)
        with pytest.raises(UserError, match="not a #tag"):
            await alice.mutes.mute(muting.TAG, "two words")

    run(tmp_path, scenario)


def test_word_filters_hide_or_warn_whole_words(tmp_path: Path) -> None:
    async def scenario(alice: Node, bob: Node, carol: Node) -> None:
        for text in ("Spoilers: the butler did it", "concatenate strings",
                     "CAT pictures", "a quiet day", "the   Butler  Did it again"):
            await bob.posts.post(text)
        await bob.posts.post("nice weather", content_warning="cat content")
        await carry(bob, alice)
        before = head(alice)
        assert await alice.mutes.add_filter(" Cat ") == ("cat", "added")
        assert await alice.mutes.add_filter("the butler did", warn=True) == (
            "the butler did", "added")
        assert head(alice) == before
        page = (await alice.feeds.home_timeline()).items
        shown = {p.text: p.filtered for p in page}
        assert "CAT pictures" not in shown and "nice weather" not in shown  # cw counts
        assert shown["concatenate strings"] is None  # whole words only
        assert shown["Spoilers: the butler did it"] == "the butler did"
        assert shown["the   Butler  Did it again"] == "the butler did"
        assert shown["a quiet day"] is None
        # a thread keeps a hidden post, collapsed behind its phrase
        hidden = next(p for p in (await alice.feeds.account_posts(bob.account_id, 50,
                                                                  None)).items
                      if p.text == "concatenate strings")
        assert hidden.filtered is None
        cat = await bob.posts.post("another cat", reply_to=hidden.id)
        await carry(bob, alice)
        thread = {p.id: p for p in await alice.feeds.thread(hidden.id)}
        assert (thread[cat.id].filtered, thread[cat.id].muted) == ("cat", False)
        # the local account's own posts are never filtered
        await alice.posts.post("my cat")
        assert (await alice.feeds.home_timeline(1)).items[0].text == "my cat"
        # changing the action, then removing
        assert await alice.mutes.add_filter("cat", warn=True) == ("cat", "changed")
        assert await alice.mutes.add_filter("CAT", warn=True) == ("cat", "unchanged")
        page = (await alice.feeds.home_timeline()).items
        assert {p.text: p.filtered for p in page}["CAT pictures"] == "cat"
        assert sorted((f.phrase, f.action) for f in await alice.mutes.filters()) == [
            ("cat", "warn"), ("the butler did", "warn")]
        assert await alice.mutes.remove_filter("Cat") == ("cat", True)
        assert await alice.mutes.remove_filter("cat") == ("cat", False)
        page = (await alice.feeds.home_timeline()).items
        assert {p.text: p.filtered for p in page}["CAT pictures"] is None
        with pytest.raises(UserError):
            await alice.mutes.add_filter("   ")

    run(tmp_path, scenario)


def test_phrase_rules() -> None:
    found = muting.phrase_found
    assert found("Hello, World!", None, "world") == "world"
    assert found("worldwide", None, "world") is None
    assert found("x", "C++ inside", "c++") == "c++"  # a phrase ending in a symbol
    assert found("ÉCOLE ouverte", None, "école") == "école"
    assert found("a cat and a dog", None, "dog\ncat\nbird") == "cat"  # which one, first
    assert found(None, None, "cat") is None and found("cat", None, None) is None
    assert not muting.tag_in("no tags", "cats")
    assert muting.tag_in("I love #Cats", "dogs cats")
    assert not muting.tag_in("a#cats", "cats")  # not a tag where the app links none
    assert not muting.tag_in("#cats", None)
