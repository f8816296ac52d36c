"""Notifications of the local account (schema migration 3): derived at ingest, undone
with their cause, backfilled on upgrade, paged and counted. Real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import T0, Author, make_identity, make_log

from p2psocial import content as c
from p2psocial.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def summary(store: Store) -> list[tuple[str, str | None, str | None]]:
    """(kind, post text, emoji) of every notification, newest first."""
    return [(n.kind, n.post.text if n.post else None, n.emoji)
            for n in store.queries.notifications(500).items]


def test_mentions_replies_reactions_follows_of_others_only(store: Store) -> None:
    me, bob, carol = Author(1), Author(2), Author(3)
    store.set_local_account(me.id)
    mine = me.add(c.Post("my post"), ts=T0 + 1_000)
    me.add(c.Post("talking to myself", mentions=(me.id,)), ts=T0 + 2_000)
    me.add(c.Reaction(mine.id, "👍"), ts=T0 + 3_000)
    bob.add(c.Post("hi @me", mentions=(me.id,)), ts=T0 + 4_000)
    bob.add(c.Post("a reply that mentions too", reply_parent=mine.id, thread_root=mine.id,
                   mentions=(me.id,)), ts=T0 + 5_000)
    bob.add(c.Reaction(mine.id, "🎉"), ts=T0 + 6_000)
    bob.add(c.Follow(me.id), ts=T0 + 7_000)
    carol.add(c.Post("about someone else", mentions=(bob.id,)), ts=T0 + 8_000)
    carol.add(c.Follow(bob.id), ts=T0 + 9_000)
    result = store.ingest(me.log + bob.log + carol.log)
    assert result.notified == 4
    assert summary(store) == [("follow", None, None), ("reaction", "my post", "🎉"),
                              ("reply", "a reply that mentions too", None),
                              ("mention", "hi @me", None)]
    page = store.queries.notifications(500)
    assert {n.actor for n in page.items} == {bob.id} and page.next is None
    assert page.items[0].actor_name is None  # bob published no profile


def test_undo_unfollow_and_delete_remove_their_notification(store: Store) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    mine = me.add(c.Post("my post"))
    store.ingest(me.log)
    reply = bob.add(c.Post("reply", reply_parent=mine.id, thread_root=mine.id))
    like = bob.add(c.Reaction(mine.id, "👍"))
    bob.add(c.Reaction(mine.id, "🎉"))
    bob.add(c.Follow(me.id))
    store.ingest(bob.log)
    assert [k for k, _, _ in summary(store)] == ["follow", "reaction", "reaction", "reply"]
    bob.add(c.Reaction(mine.id, "🎉", undo=True))
    bob.add(c.Unfollow(me.id))
    bob.add(c.Delete(reply.id))
    bob.add(c.Delete(like.id))
    assert store.ingest(bob.log).notified == 0
    assert summary(store) == []
    bob.add(c.Reaction(mine.id, "🎉"))  # again: a new notification
    bob.add(c.Follow(me.id))
    assert store.ingest(bob.log).notified == 2
    assert [k for k, _, _ in summary(store)] == ["follow", "reaction"]


def test_an_older_undo_arriving_late_changes_nothing(store: Store) -> None:
    """Last writer wins: bob's laptop undid the reaction before his phone made it."""
    me, phone, laptop = Author(1), Author(2), Author(2)
    laptop.ident = make_identity(2, device_byte=0x10)
    laptop.log = make_log(laptop.ident, 1)
    store.set_local_account(me.id)
    mine = me.add(c.Post("my post"), ts=T0 + 1_000)
    phone.add(c.Reaction(mine.id, "👍"), ts=T0 + 9_000)
    laptop.add(c.Reaction(mine.id, "👍", undo=True), ts=T0 + 5_000)
    store.ingest(me.log + phone.log)
    assert store.ingest(laptop.log).notified == 0
    assert summary(store) == [("reaction", "my post", "👍")]


def test_a_local_post_arriving_after_its_replies_and_reactions(store: Store) -> None:
    """Our other device's log reaches this home after bob answered a post in it."""
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    mine = me.add(c.Post("written on the laptop"))
    bob.add(c.Post("a reply", reply_parent=mine.id, thread_root=mine.id, mentions=(me.id,)))
    bob.add(c.Reaction(mine.id, "👍"))
    bob.add(c.Reaction(mine.id, "👀"))
    bob.add(c.Reaction(mine.id, "👀", undo=True))
    assert store.ingest(bob.log).notified == 1  # the mention alone, for now
    assert store.ingest(me.log).notified == 1  # the reaction; the mention became a reply
    assert summary(store) == [("reaction", "written on the laptop", "👍"),
                              ("reply", "a reply", None)]


def test_unread_count_mark_and_blocked_actors(store: Store) -> None:
    me, bob, carol = Author(1), Author(2), Author(3)
    store.set_local_account(me.id)
    for n in range(5):
        bob.add(c.Post(f"bob {n}", mentions=(me.id,)))
        carol.add(c.Post(f"carol {n}", mentions=(me.id,)))
    store.ingest(me.log + bob.log + carol.log)
    assert store.queries.unread_notifications() == 10
    assert store.queries.unread_notifications(cap=3) == 3
    assert all(n.unread for n in store.queries.notifications().items)
    store.mark_notifications_read()
    assert store.queries.unread_notifications() == 0
    bob.add(c.Post("one more", mentions=(me.id,)))
    store.ingest(bob.log)
    page = store.queries.notifications()
    assert store.queries.unread_notifications() == 1 and [n.unread for n in page.items[:2]] == [
        True, False]
    me.add(c.Block(bob.id))
    store.ingest(me.log)
    assert store.queries.unread_notifications() == 0
    assert {n.post.text[:5] for n in store.queries.notifications().items if n.post} == {"carol"}


def test_keyset_paging_newest_first(store: Store) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    for n in range(7):
        bob.add(c.Post(f"mention {n}", mentions=(me.id,)))
    store.ingest(me.log + bob.log)
    seen, before = [], None
    while True:
        page = store.queries.notifications(3, before)
        seen += [n.post.text for n in page.items if n.post]
        if page.next is None:
            break
        before = page.next
    assert seen == [f"mention {n}" for n in reversed(range(7))]


def test_migration_backfills_what_ingest_derives(tmp_path: Path) -> None:
    me, bob, carol, dave = Author(1), Author(2), Author(3), Author(4)
    mine = me.add(c.Post("my post"))
    dave.add(c.Delete(dave.add(c.Follow(me.id)).id))  # erased: no notification, yet a follow
    reply = bob.add(c.Post("reply", reply_parent=mine.id, thread_root=mine.id,
                           mentions=(me.id,)))
    bob.add(c.Post("mention", mentions=(me.id,)))
    bob.add(c.Reaction(mine.id, "👍"))
    carol.add(c.Reaction(mine.id, "🎉"))
    carol.add(c.Reaction(mine.id, "🎉", undo=True))
    carol.add(c.Follow(me.id))
    bob.add(c.Follow(me.id))
    bob.add(c.Unfollow(me.id))
    carol.add(c.Post("reply to the reply", reply_parent=reply.id, thread_root=mine.id))
    path = tmp_path / "store.sqlite"
    with Store(path) as s:
        s.set_local_account(me.id)
        s.ingest(me.log + bob.log + carol.log + dave.log)
        assert s.relation(dave.id).followed_by
        derived = s.conn.execute("SELECT * FROM notifications ORDER BY rowid").fetchall()
    assert len(derived) == 4
    conn = sqlite3.connect(path)  # back to schema 2, as an older p2psocial left it
    conn.executescript("DROP TABLE notifications; DELETE FROM meta WHERE key = "
                       "'notifications_read'; PRAGMA user_version = 2;")
    conn.close()
    with Store(path) as s:
        assert s.conn.execute("SELECT * FROM notifications ORDER BY rowid").fetchall() == \
            derived
        assert s.queries.unread_notifications() == 0  # history counts as read after the upgrade
