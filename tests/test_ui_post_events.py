"""What live domain events mean for a list of posts (ui/post_events.py): the filters of
each list and the notes of a batch, without a window."""

from __future__ import annotations

from p2psocial.events import (
    EntryAdded,
    FollowsChanged,
    Lagged,
    MessageAdded,
    PostAdded,
    PostChanged,
    ProfileChanged,
    ReactionChanged,
)
from p2psocial.ui.post_events import (
    MAX_BACKFILL,
    Concern,
    account_events,
    home_events,
    mention_events,
    no_events,
    note,
    thread_events,
)

ME, BOB = b"\1" * 32, b"\2" * 32
P1, P2, P3 = b"\x11" * 32, b"\x12" * 32, b"\x13" * 32


def post(entry_id: bytes, ts: int = 100, account: bytes = BOB,
         parent: bytes | None = None) -> PostAdded:
    return PostAdded(entry_id, account, ts, account == ME, parent)


def test_each_list_says_what_an_event_means_for_it() -> None:
    follow, block = FollowsChanged(ME, False, True), FollowsChanged(ME, True, True)
    theirs = FollowsChanged(BOB, True, False)
    assert [home_events(e) for e in (post(P1), follow, block, theirs)] == [
        Concern.POSTS, Concern.RELOAD, Concern.RELOAD, Concern.NONE]
    assert [mention_events(e) for e in (post(P1), follow, block, theirs)] == [
        Concern.POSTS, Concern.NONE, Concern.RELOAD, Concern.NONE]
    bobs = account_events(BOB)
    assert [bobs(e) for e in (post(P1), post(P2, account=ME), follow)] == [
        Concern.POSTS, Concern.NONE, Concern.NONE]
    assert [thread_events(e) for e in (post(P1), ReactionChanged(P1, BOB))] == [
        Concern.RELOAD, Concern.NONE]
    assert no_events(post(P1)) is Concern.NONE
    # entries as the network sees them, and events of other views, concern no list
    raw = EntryAdded(P1, b"d", BOB, 2, 1, 100, False)
    message = MessageAdded(b"c", P1, BOB, False)
    for events in (home_events, mention_events, bobs, thread_events):
        assert events(raw) is Concern.NONE and events(message) is Concern.NONE


def test_a_batch_names_the_rows_to_read_again() -> None:
    notes = note([ReactionChanged(P1, BOB), PostChanged(P2, BOB),
                  PostChanged(P3, BOB, parent=P1), post(b"r" * 32, 200, parent=P2),
                  ProfileChanged(BOB)], no_events, top=150)
    assert notes.stale == {P1, P2, P3}  # a reply and a deleted reply: their parents
    assert notes.profiles == {BOB}
    assert not notes.reload and not notes.posts and notes.older == []
    # an empty list has no rows to keep fresh: a reply there changes nothing shown
    assert note([post(b"r" * 32, parent=P2)], no_events, top=None).stale == set()


def test_a_batch_says_when_to_walk_the_top_fill_in_below_or_reload() -> None:
    notes = note([post(P1, 300), post(P2, 50)], home_events, top=100)
    assert notes.posts and notes.older == [(P2, 50)] and not notes.reload
    assert note([post(P1)], home_events, top=None).older == []  # nothing loaded yet
    assert note([FollowsChanged(ME, False, True)], home_events, top=100).reload
    assert note([Lagged()], no_events, top=100).reload
    many = [post(bytes([i]) * 32, 10) for i in range(MAX_BACKFILL + 1)]
    assert note(many, home_events, top=100).reload
    assert not note(many[1:], home_events, top=100).reload
