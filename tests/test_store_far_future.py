"""Finding 5 of issue 12 in the store: entries stamped far in the future are placed at
their arrival in every time-ordered list (p2psocial/timestamps.py), keep their signed
time in ``entries``, and win last-writer-wins registers only for their own author.
Real SQLite files; the store's ``now`` is given, so every placement is exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import trio
from helpers import T0, Author, make_entry, make_identity, make_log

from p2psocial import content as c
from p2psocial.entry import MAX_TIME
from p2psocial.home import Home
from p2psocial.node import Node, now_ms
from p2psocial.store import Store, migrations, schema
from tests.timekit import FAR, SettableClock, far_future_story

ARRIVAL = T0 + 86_400_000  # a day after the authors' logs start


class Now:
    """The store's clock: moved by hand."""

    def __init__(self, at: int) -> None:
        self.at = at

    def __call__(self) -> int:
        return self.at


@pytest.fixture
def now() -> Now:
    return Now(ARRIVAL)


@pytest.fixture
def store(tmp_path: Path, now: Now) -> Store:
    s = Store(tmp_path / "store.sqlite", now=now)
    yield s
    s.close()


def texts(items: list) -> list[str]:
    return [v.text for v in items]


def test_a_far_future_post_is_placed_at_its_arrival_not_on_top(store: Store,
                                                                now: Now) -> None:
    me, bob = Author(1), Author(2)
    store.set_local_account(me.id)
    me.add(c.Follow(bob.id), ts=T0)
    mine = me.add(c.Post("mine, before"), ts=T0 + 1_000)
    bob.add(c.Post("bob, old"), ts=T0 + 2_000)  # an old log at first sync: kept as is
    far = bob.add(c.Post("bob, from the future", mentions=(me.id,), reply_parent=mine.id,
                         thread_root=mine.id), ts=MAX_TIME)
    store.ingest(me.log + bob.log)
    now.at = ARRIVAL + 1
    me.add(c.Post("mine, after it arrived"), ts=ARRIVAL + 1)
    store.ingest(me.log)

    home = store.queries.home().items
    assert texts(home) == ["mine, after it arrived", "bob, from the future", "bob, old",
                           "mine, before"]
    placed = home[1]
    assert (placed.ts, placed.signed_ts, placed.clock_ahead) == (ARRIVAL, MAX_TIME, True)
    assert (home[2].ts, home[2].signed_ts, home[2].clock_ahead) == (T0 + 2_000, T0 + 2_000,
                                                                    False)
    assert store.get_entry(far.id).timestamp == MAX_TIME  # the signed header, untouched
    assert texts(store.account_posts(bob.id).items) == ["bob, from the future", "bob, old"]
    assert [v.ts for v in store.mentions(me.id).items] == [ARRIVAL]
    assert texts(store.queries.thread(mine.id)) == ["mine, before", "bob, from the future"]
    assert [v.ts for v in store.search("future").items] == [ARRIVAL]
    [note] = store.queries.notifications().items
    assert (note.kind, note.ts) == ("reply", ARRIVAL)


def test_notifications_of_far_future_reactions_and_follows_are_placed(store: Store,
                                                                     now: Now) -> None:
    me, bob, carol = Author(1), Author(2), Author(3)
    store.set_local_account(me.id)
    mine = me.add(c.Post("mine"), ts=T0)
    store.ingest(me.log)
    bob.add(c.Reaction(mine.id, "🔥"), ts=MAX_TIME)
    bob.add(c.Follow(me.id), ts=MAX_TIME)
    store.ingest(bob.log)
    carol.add(c.Follow(me.id), ts=ARRIVAL - 5)
    store.ingest(carol.log)
    notes = store.queries.notifications().items
    assert [(n.kind, n.ts) for n in notes] == [("follow", ARRIVAL), ("reaction", ARRIVAL),
                                               ("follow", ARRIVAL - 5)]


def test_a_reaction_held_before_its_post_is_notified_at_the_posts_arrival(
        tmp_path: Path, now: Now) -> None:
    me, bob = Author(1), Author(2)
    mine = me.add(c.Post("mine"), ts=T0)
    bob.add(c.Reaction(mine.id, "🔥"), ts=MAX_TIME)
    with Store(tmp_path / "s.sqlite", now=now) as store:
        store.set_local_account(me.id)
        store.ingest(bob.log)  # the reaction first: nothing of ours to notify about yet
        now.at = ARRIVAL + 60_000
        store.ingest(me.log)
        [note] = store.queries.notifications().items
        assert (note.kind, note.ts) == ("reaction", ARRIVAL + 60_000)


def test_a_far_future_register_entry_wins_only_its_own_authors_register(
        store: Store) -> None:
    """Registers compare signed times so that every node agrees (timestamps.py): a
    far-future profile of Bob's stays his profile, and touches nobody else's."""
    bob, carol = Author(2), Author(3)
    bob.add(c.Profile("Bob from the future"), ts=MAX_TIME)
    carol.add(c.Profile("Carol"), ts=T0 + 1_000)
    store.ingest(bob.log + carol.log)
    second = make_identity(2, 0x44)  # Bob's second device, with a sane clock
    log = make_log(second, 1)
    log.append(make_entry(second, log[-1], c.Profile("Bob, fixed"), ARRIVAL))
    store.ingest(log)
    assert store.profile(bob.id).name == "Bob from the future"
    carol.add(c.Profile("Carol, renamed"), ts=ARRIVAL)
    store.ingest(carol.log)
    assert store.profile(carol.id).name == "Carol, renamed"


def test_the_upgrade_places_rows_stored_before_the_rule(tmp_path: Path) -> None:
    """A store written without the rule (here: a clock at the end of time, which
    places nothing) holds rows at 2**53; the migration places them at the upgrade."""
    me, bob = Author(1), Author(2)
    me.add(c.Follow(bob.id), ts=T0)
    mine = me.add(c.Post("mine"), ts=T0 + 1)
    bob.add(c.Post("from the future @me", mentions=(me.id,), reply_parent=mine.id,
                   thread_root=mine.id), ts=MAX_TIME)
    path = tmp_path / "old.sqlite"
    with Store(path, now=lambda: 2**62) as store:
        store.set_local_account(me.id)
        store.ingest(me.log + bob.log)
        assert store.queries.home().items[0].ts == MAX_TIME
    before = now_ms()
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in schema._statements(migrations.PLACE_FAR_FUTURE_ROWS):
        conn.execute(statement)
    after = now_ms()
    rows = [r[0] for table in ("posts", "mentions", "notifications") for r in
            conn.execute(f"SELECT max(ts) FROM {table}")]
    assert all(before - 1_000 <= ts <= after for ts in rows), rows
    assert conn.execute("SELECT ts FROM posts WHERE text = 'mine'").fetchone()[0] == T0 + 1
    conn.close()
    with Store(path) as store:
        assert [v.text for v in store.queries.home().items] == ["from the future @me", "mine"]
        assert store.queries.home().items[0].clock_ahead


def test_messages_and_conversations_from_the_far_future_are_placed(tmp_path: Path) -> None:
    """Through two real nodes: a direct message (opened by the private scan), the
    mention, reply, reaction and follow, as ``far_future_story`` writes them."""
    async def main() -> None:
        clock = SettableClock()
        with Node.init(Home(tmp_path / "victim"), "Victim") as victim, \
                Node.init(Home(tmp_path / "mallory"), "Mallory", clock=clock) as mallory:
            before = now_ms()
            story = await far_future_story(victim, mallory, clock)
            after = now_ms()
            [conversation] = await victim.messages.conversations()
            assert conversation.last_ts is not None
            assert before <= conversation.last_ts <= after
            page = await victim.messages.conversation(conversation.id)
            assert page is not None
            [message] = page.items
            assert message.id == story.message.id and message.signed_ts == FAR
            assert before <= message.ts <= after and message.clock_ahead
            notes = await victim.feeds.notifications()
            assert {n.kind for n in notes.items} == {"mention", "reply", "reaction", "follow"}
            assert all(before <= n.ts <= after for n in notes.items)
            later = await victim.posts.post("later")
            assert (await victim.feeds.home_timeline(1)).items[0].id == later.id

    trio.run(main)
